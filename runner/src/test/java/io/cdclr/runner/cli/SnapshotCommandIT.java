package io.cdclr.runner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import java.io.ObjectOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code snapshot} run as the real JAR against the local PostgreSQL: the request lands in the WAL (read back from a
 * wal2json slot of the test's own with {@code pg_logical_slot_peek_changes}), refusals name every bad table in one
 * line and write nothing, {@code --cancel} writes a cancel request, {@code --status} reads the stored offset.
 */
class SnapshotCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String u = TestEnv.unique();
    private final String schema = "snapops_it_" + u;
    private final String slot = "snapops_it_" + u;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws SQLException {
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
            st.execute("CREATE TABLE " + schema + ".orders (id int PRIMARY KEY, v text)");
            st.execute("CREATE TABLE " + schema + ".lines (a int, b text, PRIMARY KEY (a, b))");
            st.execute("CREATE TABLE " + schema + ".nopk (id int, v text)");
            st.execute("CREATE TABLE " + schema + ".outside (id int PRIMARY KEY)");
            st.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'wal2json')");
        }
    }

    @AfterEach
    void cleanUp() throws SQLException {
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot
                    + "' AND NOT active");
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    private Map<String, String> env(int httpPort) {
        Map<String, String> env = TestEnv.runnerEnv();
        env.put("KINESIS_STREAM", "snapops-it");
        env.put("REPLICATION_SLOT", slot);
        env.put("CDC_HTTP_PORT", Integer.toString(httpPort));
        env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", dir.resolve("offsets.dat").toString());
        env.put("CDC_WAL2JSON_ADD_TABLES", schema + ".orders," + schema + ".lines," + schema + ".nopk");
        return env;
    }

    /** The snapshot requests in the slot's pending WAL, oldest first (the slot is only peeked, never advanced). */
    private List<JsonNode> requests() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT data FROM pg_logical_slot_peek_changes('" + slot
                     + "', NULL, NULL, 'format-version', '2', 'add-msg-prefixes', 'cdclr.snapshot')")) {
            while (rs.next()) {
                JsonNode change = JSON.readTree(rs.getString(1));
                if ("M".equals(change.path("action").asText())) {
                    assertEquals("cdclr.snapshot", change.get("prefix").asText());
                    assertTrue(change.get("transactional").asBoolean(), "transactional: " + change);
                    // The connector's own parser accepts it: what the runner will read from its stream.
                    io.cdclr.connector.snapshot.SnapshotRequest.parse(change.get("content").asText());
                    out.add(JSON.readTree(change.get("content").asText()));
                }
            }
        }
        return out;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void requestsRefusalsCancelAndStatus() throws Exception {
        long started = System.nanoTime();
        Map<String, String> env = env(freePort());

        RunnerProcess.Result ok = RunnerProcess.runToEnd(env, "snapshot", "--tables",
                schema + ".orders," + schema + ".lines", "--chunk-size", "100");
        System.out.println("snapshot --tables:\n" + ok.stdout() + ok.stderr());
        assertEquals(0, ok.exitCode(), ok.stderr());
        List<JsonNode> written = requests();
        assertEquals(1, written.size(), "one request in the WAL: " + written);
        JsonNode start = written.get(0);
        assertEquals("start", start.get("action").asText());
        assertEquals(List.of(schema + ".orders", schema + ".lines"),
                List.of(start.get("tables").get(0).asText(), start.get("tables").get(1).asText()));
        assertEquals(2, start.get("tables").size());
        assertEquals(100, start.get("chunk_size").asLong());
        String id = start.get("id").asText();
        assertTrue(ok.stdout().contains("requested id=" + id + " tables=" + schema + ".orders," + schema + ".lines"),
                ok.stdout());
        assertTrue(ok.stdout().contains("SQL equivalent: SELECT pg_logical_emit_message(true, 'cdclr.snapshot', '"
                + start + "');"), ok.stdout());

        RunnerProcess.Result refused = RunnerProcess.runToEnd(env, "snapshot", "--tables",
                schema + ".missing," + schema + ".nopk," + schema + ".outside," + schema + ".orders");
        System.out.println("refused:\n" + refused.stdout() + refused.stderr());
        assertEquals(2, refused.exitCode(), refused.stdout());
        assertEquals(1, refused.stderr().strip().lines().count(), "one line: " + refused.stderr());
        String line = refused.stderr().strip();
        assertTrue(line.startsWith("error: snapshot refused: "), line);
        assertTrue(line.contains(schema + ".missing does not exist"), line);
        assertTrue(line.contains(schema + ".nopk has no primary key"), line);
        assertTrue(line.contains(schema + ".outside is not captured by the table filter"), line);
        assertFalse(line.contains(schema + ".orders "), "the good table is not named: " + line);
        assertFalse(line.contains("Exception"), line);
        assertEquals(1, requests().size(), "nothing written when refused");

        Map<String, String> noSlot = new HashMap<>(env);
        noSlot.put("REPLICATION_SLOT", slot + "_missing");
        RunnerProcess.Result slotless = RunnerProcess.runToEnd(noSlot, "snapshot", "--tables", schema + ".orders");
        assertEquals(2, slotless.exitCode(), slotless.stdout());
        assertTrue(slotless.stderr().contains("replication slot '" + slot + "_missing' does not exist"),
                slotless.stderr());

        RunnerProcess.Result cancel = RunnerProcess.runToEnd(env, "snapshot", "--cancel");
        System.out.println("cancel:\n" + cancel.stdout() + cancel.stderr());
        assertEquals(0, cancel.exitCode(), cancel.stderr());
        List<JsonNode> after = requests();
        assertEquals(2, after.size(), after.toString());
        assertEquals("cancel", after.get(1).get("action").asText());
        assertTrue(cancel.stdout().contains("cancel requested id=" + after.get(1).get("id").asText()), cancel.stdout());

        RunnerProcess.Result none = RunnerProcess.runToEnd(env, "snapshot", "--status");
        System.out.println("status (no offset):\n" + none.stdout() + none.stderr());
        assertEquals(0, none.exitCode(), none.stderr());
        assertTrue(none.stdout().contains("no snapshot running"), none.stdout());
        assertTrue(none.stdout().contains("is not reachable; the stored offset above is all there is"), none.stdout());

        String progress = new io.cdclr.connector.snapshot.SnapshotProgress(id, List.of(schema + ".lines"),
                schema + ".orders", List.of("41"), Map.of(schema + ".orders", 41L), 3, 100).toJson();
        HashMap<byte[], byte[]> raw = new HashMap<>();
        raw.put(("[\"cdc-runner\",{\"database\":\"cdc\",\"slot\":\"" + slot + "\"}]").getBytes(StandardCharsets.UTF_8),
                ("{\"lsn\":100,\"confirm_lsn\":16777216,\"snapshot\":" + JSON.valueToTree(progress) + "}")
                        .getBytes(StandardCharsets.UTF_8));
        try (ObjectOutputStream os = new ObjectOutputStream(Files.newOutputStream(dir.resolve("offsets.dat")))) {
            os.writeObject(raw);
        }
        RunnerProcess.Result stored = RunnerProcess.runToEnd(env, "snapshot", "--status");
        System.out.println("status (stored):\n" + stored.stdout() + stored.stderr());
        assertEquals(0, stored.exitCode(), stored.stderr());
        assertTrue(stored.stdout().contains("as of the last offset flush): id=" + id), stored.stdout());
        assertTrue(stored.stdout().contains("table=" + schema + ".orders"), stored.stdout());
        assertTrue(stored.stdout().contains("chunks=3"), stored.stdout());
        assertTrue(stored.stdout().contains("rows_total=41"), stored.stdout());

        // A new request while the stored offset shows one running: written (the offset may be stale), with a warning.
        RunnerProcess.Result again = RunnerProcess.runToEnd(env, "snapshot", "--tables", schema + ".lines");
        assertEquals(0, again.exitCode(), again.stderr());
        assertTrue(again.stderr().startsWith("warning: the stored offset (as of its last flush) shows a snapshot running"
                + " (id=" + id), again.stderr());
        assertEquals(3, requests().size());
        System.out.printf("SnapshotCommandIT took %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /**
     * End to end with the running runner JAR: 250 rows written before the slot existed, snapshot asked for with the
     * command; the rows arrive in Kinesis (each once, marked), and /metrics and {@code snapshot --status} (live
     * figures) show the finished snapshot.
     */
    @Test
    void runningRunnerSnapshotsAndExportsMetrics() throws Exception {
        long started = System.nanoTime();
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            st.execute("INSERT INTO " + schema + ".orders SELECT g, 'v' || g FROM generate_series(1, 250) g");
        }
        try (io.cdclr.runner.testing.TestStream stream = new io.cdclr.runner.testing.TestStream("snapops-" + u, 1)) {
            Map<String, String> env = env(0);
            env.remove("CDC_HTTP_PORT"); // RunnerProcess picks a free one
            env.put("KINESIS_STREAM", stream.name());
            env.put("CDC_OFFSET_FLUSH_INTERVAL_MS", "200");
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                runner.awaitReady(java.time.Duration.ofSeconds(60));
                Map<String, String> cli = new HashMap<>(env);
                cli.put("CDC_HTTP_PORT", Integer.toString(runner.port()));
                RunnerProcess.Result ok = RunnerProcess.runToEnd(cli, "snapshot", "--tables", schema + ".orders",
                        "--chunk-size", "100");
                assertEquals(0, ok.exitCode(), ok.stderr());
                List<software.amazon.awssdk.services.kinesis.model.Record> records = stream.readUntil(
                        r -> r.size() >= 250, java.time.Duration.ofSeconds(60));
                java.util.Set<String> keys = new java.util.HashSet<>();
                for (var r : records) {
                    String data = r.data().asUtf8String();
                    assertTrue(data.contains("\"snapshot\":\"") && data.contains("\"action\":\"I\""), data);
                    keys.add(r.partitionKey());
                }
                assertEquals(250, records.size(), "each row once");
                assertEquals(250, keys.size());
                String metrics = "";
                for (int i = 0; i < 100 && !metrics.contains("\ncdc_snapshot_running 0.0"); i++) {
                    Thread.sleep(200);
                    metrics = runner.http("/metrics");
                }
                List<String> lines = metrics.lines().filter(l -> l.startsWith("cdc_snapshot_")).toList();
                System.out.println("metrics after the snapshot: " + lines);
                assertTrue(lines.contains("cdc_snapshot_running 0.0"), lines.toString());
                assertTrue(lines.contains("cdc_snapshot_rows_total{table=\"" + schema + ".orders\"} 250.0"),
                        lines.toString());
                assertTrue(lines.contains("cdc_snapshot_chunks_total 3.0"), "100 + 100 + 50: " + lines);
                RunnerProcess.Result status = RunnerProcess.runToEnd(cli, "snapshot", "--status");
                System.out.println("status (live):\n" + status.stdout() + status.stderr());
                assertEquals(0, status.exitCode(), status.stderr());
                assertTrue(status.stdout().contains("snapshot live (http://127.0.0.1:" + runner.port() + "/metrics): "),
                        status.stdout());
                assertTrue(status.stdout().contains("cdc_snapshot_rows_total{table=\"" + schema + ".orders\"}=250.0"),
                        status.stdout());
            }
        }
        System.out.printf("SnapshotCommandIT end to end took %.1f s%n", (System.nanoTime() - started) / 1e9);
    }
}
