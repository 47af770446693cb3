package io.cdclr.runner.pgoutput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.DifferentialWorkload;
import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * One workload (the reference workloads plus every type wal2json renders) through two runners of the real JAR, one
 * with decoder=wal2json and one with decoder=pgoutput, into two streams of the local emulator: for every partition
 * key, the same records in the same order, JSON-equal with numbers verbatim (and the same text), except the
 * differences docs/pgoutput.md lists.
 */
class PgoutputRunnerDifferentialIT {
    @TempDir
    Path dir;

    private final String s = "pgr_" + TestEnv.unique();
    private final String wal2jsonSlot = s + "_w2j";
    private final String pgoutputSlot = s + "_pgo";
    private final String publication = s + "_pub";

    @Test
    void bothDecodersWriteTheSameEnvelopesToKinesis() throws Exception {
        try (Cleanup ignored = new Cleanup();
             TestStream wal2jsonStream = new TestStream("pgr-w2j-" + TestEnv.unique(), 1);
             TestStream pgoutputStream = new TestStream("pgr-pgo-" + TestEnv.unique(), 1)) {
            List<String> ddl = new ArrayList<>(List.of("CREATE SCHEMA " + s));
            ddl.addAll(DifferentialWorkload.ddl(s));
            exec(ddl);
            String tables = DifferentialWorkload.TABLES.stream().map(t -> s + "." + t).collect(Collectors.joining(","));

            Map<String, String> w2jEnv = env(wal2jsonStream, wal2jsonSlot, tables, "wal2json");
            Map<String, String> pgoEnv = env(pgoutputStream, pgoutputSlot, tables, "pgoutput");
            pgoEnv.put("CDC_PUBLICATION_NAME", publication);
            pgoEnv.put("CDC_SNAPSHOT_MODE", "no_data");
            try (RunnerProcess w2j = RunnerProcess.start(w2jEnv, dir.resolve("w2j.log"));
                 RunnerProcess pgo = RunnerProcess.start(pgoEnv, dir.resolve("pgo.log"))) {
                w2j.awaitReady(Duration.ofSeconds(90));
                pgo.awaitReady(Duration.ofSeconds(90));
                awaitActive(wal2jsonSlot);
                awaitActive(pgoutputSlot);

                exec(DifferentialWorkload.dml(s));
                exec(List.of("SELECT pg_logical_emit_message(true, '" + s + "-end', 'done')"));

                untilEnd(wal2jsonStream);
                untilEnd(pgoutputStream);
                // Records of different keys may arrive out of commit order, the end marker before earlier changes:
                // read until both streams have stopped growing.
                List<Record> fromWal2json = settled(wal2jsonStream);
                List<Record> fromPgoutput = settled(pgoutputStream);
                compare(fromWal2json, fromPgoutput);

                assertEquals(0, w2j.terminate(Duration.ofSeconds(60)), w2j.output());
                assertEquals(0, pgo.terminate(Duration.ofSeconds(60)), pgo.output());
            }
        }
    }

    private void compare(List<Record> fromWal2json, List<Record> fromPgoutput) {
        Map<String, List<String>> expectedByKey = byKey(fromWal2json);
        Map<String, List<String>> actualByKey = byKey(fromPgoutput);
        assertEquals(expectedByKey.keySet(), actualByKey.keySet(), "the same partition keys");
        assertEquals(fromWal2json.size(), fromPgoutput.size(), "as many records from each decoder");
        int documented = 0;
        int same = 0;
        for (var entry : expectedByKey.entrySet()) {
            List<String> expected = entry.getValue();
            List<String> actual = actualByKey.get(entry.getKey());
            assertEquals(expected.size(), actual.size(), "records of key " + entry.getKey());
            for (int i = 0; i < expected.size(); i++) {
                JsonNode e = Envelopes.parse(expected.get(i));
                JsonNode a = Envelopes.parse(actual.get(i));
                if (e.equals(a)) {
                    assertEquals(expected.get(i), actual.get(i), "same text");
                    same++;
                } else {
                    // docs/pgoutput.md, differences: unchanged TOAST under REPLICA IDENTITY FULL; generated columns.
                    documented++;
                    assertEquals(DifferentialWorkload.withoutGeneratedColumns(e),
                            DifferentialWorkload.withoutUnchangedToastUnderFullIdentity(e, a),
                            "key " + entry.getKey() + " #" + i + "\nwal2json: " + expected.get(i) + "\npgoutput: " + actual.get(i));
                }
            }
        }
        assertEquals(2, documented, "only the toasty_full UPDATE and the extra_types INSERT differ, as documented");
        assertTrue(same > 60, "the workload's envelopes arrived: " + same);
        assertTrue(texts(fromPgoutput).contains("\"action\":\"T\""), "truncates");
        assertTrue(texts(fromPgoutput).contains("\"action\":\"M\""), "messages");
        assertTrue(texts(fromPgoutput).contains("\"type\":\"public." + s + "_mood\""), "a user type in public, qualified");
    }

