package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Db;
import io.cdclr.runner.testing.Capture;
import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Issue 19, item 4: user-defined types (enum, domain, composite, arrays of them) in {@code public} and in another
 * schema. The login role's search_path is PostgreSQL's default ({@code "$user", public}); the runner must name every
 * user type schema-qualified ({@code public.<name>}), exactly as the oracle (a peek in a session with an empty
 * search_path, like pg_recvlogical) does, so every delivered envelope equals a committed one: a name mismatch would
 * show as missing + unexpected. The runner keeps its offsets in PostgreSQL (its offset table is added to wal2json's
 * filter-tables), is stopped (SIGTERM) while a large transaction streams, and restarted with the same configuration:
 * the appended offset table must not count as a changed filter option (no "changed since" warning).
 */
class UserTypesFaultIT {
    private static final boolean FULL = Boolean.getBoolean("faults.full");
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration CATCH_UP = Duration.ofSeconds(FULL ? 300 : 150);
    private static final FaultReport REPORT = new FaultReport();
    private static final Pattern STORED = Pattern.compile(
            "from stored offset SourceOffset\\[lsn=\\S+, commitLsn=(\\S+), index=(-?\\d+), confirmLsn=([^,\\]]+)(?:, filters=([^\\]]*))?]");

    @TempDir
    Path dir;

    @AfterAll
    static void writeReport() throws Exception {
        System.out.println("\nUser types fault scenario:\n" + REPORT.table());
        REPORT.write(Path.of("target", "fault-report-UserTypesFaultIT.txt"));
    }

    @Test
    void userTypesInPublicAndAnotherSchemaArriveSchemaQualifiedAndEqualToTheOracleAcrossARestart() throws Exception {
        String id = TestEnv.unique();
        String schema = "fault_" + id;
        String other = "fault_" + id + "_s";
        String pub = "public.fault_" + id;
        int big = FULL ? 20_000 : 4_000;
        Db db = Db.shared();
        try (Capture capture = new Capture(db, id, schema, schema + ".*",
                "CREATE TYPE " + pub + "_mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE DOMAIN " + pub + "_posint AS integer CHECK (VALUE > 0)",
                "CREATE TYPE " + pub + "_pair AS (a int, b text)",
                "CREATE SCHEMA " + other,
                "CREATE TYPE " + other + ".mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE DOMAIN " + other + ".posint AS integer CHECK (VALUE > 0)",
                "CREATE TYPE " + other + ".pair AS (a int, b text)",
                "CREATE TABLE pub_types(id int primary key, m " + pub + "_mood, d " + pub + "_posint, c " + pub + "_pair,"
                        + " ma " + pub + "_mood[], ca " + pub + "_pair[])",
                "CREATE TABLE own_types(id int primary key, m " + other + ".mood, d " + other + ".posint, c " + other + ".pair,"
                        + " ma " + other + ".mood[], ca " + other + ".pair[])");
             TestStream stream = new TestStream("fault-types-" + id, 2)) {
            capture.alsoDrop(other);
            try {
                run(capture, stream, id, other, pub, big);
            } finally {
                dropPublicTypes(db, pub);
            }
        }
    }

