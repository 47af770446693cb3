package io.cdclr.connector.source;

import io.cdclr.connector.replication.SlotException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Wal2JsonSlotErrorsIT {
    private final String slot = "it_slot_" + uniqueSuffix();
    private Wal2JsonSourceTask first;
    private Wal2JsonSourceTask second;

    @AfterEach
    void cleanUp() {
        if (first != null) {
            first.stop();
        }
        if (second != null) {
            second.stop();
        }
        dropSlotQuietly(slot);
    }

    private Wal2JsonSourceTask start(Map<String, String> config) {
        Wal2JsonSourceTask t = new Wal2JsonSourceTask();
        t.initialize(new InMemoryOffsets(config));
        t.start(config);
        return t;
    }

    @Test
    void slotWithAnotherPluginFailsNamingSlotAndPlugin() {
        createSlot(slot, "pgoutput");
        SlotException e = assertThrows(SlotException.class, () -> first = start(taskConfig(slot)));
        assertTrue(e.getMessage().contains("'" + slot + "'") && e.getMessage().contains("'pgoutput'"), e.getMessage());
    }

    @Test
    void missingSlotWithCreateDisabledFailsNamingTheSlotAndTheKey() {
        Map<String, String> config = taskConfig(slot);
        config.put("slot.create.if.missing", "false");
        SlotException e = assertThrows(SlotException.class, () -> first = start(config));
        assertTrue(e.getMessage().contains("'" + slot + "' does not exist") && e.getMessage().contains("slot.create.if.missing"),
                e.getMessage());
        assertEquals(null, query1("SELECT slot_name FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
    }

    @Test
    void missingSlotIsCreatedWithWal2json() {
        first = start(taskConfig(slot));
        assertEquals("wal2json", query1("SELECT plugin FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
    }

    @Test
    void slotActiveElsewhereFailsNamingPidAndApplicationAndIsNotTaken() {
        first = start(taskConfig(slot));
        Object pid = query1("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        SlotException e = assertThrows(SlotException.class, () -> second = start(taskConfig(slot)));
        assertTrue(e.getMessage().contains("pid " + pid) && e.getMessage().contains("application 'cdclr-" + slot + "'"),
                e.getMessage());
        assertEquals(pid, query1("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
    }

    @Test
    void slotActiveElsewhereIsWaitedForWhenConfigured() throws Exception {
        first = start(taskConfig(slot));
        Map<String, String> config = taskConfig(slot);
        config.put("slot.active.wait.ms", "60000");
        CompletableFuture<Wal2JsonSourceTask> waiting = CompletableFuture.supplyAsync(() -> start(config));
        Thread.sleep(1500);
        assertTrue(!waiting.isDone(), "must wait while the slot is held");
        first.stop();
        first = null;
        second = waiting.get(60, TimeUnit.SECONDS);
        assertTrue(slotActive(slot));
    }

    @Test
    void sslmodeRequireIsPassedToTheReplicationConnection() {
        Map<String, String> config = taskConfig(slot);
        config.put("database.sslmode", "require");
        first = start(config);
        assertEquals(Boolean.TRUE, query1("SELECT l.ssl FROM pg_stat_ssl l JOIN pg_replication_slots s ON s.active_pid = l.pid"
                + " WHERE s.slot_name = '" + slot + "'"));
    }
}
