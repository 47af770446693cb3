package io.cdclr.connector.source;

import io.cdclr.connector.replication.Lsn;
import io.cdclr.connector.replication.StreamMessage;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How stream messages become records, without a server. */
class Wal2JsonSourceTaskTest {
    private static Wal2JsonSourceTask task(Map<String, String> extra) {
        Map<String, String> p = new HashMap<>();
        p.put("database.user", "cdc");
        p.put("database.dbname", "shop");
        p.put("slot.name", "s1");
        p.putAll(extra);
        Wal2JsonSourceTask t = new Wal2JsonSourceTask();
        t.configure(p);
        return t;
    }

    private static StreamMessage msg(String json, String lsn, long seq) {
        return new StreamMessage(Lsn.parse(lsn), json.getBytes(StandardCharsets.UTF_8), seq);
    }

    private static final String B = "{\"action\":\"B\",\"lsn\":\"0/200\",\"nextlsn\":\"0/230\"}";
    private static final String I = "{\"action\":\"I\",\"lsn\":\"0/150\",\"schema\":\"public\",\"table\":\"orders\","
            + "\"columns\":[{\"name\":\"id\",\"type\":\"integer\",\"value\":7},{\"name\":\"amount\",\"type\":\"numeric(12,2)\",\"value\":10.50}],"
            + "\"pk\":[{\"name\":\"id\",\"type\":\"integer\"}]}";
    private static final String C = "{\"action\":\"C\",\"lsn\":\"0/200\",\"nextlsn\":\"0/230\"}";

    @Test
    void changeBecomesARecordWithTheVerbatimEnvelopeKeyTopicAndOffset() {
        Wal2JsonSourceTask t = task(Map.of());
        assertNull(t.toRecord(msg(B, "0/100", 1)), "B is not emitted unless include-transaction=1");
        SourceRecord r = t.toRecord(msg(I, "0/150", 2));
        assertSame(Schema.STRING_SCHEMA, r.valueSchema());
        assertSame(Schema.STRING_SCHEMA, r.keySchema());
        assertEquals(I, r.value());
        assertEquals("public.orders|7", r.key());
        assertEquals("cdc.public.orders", r.topic());
        assertEquals(Map.of("database", "shop", "slot", "s1"), r.sourcePartition());
        assertEquals(new SourceOffset(Lsn.parse("0/150"), Lsn.parse("0/200"), 1, Lsn.parse("0/200"), "").toMap(), r.sourceOffset());
        assertNull(t.toRecord(msg(C, "0/230", 3)));
    }

    @Test
    void bytesValueFormatCarriesTheMessageBytesAsWal2JsonWroteThem() {
        Wal2JsonSourceTask t = task(Map.of("value.format", "bytes"));
        assertNull(t.toRecord(msg(B, "0/100", 1)));
        // as PgJDBC hands it over: the message after the XLogData header, inside a larger array; non-ASCII text too
        String insert = I.replace("\"orders\"", "\"ordres_été\"");
        byte[] utf8 = insert.getBytes(StandardCharsets.UTF_8);
        byte[] copyData = new byte[25 + utf8.length];
        System.arraycopy(utf8, 0, copyData, 25, utf8.length);
        SourceRecord r = t.toRecord(new StreamMessage(Lsn.parse("0/150"), copyData, 25, utf8.length, 2));
        assertSame(Schema.BYTES_SCHEMA, r.valueSchema());
        assertArrayEquals(utf8, (byte[]) r.value());
        assertEquals("public.ordres_été|7", r.key());
        assertEquals("cdc.public.ordres_été", r.topic());

        // a message that fills PgJDBC's array is handed over without a copy
        byte[] whole = I.getBytes(StandardCharsets.UTF_8);
        assertSame(whole, t.toRecord(new StreamMessage(Lsn.parse("0/160"), whole, 3)).value());
    }

    @Test
    void anUnknownValueFormatIsRejectedByName() {
        ConfigException e = assertThrows(ConfigException.class, () -> task(Map.of("value.format", "json")));
        assertTrue(e.getMessage().contains("value.format"), e.getMessage());
    }

    @Test
    void transactionBoundariesAreEmittedWhenAskedFor() {
        Wal2JsonSourceTask t = task(Map.of("wal2json.include-transaction", "1", "topic.prefix", "x"));
        SourceRecord b = t.toRecord(msg(B, "0/100", 1));
        t.toRecord(msg(I, "0/150", 2));
        SourceRecord c = t.toRecord(msg(C, "0/230", 3));
        assertEquals("x.transactions", b.topic());
        assertEquals(B, b.value());
        assertEquals(C, c.value());
        assertEquals(Lsn.parse("0/230").value(), c.sourceOffset().get(SourceOffset.CONFIRM_LSN));
    }

    @Test
    void unparsableMessageStopsWithItsLsnAndFirst200Bytes() {
        Wal2JsonSourceTask t = task(Map.of());
        String bad = "{\"action\":\"I\",\"schema\":" + "x".repeat(500);
        ConnectException e = assertThrows(ConnectException.class, () -> t.toRecord(msg(bad, "1/ABC", 1)));
        assertTrue(e.getMessage().contains("LSN 1/ABC"), e.getMessage());
        assertTrue(e.getMessage().contains(bad.substring(0, 200)), e.getMessage());
        assertTrue(!e.getMessage().contains(bad.substring(0, 201)), e.getMessage());
    }
    @Test
    void onlyAKeyChangeCarriesThePreviousPartitionKeyHeader() {
        Wal2JsonSourceTask t = task(Map.of());
        t.toRecord(msg(B, "0/100", 1));
        String moved = "{\"action\":\"U\",\"lsn\":\"0/150\",\"schema\":\"public\",\"table\":\"orders\","
                + "\"columns\":[{\"name\":\"id\",\"value\":8},{\"name\":\"amount\",\"value\":1}],"
                + "\"identity\":[{\"name\":\"id\",\"value\":7}],\"pk\":[{\"name\":\"id\"}]}";
        SourceRecord r = t.toRecord(msg(moved, "0/150", 2));
        assertEquals("public.orders|8", r.key());
        assertEquals("public.orders|7", r.headers().lastWithName(
                io.cdclr.connector.envelope.PartitionKey.PREVIOUS_KEY_HEADER).value());
        SourceRecord kept = t.toRecord(msg(moved.replace("\"value\":7", "\"value\":8"), "0/160", 3));
        assertTrue(kept.headers().isEmpty(), "an update that keeps its key has no header");
    }
}
