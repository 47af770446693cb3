package io.cdclr.connector.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.ExactJson;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TimeZone;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cdclr.connector.envelope.EnvelopeParser;
import io.cdclr.connector.envelope.KeyedEnvelope;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.testsupport.DifferentialWorkload;
import io.cdclr.connector.replication.ConnectionTimeouts;
import io.cdclr.connector.replication.PostgresEndpoint;
import io.cdclr.connector.source.Wal2JsonSourceConfig;
import io.cdclr.testsupport.LocalServices;

/**
 * The snapshot envelope against wal2json itself. Rows of every type the project's type workload covers (the
 * DifferentialWorkload's type tables and the reference types-and-edge-cases.sql, plus user enum/domain/composite/array types,
 * NULLs, TOASTed values, composite/text/uuid keys, defaults, a dropped column) are INSERTed while
 * a wal2json slot of the test's own exists; wal2json's INSERT envelopes are read from the slot (in a session with
 * an empty search_path, as the connector's replication session has), and the same rows are read back through
 * {@link TableShape} / {@link RowEnvelopeWriter}. Given wal2json's own lsn and timestamp, the snapshot envelope
 * must be wal2json's text with {@code ,"snapshot":"<id>"} before the closing brace, byte for byte (and, without
 * the marker, JSON-equal with numbers exact), and have the same partition key. Under the connector's default
 * options and under non-default ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowEnvelopeDifferentialIT {
    private static final ObjectMapper EXACT = ExactJson.MAPPER;
    private static final String SNAPSHOT_ID = "3f1c2a7e-snap\"id";

    private final String s = "snapfmt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final String slot = s + "_w2j";
    private final long started = System.nanoTime();

    /** Tables of the workload, each read back in primary-key order. */
    private final List<String> tables = List.of("kitchen", "more_types", "extra_types", "user_types", "keys_text_uuid",
            "defaults_notnull", "dropped_col", "Wéird \"Tbl\"", "toasted");

    @BeforeAll
    void createAndFill() throws SQLException {
        exec("CREATE SCHEMA " + s,
                "CREATE TYPE " + s + ".\"MyType\" AS ENUM ('A b', 'c\"d')",
                "CREATE DOMAIN " + s + ".short_text AS varchar(10)",
                "CREATE DOMAIN " + s + ".boolish AS boolean",
                "CREATE DOMAIN " + s + ".boolish2 AS " + s + ".boolish",
                "CREATE DOMAIN " + s + ".padded AS char(4)",
                "CREATE TYPE " + s + ".addr AS (street text, no int, tags text[])");
        // the pgoutput type workload: types-and-edge-cases.sql's kitchen, more types, enum mood, domain posint
        exec(DifferentialWorkload.typeTablesDdl(s).toArray(String[]::new));
        exec(
                "CREATE TABLE " + s + ".extra_types(id int primary key, r4 int4range, rn numrange, rts tstzrange, rd daterange,"
                        + " c cidr, mac macaddr, tz timetz, g int GENERATED ALWAYS AS (id * 2) STORED, ts tsvector, b3 bit(3),"
                        + " b1 bit, pt point, i2arr smallint[], tzarr timestamptz[], jarr jsonb[], earr " + s + ".mood[],"
                        + " rc regclass, rt regtype, vb varbit(8), tsq tsquery, i4 int4, tstz6 timestamptz(6), n2 numeric(5,2))",
                "CREATE TABLE " + s + ".user_types(id int primary key, mood " + s + ".mood, my " + s + ".\"MyType\", dom " + s + ".posint,"
                        + " st " + s + ".short_text, ad " + s + ".addr, ads " + s + ".addr[], moods " + s + ".mood[], doms " + s + ".posint[],"
                        + " mys " + s + ".\"MyType\"[], bd " + s + ".boolish, bd2 " + s + ".boolish2, pad " + s + ".padded,"
                        + " nm name, qc \"char\", bda " + s + ".boolish[], xd xml, ipa inet[])",
                // keys: composite, text and uuid, in an order other than attnum order (wal2json's "pk" is in attnum order)
                "CREATE TABLE " + s + ".keys_text_uuid(u uuid, v text, t text, primary key (t, u))",
                "CREATE TABLE " + s + ".defaults_notnull(id serial primary key, a text not null default 'x''y', b timestamptz default now(),"
                        + " c int generated always as identity, d numeric not null default 0.5, e int generated always as (id + 1) stored)",
                "CREATE TABLE " + s + ".dropped_col(id int primary key, gone text, kept text)",
                "ALTER TABLE " + s + ".dropped_col DROP COLUMN gone",
                "CREATE TABLE " + s + ".\"Wéird \"\"Tbl\"\"\"(\"Ïd \"\"q\"\"\" int primary key, \"tab\tname\" text)",
                "CREATE TABLE " + s + ".toasted(id int primary key, big text, bigb bytea)");
        exec("SELECT pg_create_logical_replication_slot('" + slot + "', 'wal2json')");
        String big = "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g)"; // ~12.8 kB, stored out of line
        List<String> rows = new ArrayList<>(DifferentialWorkload.typeRows(s));
        rows.addAll(List.of(
                "INSERT INTO " + s + ".kitchen(id) VALUES (12)",
                "INSERT INTO " + s + ".more_types(id) VALUES (4)",
                "INSERT INTO " + s + ".extra_types VALUES (1, '[1,5)', '(1.5,2.50]', '[2026-01-01 00:00+00,2026-02-01 00:00+00)',"
                        + " '[2026-01-01,2026-02-01)', '10.0.0.0/8', '08:00:2b:01:02:03', '10:11:12+00', DEFAULT, 'a fat cat', B'001',"
                        + " B'1', '(1.5,2)', '{1,-2}', '{\"2026-02-12 10:11:12+00\"}', ARRAY['{\"a\": 1}'::jsonb], '{sad,happy}',"
                        + " '" + s + ".kitchen', 'integer', B'1010', 'fat & (rat | cat)', 2147483647, '2026-02-12 10:11:12.999999+01', 123.45)",
                "INSERT INTO " + s + ".extra_types(id, rn, n2, i4) VALUES (2, 'empty', -999.99, -2147483648), (3, NULL, 0, 0)",
                "INSERT INTO " + s + ".user_types VALUES (1, 'happy', 'A b', 5, 'short', ROW('Main St, \"1\"', 7, '{a,b}'),"
                        + " ARRAY[ROW('x', 1, NULL)::" + s + ".addr, NULL], '{sad,NULL}', '{1,2}', '{\"A b\",\"c\\\"d\"}', true, false, 'ab',"
                        + " 'a name', 'q', '{t,NULL}', '<?xml version=\"1.0\" encoding=\"UTF-8\"?><r a=\"1\">x</r>', '{10.0.0.1,::1/128}')",
                "INSERT INTO " + s + ".user_types(id, ad, my) VALUES (2, ROW(NULL, NULL, NULL), 'c\"d'), (3, NULL, NULL)",
                "INSERT INTO " + s + ".keys_text_uuid VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'v1', 'b'),"
                        + " ('00000000-0000-0000-0000-000000000000', 'v2', 'a'), ('ffffffff-0000-0000-0000-000000000000', NULL, 'ü \"|\\ x')",
                "INSERT INTO " + s + ".defaults_notnull(a, b) VALUES ('given', '2026-02-12 10:00:00+00'), (DEFAULT, NULL)",
                "INSERT INTO " + s + ".dropped_col VALUES (1, 'kept'), (2, NULL)",
                "INSERT INTO " + s + ".\"Wéird \"\"Tbl\"\"\" VALUES (1, E'line\\nbreak \\u0007 bell \\u00e9 \\U0001F600 \"q\" \\\\'), (2, '')",
                "INSERT INTO " + s + ".toasted VALUES (1, " + big + ", decode(" + big + ", 'hex')), (2, repeat('ab', 5000), NULL)"));
        exec(rows.toArray(String[]::new));
    }

    @AfterAll
    void dropEverything() {
        try {
            exec("SELECT pg_drop_replication_slot('" + slot + "') FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        } catch (SQLException e) {
            System.out.println("could not drop slot " + slot + ": " + e.getMessage());
        }
        try {
            exec("DROP SCHEMA IF EXISTS " + s + " CASCADE");
        } catch (SQLException e) {
            System.out.println("could not drop schema " + s + ": " + e.getMessage());
        }
        System.out.printf("RowEnvelopeDifferentialIT took %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    @Test
    void connectorDefaultOptions() throws Exception {
        compare("connector defaults", new LinkedHashMap<>(Wal2JsonSourceConfig.DEFAULT_WAL2JSON_OPTIONS));
    }

    @Test
    void typeOidsNotNullPositionsDefaultsDomainsOriginWithoutTypmod() throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Wal2JsonSourceConfig.DEFAULT_WAL2JSON_OPTIONS);
        o.put("include-type-oids", "1");
        o.put("include-typmod", "0");
        o.put("include-not-null", "1");
        o.put("include-column-positions", "1");
        o.put("include-default", "1");
        o.put("include-domain-data-type", "1");
        o.put("include-origin", "1");
        compare("type oids, no typmod, not-null, positions, defaults, domain base types, origin", o);
    }

    @Test
    void withoutTypesSchemasPkAndTimestamp() throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Wal2JsonSourceConfig.DEFAULT_WAL2JSON_OPTIONS);
        o.put("include-types", "false");
        o.put("include-schemas", "off");
        o.put("include-pk", "0");
        o.put("include-timestamp", "0");
        compare("no types, no schema, no pk, no timestamp", o);
    }

    /** wal2json 2.6 added numeric-data-types-as-string; 2.5 (Debian 12) refuses it, so the comparison needs 2.6. */
    @Test
    void numericDataTypesAsString() throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Wal2JsonSourceConfig.DEFAULT_WAL2JSON_OPTIONS);
        o.put("numeric-data-types-as-string", "1");
        o.put("include-type-oids", "1");
        try {
            peek(o);
        } catch (SQLException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("numeric-data-types-as-string"), e.getMessage());
            System.out.println("[numeric-data-types-as-string] not compared: this server's wal2json refuses the option ("
                    + e.getMessage().lines().findFirst().orElse("") + "); RowEnvelopeWriterTest covers the 2.6 format");
            return;
        }
        compare("numeric-data-types-as-string", o);
    }

    /**
     * What the test's peeking session assumes of the connector's replication session holds: a prepared snapshot
     * connection has the walsender's output settings, also with a JVM time zone other than the server's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "Asia/Kolkata"})
    void snapshotSessionFormatsLikeTheReplicationSession(String jvmZone) throws Exception {
        TimeZone previous = TimeZone.getDefault();
        if (!jvmZone.isEmpty()) {
            TimeZone.setDefault(TimeZone.getTimeZone(jvmZone));
        }
        try {
            compareSessions();
        } finally {
            TimeZone.setDefault(previous);
        }
    }

    private void compareSessions() throws Exception {
        // The connector's replication connection: the endpoint's replication properties (PgJDBC, replication=database)
        Properties p = new PostgresEndpoint(LocalServices.pgHost(), LocalServices.pgPort(), LocalServices.pgDatabase(),
                LocalServices.pgUser(), LocalServices.pgPassword(), "prefer", null, null, null, "snapformat-it",
                new ConnectionTimeouts(10_000, 30_000), null).replicationProperties();
        Map<String, String> replication;
        Map<String, String> snapshot;
        try (Connection r = DriverManager.getConnection(LocalServices.jdbcUrl(), p)) {
            try (Statement st = r.createStatement()) {
                st.execute("SELECT pg_catalog.set_config('search_path', '', false)"); // ReplicationSession.pinSearchPath
            }
            replication = settings(r);
        }
        try (Connection c = LocalServices.connect()) {
            TableShape.prepareSession(c);
            snapshot = settings(c);
        }
        System.out.println("[session] replication " + replication + "\n[session] snapshot    " + snapshot);
        assertEquals(replication, snapshot);
    }

    private static Map<String, String> settings(Connection c) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        for (String name : List.of("search_path", "extra_float_digits", "DateStyle", "IntervalStyle", "TimeZone",
                "bytea_output", "lc_monetary", "xmloption", "client_encoding")) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + name)) {
                rs.next();
                out.put(name, rs.getString(1));
            }
        }
        return out;
    }

    private void compare(String label, Map<String, String> options) throws Exception {
        long t0 = System.nanoTime();
        EnvelopeParser parser = new EnvelopeParser();
        boolean withPk = RowEnvelopeWriter.Options.bool(options, "include-pk", false);
        // wal2json's INSERT of each row, by table and partition key
        Map<String, String> wal2json = new LinkedHashMap<>();
        for (String json : peek(options)) {
            if (!json.startsWith("{\"action\":\"I\"")) {
                continue;
            }
            JsonNode n = EXACT.readTree(json);
            String key = n.path("table").asText() + "/" + rowKey(parser, json, withPk);
            assertEquals(null, wal2json.put(key, json), "one INSERT per row: " + key);
        }
        Map<String, int[]> perType = new TreeMap<>();
        int rows = 0;
        int casts = 0;
        int formats = 0;
        try (Connection c = LocalServices.connect()) {
            TableShape.prepareSession(c);
            for (String table : tables) {
                TableShape shape = TableShape.read(c, s, table);
                String select = shape.selectList();
                casts += select.split("::pg_catalog.text", -1).length - 1;
                formats += select.split("pg_catalog.format", -1).length - 1;
                RowEnvelopeWriter writer = new RowEnvelopeWriter(shape, options);
                String order = String.join(", ", shape.primaryKey().stream().map(TableShape::quoteIdentifier).toList());
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT " + shape.selectList() + " FROM " + shape.qualifiedName()
                             + " ORDER BY " + order)) {
                    while (rs.next()) {
                        rows++;
                        // lsn/timestamp are the caller's: take wal2json's own so the whole text must match
                        String probe = writer.envelope(rs, null, null, SNAPSHOT_ID).json();
                        String key = table + "/" + rowKey(parser, probe.substring(0, probe.lastIndexOf(",\"snapshot\":")) + "}", withPk);
                        String expected = wal2json.remove(key);
                        assertNotNull(expected, label + ": wal2json has an INSERT for " + key + "\n snapshot: " + probe);
                        JsonNode w = EXACT.readTree(expected);
                        String lsn = w.has("lsn") ? w.get("lsn").asText() : null;
                        String timestamp = w.has("timestamp") ? w.get("timestamp").asText() : null;
                        KeyedEnvelope written = writer.envelope(rs, lsn, timestamp, SNAPSHOT_ID);
                        String actual = written.json();
                        String marker = ",\"snapshot\":\"3f1c2a7e-snap\\\"id\"}";
                        assertEquals(expected.substring(0, expected.length() - 1) + marker, actual,
                                label + ": " + key + " byte for byte (plus the marker)");
                        ObjectNode withoutMarker = (ObjectNode) EXACT.readTree(actual);
                        assertEquals(SNAPSHOT_ID, withoutMarker.remove("snapshot").asText());
                        assertEquals(w, withoutMarker, label + ": " + key + " JSON-equal");
                        assertEquals(PartitionKey.of(parser.parse(expected)), written.partitionKey(),
                                "the writer's partition key is the wal2json source's");
                        List<String> keyValues = writer.keyValues(rs);
                        assertEquals(shape.primaryKey().size(), keyValues.size());
                        for (int i = 0; i < shape.columns().size(); i++) {
                            String type = shape.columns().get(i).typeName().replace(s + ".", "<s>.");
                            int[] counts = perType.computeIfAbsent(type, k -> new int[2]);
                            counts[rs.getString(i + 1) == null ? 1 : 0]++;
                        }
                    }
                }
            }
        }
        assertTrue(wal2json.isEmpty(), label + ": every wal2json INSERT has its snapshot row: " + wal2json.keySet());
        assertFalse(perType.isEmpty());
        StringBuilder report = new StringBuilder();
        perType.forEach((type, n) -> report.append(String.format("%n  %-34s %3d values, %3d NULLs matched", type, n[0], n[1])));
        assertTrue(casts > 0 && formats > 0, "both ways of reading a value are exercised");
        System.out.printf("[%s] %d rows of %d tables, byte-equal to wal2json's INSERT (+marker), %d types"
                        + " (%d columns read by ::text, %d by format), %.1f s:%s%n",
                label, rows, tables.size(), perType.size(), casts, formats, (System.nanoTime() - t0) / 1e9, report);
    }

    /**
     * Which row an INSERT is about: its partition key (from "pk"), or without "pk" its whole text without lsn and
     * timestamp (every row of the workload differs in some column).
     */
    private static String rowKey(EnvelopeParser parser, String json, boolean withPk) {
        if (withPk) {
            return PartitionKey.of(parser.parse(json));
        }
        return json.replaceFirst(",\"timestamp\":\"[^\"]*\"", "").replaceFirst(",\"lsn\":\"[^\"]*\"", "");
    }

    private List<String> peek(Map<String, String> options) throws SQLException {
        StringBuilder args = new StringBuilder();
        Map<String, String> o = new LinkedHashMap<>(options);
        o.put("add-tables", s + ".*");
        o.forEach((k, v) -> args.append(", '").append(k).append("', '").append(v.replace("'", "''")).append('\''));
        List<String> out = new ArrayList<>();
        try (Connection c = LocalServices.connect(); Statement st = c.createStatement()) {
            // The connector's replication session pins an empty search_path (ReplicationSession.pinSearchPath) and
            // keeps the server's extra_float_digits (PgJDBC sends none on a replication connection)
            st.execute("SELECT pg_catalog.set_config('search_path', '', false), pg_catalog.set_config('extra_float_digits', '1', false)");
            try (ResultSet rs = st.executeQuery("SELECT data FROM pg_logical_slot_peek_changes('" + slot + "', NULL, NULL"
                    + args + ")")) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static void exec(String... statements) throws SQLException {
        LocalServices.execChecked(statements);
    }
}
