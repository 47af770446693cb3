package io.cdclr.connector.pgoutput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mapping on hand-built Debezium events (shapes as PostgresConnector 3.6 emits them) and a fixed catalog. */
class DebeziumToWal2JsonTransformTest {
    private static final long TS_US = Instant.parse("2026-11-25T16:15:52.142219Z").getEpochSecond() * 1_000_000L + 142219;
    private static final long LSN = 0x61D1150L;

    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("ts_ms", Schema.INT64_SCHEMA).field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().name("dbz.public.customers.Value").optional()
            .field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("balance", Schema.OPTIONAL_STRING_SCHEMA)
            .field("updated_at", SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").optional().build())
            .build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name("dbz.public.customers.Envelope")
            .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema MESSAGE = SchemaBuilder.struct().field("prefix", Schema.STRING_SCHEMA)
            .field("content", Schema.OPTIONAL_BYTES_SCHEMA).build();
    private static final Schema MESSAGE_ENVELOPE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.MessageValue")
            .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).field("source", SOURCE)
            .field("message", MESSAGE).build();

    private final FixedCatalog catalog = new FixedCatalog();
    private DebeziumToWal2JsonTransform<SourceRecord> transform;

    @BeforeEach
    void configure() {
        transform = new DebeziumToWal2JsonTransform<>(catalog);
        transform.configure(Map.of("catalog.url", "jdbc:postgresql://unused/db", "unavailable.value.placeholder", "__toast__"));
    }

    @Test
    void insertBecomesTheEnvelopeWal2JsonWritesWithTopicAndKey() {
        SourceRecord out = transform.apply(event("c", null, row(1, "Ada", "10.50", "2026-02-12T10:00:00Z"), null));
        assertEquals("{\"action\":\"I\",\"timestamp\":\"2026-11-25 16:15:52.142219+00\",\"lsn\":\"0/61D1150\","
                + "\"schema\":\"public\",\"table\":\"customers\",\"columns\":[{\"name\":\"id\",\"type\":\"integer\",\"value\":1},"
                + "{\"name\":\"name\",\"type\":\"text\",\"value\":\"Ada\"},{\"name\":\"balance\",\"type\":\"numeric(12,2)\",\"value\":10.50},"
                + "{\"name\":\"updated_at\",\"type\":\"timestamp with time zone\",\"value\":\"2026-02-12 10:00:00+00\"}],"
                + "\"pk\":[{\"name\":\"id\",\"type\":\"integer\"}]}", out.value());
        assertEquals("cdc.public.customers", out.topic());
        assertEquals("public.customers|1", out.key());
        assertEquals(Map.of("lsn", LSN), out.sourceOffset());
    }

    @Test
    void updateWithoutOldTupleTakesTheIdentityFromTheNewRow() {
        SourceRecord out = transform.apply(event("u", null, row(1, "Ada", "11.50", null), null));
        assertEquals("{\"action\":\"U\",\"timestamp\":\"2026-11-25 16:15:52.142219+00\",\"lsn\":\"0/61D1150\","
                + "\"schema\":\"public\",\"table\":\"customers\",\"columns\":[{\"name\":\"id\",\"type\":\"integer\",\"value\":1},"
                + "{\"name\":\"name\",\"type\":\"text\",\"value\":\"Ada\"},{\"name\":\"balance\",\"type\":\"numeric(12,2)\",\"value\":11.50},"
                + "{\"name\":\"updated_at\",\"type\":\"timestamp with time zone\",\"value\":null}],"
                + "\"identity\":[{\"name\":\"id\",\"type\":\"integer\",\"value\":1}],\"pk\":[{\"name\":\"id\",\"type\":\"integer\"}]}",
                out.value());
    }

