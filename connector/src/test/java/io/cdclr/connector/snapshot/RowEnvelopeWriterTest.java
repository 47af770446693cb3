package io.cdclr.connector.snapshot;

import io.cdclr.connector.envelope.EnvelopeParser;
import io.cdclr.connector.envelope.KeyedEnvelope;
import io.cdclr.connector.envelope.PartitionKey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The writer without a database: what RowEnvelopeDifferentialIT cannot compare on this server (wal2json 2.6's
 * numeric-data-types-as-string, from wal2json.c pg_decode_write_value), option parsing, the marker, lsn/timestamp.
 */
class RowEnvelopeWriterTest {
    private static final List<TableShape.Column> COLUMNS = List.of(
            new TableShape.Column("id", 1, "bigint", 20, -1, true, null, null, false),
            new TableShape.Column("n", 2, "numeric(10,2)", 1700, 655366, false, null, null, false),
            new TableShape.Column("f", 3, "double precision", 701, -1, false, null, null, false),
            new TableShape.Column("b", 4, "boolean", 16, -1, false, null, null, false),
            new TableShape.Column("by", 5, "bytea", 17, -1, false, null, null, false),
            new TableShape.Column("d", 6, "s.posint", 99999, -1, false, "integer", "5", false));

    private static TableShape shape() {
        return new TableShape("s", "t", 1, COLUMNS, List.of("id"), List.of(COLUMNS.get(0)), null);
    }