    private static List<Record> settled(TestStream stream) throws InterruptedException {
        List<Record> previous = stream.readUntil(rs -> false, Duration.ofMillis(500));
        for (int i = 0; i < 30; i++) {
            Thread.sleep(1000);
            List<Record> now = stream.readUntil(rs -> false, Duration.ofMillis(500));
            if (now.size() == previous.size()) {
                return now;
            }
            previous = now;
        }
        return previous;
    }

    private static Map<String, List<String>> byKey(List<Record> records) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Record r : records) {
            out.computeIfAbsent(r.partitionKey(), k -> new ArrayList<>()).add(Envelopes.data(r));
        }
        return out;
    }

    private static String texts(List<Record> records) {
        return records.stream().map(Envelopes::data).collect(Collectors.joining("\n"));
    }

    private List<Record> untilEnd(TestStream stream) {
        String end = "\"prefix\":\"" + s + "-end\"";
        List<Record> records = stream.readUntil(rs -> rs.stream().anyMatch(r -> Envelopes.data(r).contains(end)),
                Duration.ofSeconds(180));
        assertTrue(records.stream().anyMatch(r -> Envelopes.data(r).contains(end)), "end marker on " + stream.name()
                + " after " + records.size() + " records");
        return records;
    }

    private Map<String, String> env(TestStream stream, String slot, String tables, String decoder) {
        Map<String, String> env = TestEnv.runnerEnv();
        env.put("PGSSLMODE", TestEnv.env("PGSSLMODE", "prefer"));
        env.put("KINESIS_STREAM", stream.name());
        env.put("REPLICATION_SLOT", slot);
        env.put("CDC_DECODER", decoder);
        env.put("CDC_TABLES", tables);
        env.put("CDC_WAL2JSON_ADD_MSG_PREFIXES", DifferentialWorkload.messagePrefixes(s));
        env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", dir.resolve(decoder + "-offsets.dat").toString());
        env.put("CDC_OFFSET_FLUSH_INTERVAL_MS", "200");
        return env;
    }

    static void awaitActive(String slot) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Connection c = TestEnv.connect();
             PreparedStatement ps = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return;
                    }
                }
                Thread.sleep(100);
            }
        }
        throw new AssertionError("slot " + slot + " not streaming");
    }

    static void exec(List<String> statements) throws SQLException {
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            for (String sql : statements) {
                try {
                    st.execute(sql);
                } catch (SQLException e) {
                    throw new SQLException(e.getMessage() + " in: " + sql, e.getSQLState(), e);
                }
            }
        }
    }

    static void dropSlot(String slot) {
        try {
            exec(List.of("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                    + slot + "' AND NOT active"));
        } catch (SQLException ignored) {
            // best effort
        }
    }

    /** Slots, publication and schema of the test, dropped afterwards. */
    private final class Cleanup implements AutoCloseable {
        @Override
        public void close() {
            dropSlot(wal2jsonSlot);
            dropSlot(pgoutputSlot);
            try {
                exec(List.of("DROP PUBLICATION IF EXISTS " + publication, "DROP SCHEMA IF EXISTS " + s + " CASCADE"));
                exec(DifferentialWorkload.dropOutsideSchema(s));
            } catch (SQLException ignored) {
                // best effort
            }
        }
    }
}