    @Test
    void deleteCarriesOnlyTheReplicaIdentityAndIsKeyedByIt() {
        Struct before = new Struct(ROW).put("id", 3).put("name", "");
        SourceRecord out = transform.apply(event("d", before, null, null));
        assertEquals("{\"action\":\"D\",\"timestamp\":\"2026-11-25 16:15:52.142219+00\",\"lsn\":\"0/61D1150\","
                + "\"schema\":\"public\",\"table\":\"customers\",\"identity\":[{\"name\":\"id\",\"type\":\"integer\",\"value\":3}],"
                + "\"pk\":[{\"name\":\"id\",\"type\":\"integer\"}]}", out.value());
        assertEquals("public.customers|3", out.key());
    }

    @Test
    void primaryKeyChangeSplitByDebeziumBecomesOneUpdate() {
        Schema keySchema = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
        Struct oldKey = new Struct(keySchema).put("id", 2);
        Struct newKey = new Struct(keySchema).put("id", 3);
        ConnectHeaders deleteHeaders = new ConnectHeaders();
        deleteHeaders.add(DebeziumToWal2JsonTransform.NEW_KEY_HEADER, newKey, keySchema);
        ConnectHeaders createHeaders = new ConnectHeaders();
        createHeaders.add(DebeziumToWal2JsonTransform.OLD_KEY_HEADER, oldKey, keySchema);
        Struct before = new Struct(ROW).put("id", 2).put("name", "");
        assertNull(transform.apply(keyed(event("d", before, null, deleteHeaders), keySchema, oldKey)));
        SourceRecord out = transform.apply(keyed(event("c", null, row(3, "Linus", "0.00", null), createHeaders), keySchema, newKey));
        String json = (String) out.value();
        assertEquals(true, json.startsWith("{\"action\":\"U\""), json);
        assertEquals(true, json.contains("\"identity\":[{\"name\":\"id\",\"type\":\"integer\",\"value\":2}]"), json);
        assertEquals("public.customers|3", out.key());
        // as the wal2json source: the old key in a header, so the writer orders the update against both keys
        assertEquals("public.customers|2", out.headers().lastWithName(
                io.cdclr.connector.envelope.PartitionKey.PREVIOUS_KEY_HEADER).value());
    }

    @Test
    void primaryKeyChangeHalvesMeetInEitherOrderAsTheEngineMayTransformInParallel() {
        Schema keySchema = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
        Struct oldKey = new Struct(keySchema).put("id", 2);
        Struct newKey = new Struct(keySchema).put("id", 3);
        ConnectHeaders deleteHeaders = new ConnectHeaders();
        deleteHeaders.add(DebeziumToWal2JsonTransform.NEW_KEY_HEADER, newKey, keySchema);
        ConnectHeaders createHeaders = new ConnectHeaders();
        createHeaders.add(DebeziumToWal2JsonTransform.OLD_KEY_HEADER, oldKey, keySchema);
        SourceRecord create = keyed(event("c", null, row(3, "Linus", "0.00", null), createHeaders), keySchema, newKey);
        SourceRecord delete = keyed(event("d", new Struct(ROW).put("id", 2).put("name", ""), null, deleteHeaders), keySchema, oldKey);

        assertNull(transform.apply(create));
        SourceRecord out = transform.apply(delete);
        String json = (String) out.value();
        assertEquals(true, json.startsWith("{\"action\":\"U\""), json);
        assertEquals(true, json.contains("\"columns\":[{\"name\":\"id\",\"type\":\"integer\",\"value\":3}"), json);
        assertEquals(true, json.contains("\"identity\":[{\"name\":\"id\",\"type\":\"integer\",\"value\":2}]"), json);
        assertEquals("public.customers|3", out.key());
    }

    private static SourceRecord keyed(SourceRecord r, Schema keySchema, Struct key) {
        return new SourceRecord(r.sourcePartition(), r.sourceOffset(), r.topic(), null, keySchema, key, r.valueSchema(),
                r.value(), null, r.headers());
    }