    private static ResultSet row(String... values) {
        return (ResultSet) Proxy.newProxyInstance(ResultSet.class.getClassLoader(), new Class<?>[] {ResultSet.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getString") && args[0] instanceof Integer i) {
                        return values[i - 1];
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void numbersBooleansByteaAndTheMarkerAsWal2JsonWritesThem() throws Exception {
        RowEnvelopeWriter w = new RowEnvelopeWriter(shape(), Map.of("include-pk", "1", "include-lsn", "1",
                "include-timestamp", "1"));
        assertEquals("{\"action\":\"I\",\"timestamp\":\"2026-02-12 10:00:00.1+00\",\"lsn\":\"0/16B3748\",\"schema\":\"s\","
                        + "\"table\":\"t\",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"value\":7},"
                        + "{\"name\":\"n\",\"type\":\"numeric(10,2)\",\"value\":null},"
                        + "{\"name\":\"f\",\"type\":\"double precision\",\"value\":1e+100},"
                        + "{\"name\":\"b\",\"type\":\"boolean\",\"value\":true},"
                        + "{\"name\":\"by\",\"type\":\"bytea\",\"value\":\"dead\"},"
                        + "{\"name\":\"d\",\"type\":\"s.posint\",\"value\":\"5\"}],"
                        + "\"pk\":[{\"name\":\"id\",\"type\":\"bigint\"}],\"snapshot\":\"a\\\"b\"}",
                json(w.envelope(row("7", "NaN", "1e+100", "t", "\\xdead", "5"), "0/16B3748", "2026-02-12 10:00:00.1+00", "a\"b")));
        assertEquals(List.of("7"), w.keyValues(row("7", null, null, null, null, null)));
    }

    @Test
    void lsnAndTimestampOnlyWhenGivenAndAskedFor() throws Exception {
        RowEnvelopeWriter w = new RowEnvelopeWriter(shape(), Map.of("include-lsn", "1"));
        String json = json(w.envelope(row("1", null, null, "f", null, null), null, "2026-01-01 00:00:00+00", "x"));
        assertTrue(json.startsWith("{\"action\":\"I\",\"schema\":\"s\""), json);
        assertFalse(json.contains("\"pk\""), "include-pk defaults to off in wal2json");
        assertTrue(json.endsWith("{\"name\":\"b\",\"type\":\"boolean\",\"value\":false},{\"name\":\"by\",\"type\":\"bytea\","
                + "\"value\":null},{\"name\":\"d\",\"type\":\"s.posint\",\"value\":null}],\"snapshot\":\"x\"}"), json);
    }

    /** wal2json 2.6: every number (NaN and infinities too) as a JSON string; the check for a number stays. */
    @Test
    void numericDataTypesAsStringQuotesEveryNumber() throws Exception {
        RowEnvelopeWriter w = new RowEnvelopeWriter(shape(), Map.of("numeric-data-types-as-string", "true",
                "include-types", "0", "include-schemas", "0"));
        assertEquals("{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"id\",\"value\":\"-9223372036854775808\"},"
                        + "{\"name\":\"n\",\"value\":\"NaN\"},{\"name\":\"f\",\"value\":\"-Infinity\"},"
                        + "{\"name\":\"b\",\"value\":false},{\"name\":\"by\",\"value\":\"\"},{\"name\":\"d\",\"value\":\"5\"}],"
                        + "\"snapshot\":\"x\"}",
                json(w.envelope(row("-9223372036854775808", "NaN", "-Infinity", "f", "\\x", "5"), null, null, "x")));
        assertThrows(IllegalStateException.class, () -> w.envelope(row("1", "12,5", null, null, null, null), null, null, "x"));
    }

    @Test
    void optionsAreParsedAsWal2JsonParsesThem() {
        assertTrue(RowEnvelopeWriter.Options.bool(Map.of("o", "on"), "o", false));
        assertTrue(RowEnvelopeWriter.Options.bool(Map.of("o", "YES"), "o", false));
        assertTrue(RowEnvelopeWriter.Options.bool(Map.of("o", "t"), "o", false));
        assertFalse(RowEnvelopeWriter.Options.bool(Map.of("o", "off"), "o", true));
        assertFalse(RowEnvelopeWriter.Options.bool(Map.of("o", "0"), "o", true));
        assertTrue(RowEnvelopeWriter.Options.bool(Map.of(), "o", true), "absent: wal2json's default");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RowEnvelopeWriter(shape(), Map.of("include-pk", "maybe")));
        assertTrue(e.getMessage().contains("include-pk=maybe"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RowEnvelopeWriter.Options.bool(Map.of("o", "o"), "o", true));
    }

    @Test
    void typeOidsPrintedLikeCIntAndDomainBaseTypesOnRequest() throws Exception {
        RowEnvelopeWriter w = new RowEnvelopeWriter(new TableShape("s", "t", 1, List.of(
                new TableShape.Column("id", 1, "s.posint", 3_000_000_000L, -1, true, "integer", null, false)),
                List.of("id"), List.of(), null), Map.of("include-type-oids", "1", "include-domain-data-type", "1",
                "include-pk", "1"));
        String json = json(w.envelope(row("5"), null, null, "x"));
        assertTrue(json.contains("{\"name\":\"id\",\"type\":\"integer\",\"typeoid\":-1294967296,\"value\":\"5\"}"), json);
        assertTrue(json.endsWith(",\"pk\":[],\"snapshot\":\"x\"}"), "a key wal2json does not see: " + json);
        assertEquals(Arrays.asList("5"), w.keyValues(row("5")));
    }

    /** The text, after checking that the writer's partition key is the one the wal2json source reads from it. */
    private static String json(KeyedEnvelope written) {
        assertEquals(PartitionKey.of(new EnvelopeParser().parse(written.json())), written.partitionKey(), written.json());
        assertNull(written.previousPartitionKey(), "an insert changes no key");
        return written.json();
    }

    /** Key values as written: a bool key is true/false, bytea without \\x, NaN null; in the pk member's order. */
    @Test
    void partitionKeyIsOfTheValuesAsWritten() throws Exception {
        List<TableShape.Column> columns = List.of(
                new TableShape.Column("b", 1, "boolean", 16, -1, true, null, null, false),
                new TableShape.Column("by", 2, "bytea", 17, -1, true, null, null, false),
                new TableShape.Column("n", 3, "numeric", 1700, -1, true, null, null, false),
                new TableShape.Column("t", 4, "text", 25, -1, true, null, null, false));
        TableShape shape = new TableShape("s.x", "t|y", 1, columns, List.of("b", "by", "n", "t"), columns, null);
        RowEnvelopeWriter w = new RowEnvelopeWriter(shape, Map.of("include-pk", "1"));
        KeyedEnvelope e = w.envelope(row("t", "\\xbeef", "NaN", "a|b\\c"), null, null, "x");
        json(e);
        assertEquals("s\\.x.t\\|y|true|beef|\\N|a\\|b\\\\c", e.partitionKey());
        json(new RowEnvelopeWriter(shape, Map.of("include-pk", "1", "numeric-data-types-as-string", "1"))
                .envelope(row("f", "\\x", "NaN", "z"), null, null, "x"));
    }
}
