package io.cdclr.runner.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import io.cdclr.runner.cli.KinesisStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * The end-to-end path against whatever the environment points at: the local services in the default test run, or
 * the dev AWS stack (RDS + Kinesis) with {@code RUN_INTEGRATION_TESTS=1}. Each test has its own slot and table,
 * dropped afterwards, and reads Kinesis only from a point taken before it started, so other traffic on a shared
 * stream and other developers' slots never interfere.
 */
@Tag("integration")
@ExtendWith(IntegrationTarget.class)
class DevStackIT {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private final String id = TestEnv.unique();
    private final String slot = TestEnv.env("REPLICATION_SLOT", "it_slot") + "_" + id;
    private String schema;
    private String table;
    private TestStream ownStream;
    private String stream;

    @BeforeEach
    void createTableAndSlot() throws SQLException {
        try (Connection conn = TestEnv.connect(); Statement st = conn.createStatement()) {
            // On the dev stack the replication user may create tables only in schema cdc (bootstrap_db.sh).
            schema = canCreateIn(conn, "cdc") ? "cdc" : "public";
            table = "it_orders_" + id;
            st.execute("CREATE TABLE " + schema + "." + table
                    + " (id int PRIMARY KEY, sku text NOT NULL, qty int, price numeric(10,2))");
            st.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'wal2json')");
        }
        if (IntegrationTarget.isLocal()) {
            ownStream = new TestStream("it-" + id, 2);
            stream = ownStream.name();
        } else {
            stream = System.getenv("KINESIS_STREAM");
        }
    }

    @AfterEach
    void dropEverything() throws SQLException {
        try (Connection conn = TestEnv.connect(); Statement st = conn.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot
                    + "' AND NOT active");
            st.execute("DROP TABLE IF EXISTS " + schema + "." + table);
        } finally {
            if (ownStream != null) {
                ownStream.close();
            }
        }
    }

    private static boolean canCreateIn(Connection conn, String schemaName) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT has_schema_privilege(current_user, n.oid, 'CREATE') FROM pg_namespace n WHERE nspname = ?")) {
            ps.setString(1, schemaName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private void workload() throws SQLException {
        try (Connection conn = TestEnv.connect(); Statement st = conn.createStatement()) {
            String t = schema + "." + table;
            st.execute("INSERT INTO " + t + " SELECT g, 'SKU-' || g, g, g * 1.10 FROM generate_series(1, 20) g");
            st.execute("UPDATE " + t + " SET qty = qty + 100 WHERE id <= 5");
            st.execute("UPDATE " + t + " SET price = 9.90 WHERE id = 1");
            st.execute("DELETE FROM " + t + " WHERE id IN (2, 4)");
        }
    }

    /** insert 20, update 5, update 1, delete 2 */
    private static final int CHANGES = 28;

    @Test
    void slotEmitsWal2jsonFramesForInsertUpdateDelete() throws Exception {
        workload();
        List<JsonNode> frames = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (frames.size() < CHANGES && System.nanoTime() < deadline) {
            frames.clear();
            try (Connection conn = TestEnv.connect(); Statement st = conn.createStatement()) {
                st.execute("SET search_path = ''");
                try (ResultSet rs = st.executeQuery("SELECT data FROM pg_logical_slot_peek_changes('" + slot + "', NULL, 1000,"
                        + " 'format-version', '2', 'include-pk', '1', 'include-lsn', '1', 'include-timestamp', '1',"
                        + " 'include-transaction', '0', 'add-tables', '" + schema + "." + table + "')")) {
                    while (rs.next()) {
                        frames.add(Envelopes.parse(rs.getString(1)));
                    }
                }
            }
            if (frames.size() < CHANGES) {
                Thread.sleep(250);
            }
        }
        assertEquals(CHANGES, frames.size(), "wal2json frames for the workload: " + frames);
        assertEquals(20, frames.stream().filter(f -> f.path("action").asText().equals("I")).count());
        assertEquals(6, frames.stream().filter(f -> f.path("action").asText().equals("U")).count());
        assertEquals(2, frames.stream().filter(f -> f.path("action").asText().equals("D")).count());
    }

    @Test
    void runnerDeliversToKinesisWithPartitionKeysAndPerRowOrder() throws Exception {
        Instant before = Instant.now().minusSeconds(5);
        Map<String, String> env = TestEnv.runnerEnv();
        env.putAll(liveEnv());
        env.put("KINESIS_STREAM", stream);
        env.put("REPLICATION_SLOT", slot);
        env.put("CDC_WAL2JSON_ADD_TABLES", schema + "." + table);
        env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", dir.resolve("offsets.dat").toString());
        // Deterministic batches: the source hands over at most 7 changes at a time.
        env.put("CDC_POLL_MAX_RECORDS", "7");
        try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
            runner.awaitReady(WAIT);
            workload();
            List<Record> ours = readOurRecords(before);
            assertEquals(CHANGES, ours.size(), "records of " + schema + "." + table + " on " + stream);
            Map<String, List<JsonNode>> byKey = new LinkedHashMap<>();
            for (Record record : ours) {
                JsonNode envelope = Envelopes.parse(record.data().asString(StandardCharsets.UTF_8));
                for (String field : new String[] {"action", "schema", "table", "lsn", "timestamp", "pk"}) {
                    assertTrue(envelope.has(field), field + " missing in " + envelope);
                }
                String action = envelope.get("action").asText();
                JsonNode rowValues = action.equals("D") ? envelope.get("identity") : envelope.get("columns");
                assertTrue(rowValues != null && rowValues.isArray(), "row values in " + envelope);
                String rowId = rowValues.get(0).get("value").asText();
                assertEquals(schema + "." + table + "|" + rowId, record.partitionKey(), "partition key of " + envelope);
                byKey.computeIfAbsent(record.partitionKey(), k -> new ArrayList<>()).add(envelope);
            }
            // Per row, commit order: I, then its updates, then the delete.
            assertEquals(List.of("I", "U", "U"), actions(byKey.get(schema + "." + table + "|1")));
            assertEquals(List.of("I", "U", "D"), actions(byKey.get(schema + "." + table + "|2")));
            assertEquals(List.of("I", "U", "D"), actions(byKey.get(schema + "." + table + "|4")));
            assertEquals(List.of("I"), actions(byKey.get(schema + "." + table + "|20")));
            assertEquals(0, runner.terminate(WAIT), runner.output());
        }
    }

    private static List<String> actions(List<JsonNode> envelopes) {
        return envelopes.stream().map(e -> e.get("action").asText()).toList();
    }

    /** The variables of the live target, passed through to the runner as they are. */
    private static Map<String, String> liveEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : new String[] {"PGSSLMODE", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_ROLE_ARN"}) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        return env;
    }

    private List<Record> readOurRecords(Instant since) throws InterruptedException {
        try (KinesisClient client = TestEnv.kinesis()) {
            KinesisStreamReader reader = KinesisStreamReader.since(client, stream, since);
            List<Record> ours = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (ours.size() < CHANGES && System.nanoTime() < deadline) {
                List<Record> batch = reader.poll();
                for (Record record : batch) {
                    JsonNode envelope = Envelopes.parse(record.data().asString(StandardCharsets.UTF_8));
                    if (table.equals(envelope.path("table").asText()) && schema.equals(envelope.path("schema").asText())) {
                        ours.add(record);
                    }
                }
                if (batch.isEmpty()) {
                    Thread.sleep(250);
                }
            }
            return ours;
        }
    }
}