    @Test
    void unchangedToastPlaceholderIsLeftOutLikeWal2JsonDoes() {
        SourceRecord out = transform.apply(event("u", null, row(1, "__toast__", "1.00", null), null));
        assertEquals(false, ((String) out.value()).contains("\"name\":\"name\""), (String) out.value());
    }

    @Test
    void truncateHasItsOwnShape() {
        Struct value = new Struct(ENVELOPE).put("op", "t").put("source", source(5L));
        SourceRecord out = transform.apply(record(value, null));
        assertEquals("{\"action\":\"T\",\"timestamp\":\"2026-11-25 16:15:52.142219+00\",\"lsn\":\"0/61D1150\","
                + "\"schema\":\"public\",\"table\":\"customers\"}", out.value());
        assertEquals("public.customers", out.key());
    }

    @Test
    void transactionalMessageCarriesCommitTimeAndNonTransactionalNull() {
        Struct tx = new Struct(MESSAGE_ENVELOPE).put("op", "m").put("source", source(7L))
                .put("message", new Struct(MESSAGE).put("prefix", "app").put("content", "checkpoint-1".getBytes(StandardCharsets.UTF_8)));
        SourceRecord out = transform.apply(record(tx, null));
        assertEquals("{\"action\":\"M\",\"timestamp\":\"2026-11-25 16:15:52.142219+00\",\"lsn\":\"0/61D1150\","
                + "\"transactional\":true,\"prefix\":\"app\",\"content\":\"checkpoint-1\"}", out.value());
        assertEquals("cdc.messages", out.topic());
        assertEquals("message|app", out.key());

        Struct nonTx = new Struct(MESSAGE_ENVELOPE).put("op", "m").put("source", source(null))
                .put("message", new Struct(MESSAGE).put("prefix", "p").put("content", new byte[] {'a', 0, 'b'}));
        assertEquals("{\"action\":\"M\",\"timestamp\":null,\"lsn\":\"0/61D1150\",\"transactional\":false,"
                + "\"prefix\":\"p\",\"content\":\"a\"}", transform.apply(record(nonTx, null)).value());
    }

    @Test
    void recordsThatAreNoChangeEventsPassAndTombstonesGo() {
        Schema hb = SchemaBuilder.struct().name("io.debezium.connector.common.Heartbeat").field("ts_ms", Schema.INT64_SCHEMA).build();
        SourceRecord heartbeat = new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat.x", hb, new Struct(hb).put("ts_ms", 1L));
        assertSame(heartbeat, transform.apply(heartbeat));
        assertNull(transform.apply(new SourceRecord(Map.of(), Map.of(), "t", null, null)));
    }

