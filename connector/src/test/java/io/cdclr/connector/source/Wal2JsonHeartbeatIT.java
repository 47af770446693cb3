package io.cdclr.connector.source;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Wal2JsonHeartbeatIT extends SourceTaskFixture {
    private final String slot = slot("heartbeat");
    private final String peekSlot = slot("heartbeat_peek");
    private final String table = table("heartbeat");

    @Test
    void heartbeatWritesMessagesThatAreNotEmittedAndLetTheSlotAdvance() throws Exception {
        exec("CREATE TABLE " + table + "(id int primary key)");
        createSlot(slot, "wal2json");
        createSlot(peekSlot, "wal2json");
        Map<String, String> config = taskConfig(slot);
        config.put("wal2json.add-tables", table);
        config.put("heartbeat.interval.ms", "300");
        config.put("heartbeat.message.prefix", "hb_" + suffix);
        task = start(config);
        String afterStart = currentWalLsn().toString();
        long deadline = System.nanoTime() + 30_000_000_000L;
        Map<String, String> peekOptions = new LinkedHashMap<>(defaultOptions());
        peekOptions.put("add-msg-prefixes", "hb_" + suffix);
        while (System.nanoTime() < deadline
                && (peek(peekSlot, peekOptions).isEmpty() || confirmedFlush(slot).compareTo(io.cdclr.connector.replication.Lsn.parse(afterStart)) < 0)) {
            List<?> batch = task.poll();
            assertTrue(batch == null || batch.isEmpty(), "heartbeats are not records: " + batch);
        }
        assertTrue(!peek(peekSlot, peekOptions).isEmpty(), "a heartbeat message was written");
        assertTrue(confirmedFlush(slot).compareTo(io.cdclr.connector.replication.Lsn.parse(afterStart)) >= 0);
    }
}
