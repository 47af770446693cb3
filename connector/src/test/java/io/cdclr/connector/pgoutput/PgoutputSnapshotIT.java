package io.cdclr.connector.pgoutput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.ExactJson;
import io.cdclr.testsupport.DifferentialWorkload;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cdclr.testsupport.LocalServices;

/**
 * snapshot.mode=initial: rows that existed before capture began arrive as I envelopes, then the stream continues
 * from the snapshot's point, with no row missing and none twice, also when rows are inserted while the snapshot runs.
 */
class PgoutputSnapshotIT {
    private static final int MAX_STREAMED_ID = 15000;

    private final String id = "pgs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final String s = id;
    private final String dbzSlot = id + "_dbz";
    private final String w2jSlot = id + "_w2j";
    private final String publication = id + "_pub";
    private PgoutputHarness harness;

    @BeforeEach
    void createSchema() throws SQLException {
        exec("CREATE SCHEMA " + s);
    }

    @AfterEach
    void dropEverything() throws Exception {
        PgoutputHarness.closeAndDrop(harness, s, publication, List.of(w2jSlot, dbzSlot));
    }

    @Test
    void tenThousandExistingRowsThenStreamedInsertsArriveExactlyOnceWithNoGap() throws Exception {
        exec("CREATE TABLE " + s + ".existing(id int primary key, v text)",
                "INSERT INTO " + s + ".existing SELECT g, 'row ' || g FROM generate_series(1, 10000) g",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + s + ".existing");
        harness = new PgoutputHarness(dbzSlot);
        harness.start(PgoutputHarness.properties(id, dbzSlot, publication, s, "initial", s + "-.*"));

        // Inserts, one per transaction, from before the snapshot starts until after streaming has begun: each lands
        // either in the snapshot or in the stream, never in both and never in neither.
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        AtomicInteger lastInserted = new AtomicInteger(10000);
        AtomicInteger stopAt = new AtomicInteger(MAX_STREAMED_ID);
        Thread writer = new Thread(() -> {
            try (Connection c = LocalServices.connect(); Statement st = c.createStatement()) {
                for (int i = 10001; i <= stopAt.get(); i++) {
                    st.execute("INSERT INTO " + s + ".existing VALUES (" + i + ", 'streamed " + i + "')");
                    lastInserted.set(i);
                    Thread.sleep(2);
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        });
        writer.start();
        harness.awaitStreaming(Duration.ofSeconds(180));
        stopAt.set(Math.min(MAX_STREAMED_ID, lastInserted.get() + 100)); // some more while streaming
        writer.join(300_000);
        assertEquals(null, writerFailure.get());
        int last = lastInserted.get() + 1;
        exec("INSERT INTO " + s + ".existing VALUES (" + last + ", 'after the writer')",
                "SELECT pg_logical_emit_message(true, '" + s + "-end', 'done')");

        List<SourceRecord> records = harness.takeUntil(r -> ((String) r.value()).contains("\"prefix\":\"" + s + "-end\""),
                Duration.ofSeconds(300));
        Map<Integer, Integer> seen = new HashMap<>();
        int snapshotted = 0;
        int lastStreamed = 0;
        for (SourceRecord r : records.subList(0, records.size() - 1)) {
            JsonNode env = ExactJson.MAPPER.readTree((String) r.value());
            assertEquals("I", env.path("action").asText(), (String) r.value());
            assertEquals("cdc." + s + ".existing", r.topic());
            int rowId = env.path("columns").get(0).path("value").intValue();
            seen.merge(rowId, 1, Integer::sum);
            assertEquals(s + ".existing|" + rowId, r.key());
            boolean fromSnapshot = r.sourceOffset().containsKey("snapshot") || r.sourceOffset().containsKey("last_snapshot_record");
            if (fromSnapshot) {
                snapshotted++;
                assertEquals(0, lastStreamed, "snapshot rows come before streamed ones");
            } else {
                assertTrue(rowId > lastStreamed, "streamed in commit order: " + rowId + " after " + lastStreamed);
                lastStreamed = rowId;
            }
        }
        for (int i = 1; i <= last; i++) {
            assertEquals(1, seen.getOrDefault(i, 0), "row " + i + " exactly once");
        }
        assertEquals(last, seen.size());
        assertTrue(snapshotted >= 10000, "the 10,000 existing rows came from the snapshot: " + snapshotted);
        assertTrue(last - snapshotted >= 100, "rows were streamed after the snapshot: " + (last - snapshotted));
        System.out.println("snapshot IT: " + snapshotted + " rows from the snapshot, " + (last - snapshotted) + " streamed");
    }

    /**
     * The snapshot reads rows over JDBC, not from pgoutput: its I envelopes must still carry the same columns, types
     * and values as wal2json's for the INSERTs that wrote those rows (timestamp and lsn differ by nature).
     */
    @Test
    void snapshotRowsEqualWal2JsonInsertsOfTheSameRowsForEveryType() throws Exception {
        List<String> setup = new ArrayList<>(DifferentialWorkload.typeTablesDdl(s));
        exec(setup.toArray(String[]::new));
        exec("SELECT pg_create_logical_replication_slot('" + w2jSlot + "', 'wal2json')");
        exec(DifferentialWorkload.typeRows(s).toArray(String[]::new));
        exec("CREATE PUBLICATION " + publication + " FOR TABLES IN SCHEMA " + s);
        // The walsender decodes only flushed WAL (with synchronous_commit=off a commit may not be yet): wait for all.
        int expectedRows = 14; // kitchen 1, 3..11; more_types 4 rows
        List<JsonNode> inserts = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (inserts.size() < expectedRows && System.nanoTime() < deadline) {
            inserts = peekInserts();
            if (inserts.size() < expectedRows) {
                Thread.sleep(200);
            }
        }
        assertEquals(expectedRows, inserts.size(), "wal2json saw every insert");

        harness = new PgoutputHarness(dbzSlot);
        harness.start(PgoutputHarness.properties(id, dbzSlot, publication, s, "initial", s + "-.*"));
        harness.awaitStreaming(Duration.ofSeconds(180));
        exec("SELECT pg_logical_emit_message(true, '" + s + "-end', 'done')");
        List<SourceRecord> records = harness.takeUntil(r -> ((String) r.value()).contains("\"prefix\":\"" + s + "-end\""),
                Duration.ofSeconds(180));

        Map<String, JsonNode> snapshot = new HashMap<>();
        for (SourceRecord r : records.subList(0, records.size() - 1)) {
            JsonNode env = ExactJson.MAPPER.readTree((String) r.value());
            snapshot.put(rowKey(env), withoutTimestampAndLsn(env));
        }
        assertEquals(inserts.size(), snapshot.size(), "one snapshot row per inserted row: " + snapshot.keySet());
        for (JsonNode insert : inserts) {
            JsonNode expected = withoutTimestampAndLsn(insert);
            assertEquals(expected, snapshot.get(rowKey(insert)), "snapshot row of " + rowKey(insert));
        }
    }

    private List<JsonNode> peekInserts() throws Exception {
        List<JsonNode> inserts = new ArrayList<>();
        try (Connection c = LocalServices.connect(); Statement st = c.createStatement()) {
            st.execute("SET search_path = ''");
            try (ResultSet rs = st.executeQuery("SELECT data FROM pg_logical_slot_peek_changes('" + w2jSlot + "', NULL, NULL,"
                    + " 'format-version', '2', 'include-pk', '1', 'include-lsn', '1', 'include-timestamp', '1',"
                    + " 'include-transaction', '0', 'add-tables', '" + s + ".*', 'add-msg-prefixes', '" + s + "-none')")) {
                while (rs.next()) {
                    inserts.add(ExactJson.MAPPER.readTree(rs.getString(1)));
                }
            }
        }
        return inserts;
    }

    /**
     * Bonus: an incremental snapshot requested through Debezium's signal table (a table of the publication) while
     * streaming: the table's rows arrive as I envelopes, each once (no writes to the table meanwhile).
     */
    @Test
    void incrementalSnapshotThroughTheSignalTableSendsEveryRowAsInsert() throws Exception {
        exec("CREATE TABLE " + s + ".later(id int primary key, v text)",
                "INSERT INTO " + s + ".later SELECT g, 'row ' || g FROM generate_series(1, 500) g",
                "CREATE TABLE " + s + ".dbz_signal(id varchar(42) primary key, type varchar(32) not null, data varchar(2048))",
                "CREATE PUBLICATION " + publication + " FOR TABLES IN SCHEMA " + s);
        java.util.Properties props = PgoutputHarness.properties(id, dbzSlot, publication, s, "no_data", s + "-.*");
        props.setProperty("signal.data.collection", s + ".dbz_signal");
        props.setProperty("incremental.snapshot.chunk.size", "128");
        harness = new PgoutputHarness(dbzSlot);
        harness.start(props);
        harness.awaitStreaming(Duration.ofSeconds(180));
        exec("INSERT INTO " + s + ".dbz_signal VALUES ('sig-1', 'execute-snapshot',"
                + " '{\"data-collections\": [\"" + s + ".later\"], \"type\": \"incremental\"}')");

        Map<Integer, Integer> seen = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
        while (seen.size() < 500 && System.nanoTime() < deadline) {
            exec("SELECT pg_logical_emit_message(true, '" + s + "-tick', 'x')");
            for (SourceRecord r : harness.takeUntil(x -> ((String) x.value()).contains("\"prefix\":\"" + s + "-tick\""),
                    Duration.ofSeconds(120))) {
                if (r.topic().equals("cdc." + s + ".later")) {
                    JsonNode env = ExactJson.MAPPER.readTree((String) r.value());
                    assertEquals("I", env.path("action").asText(), (String) r.value());
                    seen.merge(env.path("columns").get(0).path("value").intValue(), 1, Integer::sum);
                }
            }
        }
        for (int i = 1; i <= 500; i++) {
            assertEquals(1, seen.getOrDefault(i, 0), "row " + i + " exactly once");
        }
    }

    private static String rowKey(JsonNode env) {
        return env.path("table").asText() + "/" + env.path("columns").get(0).path("value").asText();
    }

    private static JsonNode withoutTimestampAndLsn(JsonNode env) {
        ObjectNode copy = env.deepCopy();
        copy.remove("timestamp");
        copy.remove("lsn");
        return copy;
    }

    private static void exec(String... statements) throws SQLException {
        LocalServices.execChecked(statements);
    }
}
