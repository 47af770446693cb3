package io.cdclr.runner.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Capture;
import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * offset.storage=postgres: a stateless runner (no local file) resumes from the offset it stored in a table of the
 * source database, and the table's own writes are never captured even when the slot captures its schema.
 */
class PostgresOffsetStoreIT {
    @TempDir
    Path dir;

    /** wal2json on the oracle slot sees the offset table's writes too; the runner must not deliver them. */
    private static List<String> itemsOnly(List<String> oracle) {
        List<String> items = oracle.stream().filter(o -> Envelopes.parse(o).path("table").asText().equals("items")).toList();
        return items;
    }

    @Test
    void statelessRunnerResumesFromItsOffsetTableWithoutDuplicatesOrCapturingIt() throws Exception {
        try (Capture fixture = Capture.shared("CREATE TABLE items(id int primary key, name text)");
             TestStream stream = new TestStream("pg-offsets-" + TestEnv.unique(), 1)) {
            String offsetTable = fixture.schema + ".runner_offsets";
            Map<String, String> env = TestEnv.runnerEnv();
            env.put("KINESIS_STREAM", stream.name());
            env.put("REPLICATION_SLOT", fixture.runnerSlot);
            // The whole schema is captured, the offset table included: the runner must exclude it itself.
            env.put("CDC_WAL2JSON_ADD_TABLES", fixture.addTables);
            env.put("CDC_WAL2JSON_ADD_MSG_PREFIXES", fixture.messagePrefix);
            env.put("CDC_OFFSET_STORAGE", "postgres");
            env.put("CDC_OFFSET_STORAGE_POSTGRES_TABLE", offsetTable);
            env.put("CDC_OFFSET_FLUSH_INTERVAL_MS", "200");
            // Kept under target/ so a failure can be read afterwards.
            Path log = java.nio.file.Files.createDirectories(Path.of("target", "it-logs"))
                    .resolve("postgres-offsets-" + fixture.schema + ".log");

            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                runner.awaitReady(Duration.ofSeconds(60));
                fixture.execute("INSERT INTO items SELECT g, 'first ' || g FROM generate_series(1, 30) g");
                List<String> oracle = itemsOnly(fixture.oracle());
                Envelopes.assertDelivered(oracle, stream.readUntil(r -> r.size() >= oracle.size(), Duration.ofSeconds(60)), true);
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
            }
            try (Connection conn = TestEnv.connect(); Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM " + offsetTable)) {
                assertTrue(rs.next() && rs.getInt(1) == 1, "one offset row for the runner");
            }

            fixture.execute("UPDATE items SET name = 'second' WHERE id <= 10", "DELETE FROM items WHERE id > 25");
            List<String> oracle = itemsOnly(fixture.oracle());
            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                runner.awaitReady(Duration.ofSeconds(60));
                Envelopes.assertDelivered(oracle, stream.readUntil(r -> Envelopes.containsAll(r, oracle), Duration.ofSeconds(60)), true);
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
            }
            // Nothing else arrived: no duplicates, and no change of the offset table itself.
            Envelopes.assertDelivered(oracle, stream.readUntil(r -> false, Duration.ofSeconds(2)), true);
        }
    }
}
