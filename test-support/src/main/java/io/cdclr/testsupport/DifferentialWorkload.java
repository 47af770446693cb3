package io.cdclr.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One workload for the differential tests of both decoders (the reference workloads fixtures.sql and
 * types-and-edge-cases.sql plus every type wal2json renders, replica identities, key changes, TOAST, truncates,
 * messages, user-defined types): in schema {@code s}, messages with prefixes {@code s-...}. The connector's
 * PgoutputDifferentialIT and the runner's PgoutputRunnerDifferentialIT run all of it; the snapshot tests take its
 * type tables and rows ({@link #typeTablesDdl}, {@link #typeRows}).
 */
public final class DifferentialWorkload {
    private DifferentialWorkload() {
    }

    private static String kitchenRow1(String s) {
        return "INSERT INTO " + s + ".kitchen VALUES (1,true,1,9223372036854775807,12345.678,'NaN','Infinity','he said \"hi\"\\n','ünïcode','ab',"
                + "'\\xdeadbeef','2026-02-12','2026-02-12 10:11:12.123456','2026-02-12 10:11:12+00','23:59:59','1 day 02:00:00',"
                + "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11','{\"a\":1}','{\"b\": [1,2]}','{1,2,NULL}','{\"x,y\",\"z\"}',NULL, repeat('x', 3000))";
    }

    private static String kitchenRow3(String s) {
        return "INSERT INTO " + s + ".kitchen VALUES (3,false,-32768,-9223372036854775808,-0.001,'-Infinity','-Infinity',"
                + "E'tab\\there\\u0001ctl \\\\ back', '', 'a', '\\x', '2000-02-29', '1999-12-31 23:59:59.5', '2026-02-12 10:11:12.5+05:30',"
                + " '00:00:00.000001', '-1 year -2 mons +3 days -04:05:06.789', '00000000-0000-0000-0000-000000000000', '[1, 2 ,3]',"
                + " '{\"z\":1,\"a\":[true,null]}', '{}', '{\"\",NULL,\"NULL\",\"a b\",\"q\\\"uote\",\"back\\\\slash\",\"{x}\"}', 'e', NULL)";
    }

    private static String kitchenNumbers(String s) {
        return "INSERT INTO " + s + ".kitchen(id, f, r, n, i2, i8) VALUES (4, 1.1, 3.14, 0, 32767, 0), (5, 1e20, 1e-5, 99999.999, 0, 1),"
                + " (6, 0.1::float8 + 0.2::float8, 1e6, 5, 0, -1), (7, 1e-5, 123456, 5, 0, -1), (8, '-0', 100000, 5, 0, -1),"
                + " (9, 123456789012345678, 0.3, 5, 0, -1), (10, 5e-324, 1.17549435e-38, 5, 0, -1), (11, 1.7976931348623157e308, 3.4028235e38, 5, 0, -1)";
    }

    private static String moreTypesRow1(String s) {
        return "INSERT INTO " + s + ".more_types VALUES (1, 123456789012345678901234567890.123456789, 1000.5, 'happy', 7, 4294967295, '192.168.0.1/24',"
                + " '<a>x</a>', '2026-02-12 10:11:12.123', '10:11:12.5', '{t,f,NULL}', '{1.50,-2,NULL}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',"
                + " '{2026-02-12,NULL}', 2.5, 2.5, 'mixed', 'unbounded varchar', 'c')";
    }

    private static String moreTypesEdges(String s) {
        return "INSERT INTO " + s + ".more_types(id, nn, m, mood) VALUES (2, 'NaN', -2, 'sad'), (3, 0.000, 0, NULL), (-9223372036854775808, -1e-10, 92233720368547758.07, 'ok')";
    }

    /** Tables in the workload; nopk has no replica identity and is only inserted into and truncated. */
    public static final List<String> TABLES = List.of("customers", "order_lines", "audit_log", "docs", "kitchen", "nopk",
            "full_ident", "more_types", "idx_ident", "toasty", "toasty_full", "extra_types",
            "user_types");

    public static List<String> ddl(String s) {
        List<String> ddl = new ArrayList<>(typeTablesDdl(s));
        ddl.addAll(List.of(
                // fixtures.sql
                "CREATE TABLE " + s + ".customers(id int primary key, name text not null, email varchar(80), balance numeric(12,2), active bool default true, updated_at timestamptz)",
                "CREATE TABLE " + s + ".order_lines(order_id bigint, line_no int, sku text, qty int, primary key(order_id, line_no))",
                "CREATE TABLE " + s + ".audit_log(at timestamptz, msg text)",
                "CREATE TABLE " + s + ".docs(id int primary key, body text, meta jsonb)",
                "ALTER TABLE " + s + ".docs REPLICA IDENTITY FULL",
                // types-and-edge-cases.sql (kitchen and more_types: typeTablesDdl)
                "CREATE TABLE " + s + ".nopk(a int, b text)",
                "CREATE TABLE " + s + ".full_ident(id int primary key, v text)",
                "ALTER TABLE " + s + ".full_ident REPLICA IDENTITY FULL",
                "CREATE TABLE " + s + ".idx_ident(id int primary key, code text not null, v text)",
                "CREATE UNIQUE INDEX " + s + "_code ON " + s + ".idx_ident(code)",
                "ALTER TABLE " + s + ".idx_ident REPLICA IDENTITY USING INDEX " + s + "_code",
                "CREATE TABLE " + s + ".toasty(id int primary key, v int, big text, bigb bytea)",
                "CREATE TABLE " + s + ".toasty_full(id int primary key, v int, big text)",
                "ALTER TABLE " + s + ".toasty_full REPLICA IDENTITY FULL",
                "CREATE TABLE " + s + ".extra_types(id int primary key, r4 int4range, rn numrange, rts tstzrange, rd daterange,"
                        + " c cidr, mac macaddr, tz timetz, g int GENERATED ALWAYS AS (id * 2) STORED, ts tsvector, b3 bit(3),"
                        + " b1 bit, pt point, i2arr smallint[], tzarr timestamptz[], jarr jsonb[], earr " + s + ".mood[])",
                // user-defined types in public too: schema-qualified by both decoders (public.<s>_mood), whatever the
                // login role's search_path
                "CREATE TYPE public." + s + "_mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE DOMAIN public." + s + "_posint AS integer CHECK (VALUE > 0)",
                "CREATE TABLE " + s + ".user_types(id int primary key, pm public." + s + "_mood, pd public." + s + "_posint,"
                        + " pma public." + s + "_mood[], sm " + s + ".mood, sd " + s + ".posint, sma " + s + ".mood[])"));
        return ddl;
    }

    /** The enum and domain of schema {@code s} and the tables with every type wal2json renders (kitchen, more_types). */
    public static List<String> typeTablesDdl(String s) {
        return List.of(
                "CREATE TYPE " + s + ".mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE DOMAIN " + s + ".posint AS integer CHECK (VALUE > 0)",
                "CREATE TABLE " + s + ".kitchen(id int primary key, b bool, i2 smallint, i8 bigint, n numeric(10,3), f float8, r real,"
                        + " t text, vc varchar(20), ch char(3), by bytea, d date, ts timestamp, tstz timestamptz, tm time, iv interval,"
                        + " u uuid, j json, jb jsonb, arr int[], tarr text[], e text, big text)",
                "CREATE TABLE " + s + ".more_types(id bigint primary key, nn numeric, m money, mood " + s + ".mood, dom " + s + ".posint,"
                        + " o oid, ip inet, x xml, ts3 timestamp(3), tm3 time(3), barr bool[], narr numeric[], uarr uuid[],"
                        + " dtarr date[], f8 float8, f4 real, \"Mixed Case\" text, vc varchar, ch1 char)");
    }

    /** Rows with edge values for the tables of {@link #typeTablesDdl}. */
    public static List<String> typeRows(String s) {
        return List.of(kitchenRow1(s), kitchenRow3(s), kitchenNumbers(s), moreTypesRow1(s), moreTypesEdges(s));
    }

    /** What ddl() creates outside schema {@code s}, dropped after the schema. */
    public static List<String> dropOutsideSchema(String s) {
        return List.of("DROP DOMAIN IF EXISTS public." + s + "_posint", "DROP TYPE IF EXISTS public." + s + "_mood");
    }

    public static String messagePrefixes(String s) {
        return s + "-app," + s + "-myprefix," + s + "-nontx," + s + "-end";
    }

    public static List<String> dml(String s) {
        String big = "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g)"; // ~12.8 kB, barely compressible
        return List.of(
                // fixtures.sql
                "INSERT INTO " + s + ".customers VALUES (1,'Ada','ada@example.com',10.50,true,'2026-02-12 10:00:00+00'),(2,'Linus',NULL,0,false,NULL)",
                "INSERT INTO " + s + ".order_lines VALUES (100,1,'SKU-1',2),(100,2,'SKU-2',1)",
                "INSERT INTO " + s + ".audit_log VALUES ('2026-02-12 10:00:00+00','created')",
                "INSERT INTO " + s + ".docs VALUES (1,'hello','{\"tags\":[\"a\",\"b\"]}')",
                "UPDATE " + s + ".customers SET balance=balance+1, updated_at='2026-02-12 11:00:00+00' WHERE id=1",
                "UPDATE " + s + ".customers SET id=3 WHERE id=2",
                "UPDATE " + s + ".order_lines SET qty=5 WHERE order_id=100 AND line_no=2",
                "UPDATE " + s + ".docs SET body='world' WHERE id=1",
                "DELETE FROM " + s + ".order_lines WHERE order_id=100 AND line_no=1",
                "DELETE FROM " + s + ".customers WHERE id=3",
                "DELETE FROM " + s + ".docs",
                "TRUNCATE " + s + ".audit_log",
                "SELECT pg_logical_emit_message(true, '" + s + "-app', 'checkpoint-1')",
                // types-and-edge-cases.sql (without UPDATE nopk: see updateOfTableWithoutReplicaIdentityFailsWhenPublished)
                "BEGIN",
                kitchenRow1(s),
                "INSERT INTO " + s + ".nopk VALUES (1,'x')",
                "INSERT INTO " + s + ".full_ident VALUES (1,'a')",
                "COMMIT",
                "UPDATE " + s + ".kitchen SET t='changed' WHERE id=1",
                "UPDATE " + s + ".kitchen SET id=2 WHERE id=1",
                "UPDATE " + s + ".full_ident SET v='b'",
                "DELETE FROM " + s + ".kitchen WHERE id=2",
                "DELETE FROM " + s + ".full_ident",
                "TRUNCATE " + s + ".nopk",
                "SELECT pg_logical_emit_message(true, '" + s + "-myprefix', 'hello')",
                // every other type wal2json renders, with edge values
                kitchenRow3(s),
                kitchenNumbers(s),
                moreTypesRow1(s),
                moreTypesEdges(s),
                "UPDATE " + s + ".more_types SET mood = 'ok', nn = 1.0 WHERE id = 1",
                "INSERT INTO " + s + ".idx_ident VALUES (1, 'one', 'a'), (2, 'two', 'b')",
                "UPDATE " + s + ".idx_ident SET v = 'c' WHERE id = 1",
                "UPDATE " + s + ".idx_ident SET code = 'uno' WHERE id = 1",
                "DELETE FROM " + s + ".idx_ident WHERE id = 2",
                "INSERT INTO " + s + ".extra_types VALUES (1, '[1,5)', '(1.5,2.50]', '[2026-01-01 00:00+00,2026-02-01 00:00+00)',"
                        + " '[2026-01-01,2026-02-01)', '10.0.0.0/8', '08:00:2b:01:02:03', '10:11:12+00', DEFAULT, 'a fat cat', B'001',"
                        + " B'1', '(1.5,2)', '{1,-2}', '{\"2026-02-12 10:11:12+00\"}', ARRAY['{\"a\": 1}'::jsonb], '{sad,happy}')",
                // unchanged TOAST values: left out of "columns" by wal2json
                "INSERT INTO " + s + ".toasty VALUES (1, 1, " + big + ", decode(" + big + ", 'hex'))",
                "UPDATE " + s + ".toasty SET v = 2 WHERE id = 1",
                "UPDATE " + s + ".toasty SET id = 10 WHERE id = 1",
                "DELETE FROM " + s + ".toasty WHERE id = 10",
                "INSERT INTO " + s + ".toasty_full VALUES (1, 1, " + big + ")",
                "UPDATE " + s + ".toasty_full SET v = 2 WHERE id = 1",
                "DELETE FROM " + s + ".toasty_full",
                // several changes in one transaction, a multi-table TRUNCATE, a non-transactional message
                "BEGIN",
                "INSERT INTO " + s + ".customers SELECT g, 'c' || g, NULL, g * 1.25, g % 2 = 0, '2026-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(10, 14) g",
                "SELECT pg_logical_emit_message(false, '" + s + "-nontx', 'now')",
                "UPDATE " + s + ".customers SET email = 'x@y' WHERE id >= 12",
                "COMMIT",
                "INSERT INTO " + s + ".full_ident VALUES (5, 'z')",
                "INSERT INTO " + s + ".user_types VALUES (1, 'ok', 5, '{sad,happy}', 'happy', 7)",
                "UPDATE " + s + ".user_types SET pm = 'sad', sm = 'ok' WHERE id = 1",
                "TRUNCATE " + s + ".customers, " + s + ".full_ident");
    }

    /**
     * With REPLICA IDENTITY FULL, Debezium fills an unchanged TOAST column of the new row from the old row, where
     * wal2json leaves the column out of "columns": drop from "columns" what wal2json lacks and "identity" has with the
     * same value.
     */
    public static JsonNode withoutUnchangedToastUnderFullIdentity(JsonNode expected, JsonNode actual) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = actual.deepCopy();
        if (!"U".equals(actual.path("action").asText())) {
            return copy;
        }
        java.util.Set<String> inWal2json = new java.util.HashSet<>();
        expected.path("columns").forEach(c -> inWal2json.add(c.path("name").asText()));
        java.util.Map<String, JsonNode> identity = new java.util.HashMap<>();
        actual.path("identity").forEach(c -> identity.put(c.path("name").asText(), c));
        com.fasterxml.jackson.databind.node.ArrayNode columns = copy.putArray("columns");
        for (JsonNode c : actual.path("columns")) {
            String name = c.path("name").asText();
            if (inWal2json.contains(name) || !c.equals(identity.get(name))) {
                columns.add(c);
            }
        }
        return copy;
    }

    /** pgoutput (PostgreSQL 15) does not publish generated columns: extra_types.g. */
    public static JsonNode withoutGeneratedColumns(JsonNode expected) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = expected.deepCopy();
        if (!"extra_types".equals(expected.path("table").asText())) {
            return copy;
        }
        com.fasterxml.jackson.databind.node.ArrayNode columns = copy.putArray("columns");
        for (JsonNode c : expected.path("columns")) {
            if (!"g".equals(c.path("name").asText())) {
                columns.add(c);
            }
        }
        return copy;
    }

}