    @Test
    void valueInAFormTheMappingCannotReadBackIsAnErrorNotAGuess() {
        Schema row = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA)
                .field("balance", SchemaBuilder.float64().optional().build()) // decimal.handling.mode=double
                .field("updated_at", Schema.OPTIONAL_STRING_SCHEMA).build();
        Schema env = SchemaBuilder.struct().field("before", row).field("after", row).field("source", SOURCE)
                .field("op", Schema.STRING_SCHEMA).build();
        Struct after = new Struct(row).put("id", 1).put("name", "x").put("balance", 10.5);
        Struct value = new Struct(env).put("op", "c").put("after", after).put("source", source(5L));
        DataException e = assertThrows(DataException.class, () -> transform.apply(record(value, null)));
        assertEquals(true, e.getMessage().contains("balance"), e.getMessage());
    }

    @Test
    void lsnIsPrintedLikePgLsn() {
        assertEquals("0/61D1150", DebeziumToWal2JsonTransform.lsnText(LSN));
        assertEquals("1A/B", DebeziumToWal2JsonTransform.lsnText(0x1A0000000BL));
    }

    @Test
    void timestampsArePrintedInTheSessionTimeZoneLikePostgres() {
        Instant t = Instant.parse("2026-02-12T04:41:12.500Z");
        assertEquals("2026-02-12 10:11:12.5+05:30", PgValueText.timestamptz(t, ZoneId.of("Asia/Kolkata")));
        assertEquals("2026-02-11 23:41:12.5-05", PgValueText.timestamptz(t, ZoneId.of("America/New_York")));
        assertEquals("1883-11-18 11:59:59-04:56:02", PgValueText.timestamptz(Instant.parse("1883-11-18T16:56:01Z"),
                ZoneId.of("America/New_York")));
    }

    @Test
    void floatsAreTheShortestExactTextInPostgresNotation() {
        assertEquals("1e+15", PgFloatText.float8(1e15));
        assertEquals("100000000000000", PgFloatText.float8(1e14));
        assertEquals("0.0001", PgFloatText.float8(1e-4));
        assertEquals("1e-05", PgFloatText.float8(1e-5));
        assertEquals("0.30000000000000004", PgFloatText.float8(0.1 + 0.2));
        assertEquals("-0", PgFloatText.float8(-0.0));
        assertEquals("1.7976931348623157e+308", PgFloatText.float8(Double.MAX_VALUE));
        assertEquals("5e-324", PgFloatText.float8(Double.MIN_VALUE));
        assertEquals("1e+06", PgFloatText.float4(1e6f));
        assertEquals("100000", PgFloatText.float4(1e5f));
        assertEquals("3.14", PgFloatText.float4(3.14f));
        assertEquals("NaN", PgFloatText.float4(Float.NaN));
    }

    @Test
    void arrayElementsAreQuotedLikeArrayOut() {
        StringBuilder out = new StringBuilder();
        for (String e : List.of("", "NULL", "a b", "q\"uote", "back\\slash", "{x}", "x,y", "plain")) {
            PgValueText.appendArrayElement(out.append('|'), e);
        }
        assertEquals("|\"\"|\"NULL\"|\"a b\"|\"q\\\"uote\"|\"back\\\\slash\"|\"{x}\"|\"x,y\"|plain", out.toString());
    }

    private static Struct row(int id, String name, String balance, String updatedAt) {
        return new Struct(ROW).put("id", id).put("name", name).put("balance", balance).put("updated_at", updatedAt);
    }

    private static Struct source(Long txId) {
        return new Struct(SOURCE).put("ts_ms", TS_US / 1000).put("ts_us", TS_US).put("schema", "public")
                .put("table", "customers").put("txId", txId).put("lsn", LSN);
    }

    private static SourceRecord event(String op, Struct before, Struct after, ConnectHeaders headers) {
        Struct value = new Struct(ENVELOPE).put("op", op).put("before", before).put("after", after).put("source", source(5L));
        return record(value, headers);
    }

    private static SourceRecord record(Struct value, ConnectHeaders headers) {
        return new SourceRecord(Map.of("server", "dbz"), Map.of("lsn", LSN), "dbz.public.customers", null, null, null,
                value.schema(), value, null, headers == null ? new ConnectHeaders() : headers);
    }

    /** The catalog of public.customers(id int primary key, name text, balance numeric(12,2), updated_at timestamptz). */
    private static final class FixedCatalog implements PgCatalog {
        @Override
        public TableInfo table(String schema, String table) {
            return new TableInfo(schema, table, List.of(
                    new ColumnInfo("id", "integer", ColumnInfo.INT4, "int4", false, null),
                    new ColumnInfo("name", "text", 25, "text", false, null),
                    new ColumnInfo("balance", "numeric(12,2)", ColumnInfo.NUMERIC, "numeric", false, null),
                    new ColumnInfo("updated_at", "timestamp with time zone", 1184, "timestamptz", false, null)),
                    List.of("id"), 'd', List.of("id"));
        }

        @Override
        public void invalidate(String schema, String table) {
        }

        @Override
        public String render(String value, String via, String type) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ZoneId timeZone() {
            return ZoneId.of("Etc/UTC");
        }

        @Override
        public void close() {
        }
    }
}