    /** {@code preflight --peek} decodes as the runner does: a type in public is named {@code public.<name>} there too. */
    @Test
    void preflightPeekNamesAUserTypeInPublicSchemaQualified() throws Exception {
        String id = TestEnv.unique();
        String pub = "public.fault_" + id;
        Db db = Db.shared();
        try (Capture capture = Capture.plain(db, id,
                "CREATE TYPE " + pub + "_mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE TABLE peeked(id int primary key, m " + pub + "_mood)")) {
            try {
                capture.execute("INSERT INTO peeked VALUES (1, 'ok')");
                Map<String, String> env = TestEnv.runnerEnv();
                db.putInto(env);
                env.put("CBOR_ENABLED", "false");
                env.put("KINESIS_ENDPOINT", TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"));
                env.put("KINESIS_STREAM", "fault-types-peek-" + id);
                env.put("REPLICATION_SLOT", capture.runnerSlot);
                RunnerProcess.Result result = RunnerProcess.runToEnd(env, "preflight", "--peek", "500");
                String peeked = result.stdout().lines().filter(l -> l.contains("\"table\":\"peeked\"")).findFirst()
                        .orElseThrow(() -> new AssertionError("the insert is not among the peeked changes:\n" + result.stdout()));
                System.out.println("preflight --peek: " + peeked.trim());
                assertTrue(peeked.contains("\"type\":\"" + pub + "_mood\""), peeked);
            } finally {
                dropPublicTypes(db, pub);
            }
        }
    }

    private void run(Capture capture, TestStream stream, String id, String other, String pub, int big) throws Exception {
        // The file is not used: offsets in PostgreSQL, the runner appends its offset table to filter-tables.
        Map<String, String> env = capture.runnerEnv(TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"),
                stream.name(), Path.of("target", "unused-offsets-" + id + ".dat"));
        // Offsets in PostgreSQL: the runner appends its offset table to wal2json.filter-tables, on every start alike.
        env.put("CDC_OFFSET_STORAGE", "postgres");
        env.put("CDC_OFFSET_STORAGE_POSTGRES_TABLE", other + ".runner_offsets");
        env.put("CDC_OFFSET_FLUSH_INTERVAL_MS", "200");

        String small = """
                INSERT INTO pub_types VALUES (1, 'ok', 5, '(1,x)', '{sad,ok}', ARRAY['(2,"y z")']::%1$s_pair[]),
                                             (2, 'happy', 6, NULL, '{}', NULL);
                INSERT INTO own_types VALUES (1, 'ok', 5, '(1,x)', '{sad,ok}', ARRAY['(2,"y z")']::%2$s.pair[]),
                                             (2, 'sad', 7, '(3,)', NULL, '{}');
                UPDATE pub_types SET m = 'sad', c = '(9,nine)' WHERE id = 1;
                UPDATE own_types SET m = 'happy', ma = '{happy,happy}' WHERE id = 1;
                DELETE FROM pub_types WHERE id = 2;
                DELETE FROM own_types WHERE id = 2
                """.formatted(pub, other);
        String large = ("BEGIN;"
                + " INSERT INTO pub_types SELECT g, (ARRAY['sad','ok','happy'])[1 + g %% 3]::%1$s_mood, g, ROW(g, 'p' || g)::%1$s_pair,"
                + "  ARRAY['ok']::%1$s_mood[], NULL FROM generate_series(100, %3$d) g;"
                + " INSERT INTO own_types SELECT g, (ARRAY['sad','ok','happy'])[1 + g %% 3]::%2$s.mood, g, ROW(g, 'o' || g)::%2$s.pair,"
                + "  ARRAY['happy']::%2$s.mood[], NULL FROM generate_series(100, %3$d) g;"
                + " COMMIT").formatted(pub, other, 99 + big);
        String after = """
                UPDATE pub_types SET d = d + 1 WHERE id <= 110;
                UPDATE own_types SET c = ROW(0, 'after')::%s.pair WHERE id <= 110
                """.formatted(other);

        Path log1 = dir.resolve("runner-1.log");
        Path log2 = dir.resolve("runner-2.log");
        int exit1;
        int exit2;
        int ready1;
        int ready2;
        String stoppedAt;
        long stopNanos;
        try (RunnerProcess runner = RunnerProcess.start(env, log1)) {
            runner.awaitReady(READY);
            ready1 = runner.httpStatus("/health/ready");
            capture.execute(small);
            capture.execute(large);
            // Stop while the large transaction streams (if the runner is quick enough, between transactions).
            int threshold = 8 + big / 2;
            stream.readUntil(r -> r.size() >= threshold, CATCH_UP);
            long t0 = System.nanoTime();
            exit1 = runner.terminate(Duration.ofSeconds(60));
            stopNanos = System.nanoTime() - t0;
        }
        try (RunnerProcess runner = RunnerProcess.start(env, log2)) {
            runner.awaitReady(READY);
            ready2 = runner.httpStatus("/health/ready");
            capture.execute(after);
            List<String> oracle = capture.oracle();
            assertEquals(8 + 2 * big + 24, oracle.size(), "committed changes");
            List<Record> delivered = stream.readUntil(r -> Checker.check(oracle, r).missing() == 0, CATCH_UP);
            String output2 = runner.output();
            exit2 = runner.terminate(Duration.ofSeconds(60));
            Checker.Result result = Checker.check(oracle, delivered);
            stoppedAt = describeStart(output2);
            keepLogs(log1, log2);
            REPORT.add("user types public+schema", result, "restart " + String.format("%.1fs", stopNanos / 1e9),
                    "stop 1: exit " + exit1 + ", ready " + ready1 + "; run 2: " + stoppedAt + ", ready " + ready2
                            + ", exit " + exit2 + "; " + typeNames(delivered, pub, other));
            result.examples().forEach(System.out::println);

            assertEquals(0, result.missing(), "missing: " + result);
            assertEquals(0, result.orderViolations(), "order: " + result);
            assertEquals(0, result.unexpected(), "envelopes no committed change equals (a type name?): " + result);
            assertEquals(0, exit1, "graceful stop");
            assertEquals(0, exit2, "graceful stop");
            assertTrue(!output2.contains("changed since the offset") && !output2.contains("predates option fingerprints"),
                    "the same configuration (with the offset table appended to filter-tables) is no option change:\n"
                            + output2.lines().filter(l -> l.contains("WARN")).toList());
            Map<String, String> names = namesOf(delivered);
            assertEquals(pub + "_mood", names.get("pub_types.m"));
            assertEquals(pub + "_posint", names.get("pub_types.d"));
            assertEquals(pub + "_pair", names.get("pub_types.c"));
            assertEquals(pub + "_mood[]", names.get("pub_types.ma"));
            assertEquals(pub + "_pair[]", names.get("pub_types.ca"));
            assertEquals(other + ".mood", names.get("own_types.m"));
            assertEquals(other + ".posint", names.get("own_types.d"));
            assertEquals(other + ".pair", names.get("own_types.c"));
            assertEquals(other + ".mood[]", names.get("own_types.ma"));
            assertEquals(other + ".pair[]", names.get("own_types.ca"));
        }
    }

    /** Where the second run started: inside a transaction (index >= 1, confirm = commit) or between. */
    private static String describeStart(String output) {
        Matcher m = STORED.matcher(output);
        if (!m.find()) {
            return "started without a stored offset";
        }
        boolean inside = Long.parseLong(m.group(2)) >= 1 && m.group(1).equals(m.group(3));
        return (inside ? "resumed inside a transaction at index " + m.group(2) : "resumed between transactions")
                + " (filters " + (m.group(4) == null ? "absent" : m.group(4).isEmpty() ? "none" : m.group(4)) + ")";
    }

    private static Map<String, String> namesOf(List<Record> delivered) {
        Map<String, String> names = new TreeMap<>();
        for (Record r : delivered) {
            JsonNode node = Envelopes.parse(Envelopes.data(r));
            for (JsonNode c : node.path("columns")) {
                names.putIfAbsent(node.path("table").asText() + "." + c.path("name").asText(), c.path("type").asText());
            }
        }
        return names;
    }

    private static String typeNames(List<Record> delivered, String pub, String other) {
        Map<String, String> names = new LinkedHashMap<>(namesOf(delivered));
        return "types " + names.get("pub_types.m") + ", " + names.get("own_types.c");
    }

    private void keepLogs(Path... logs) throws Exception {
        FaultLogs.keep("UserTypesFaultIT", logs);
    }

    private static void dropPublicTypes(Db db, String pub) throws SQLException {
        try (Connection conn = db.connect(); Statement st = conn.createStatement()) {
            // after the schemas (their tables use the types): Capture.close() runs after this, so cascade here
            st.execute("DROP TYPE IF EXISTS " + pub + "_pair CASCADE");
            st.execute("DROP DOMAIN IF EXISTS " + pub + "_posint CASCADE");
            st.execute("DROP TYPE IF EXISTS " + pub + "_mood CASCADE");
        }
    }
}
