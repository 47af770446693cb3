package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Db;
import io.cdclr.runner.testing.Capture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdclr.connector.snapshot.SnapshotRequest;
import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Issue 21: kill -9 twice during an incremental snapshot of a table filled before the slot existed, while a workload
 * updates its rows. Nothing is missing (the streamed changes per the oracle slot, and the table's final content per a
 * consumer that applies every record in stream order), and each restart resumes exactly after the row the stored offset
 * names (read from the offset file after the kill), and the rows re-read per kill (snapshot rows delivered before the
 * kill beyond that key: delivered, offset not yet stored) are at most one chunk: the engine reads the next chunk only
 * once the host has stored every snapshot row it handed out.
 *
 * <p>Shared PostgreSQL and kinesalite. Default: 6,000 rows, chunks of 200 (the writer's per-shard pacing, 1,000
 * records/s on the one shard, spreads the snapshot's delivery over a few seconds, time to kill it twice);
 * {@code -Dfaults.full=true}: 60,000 rows.
 */
class SnapshotFaultIT {
    private static final boolean FULL = Boolean.getBoolean("faults.full");
    private static final Duration READY = Duration.ofSeconds(90);
    private static final int ROWS = FULL ? 60_000 : 6_000;
    private static final int CHUNK = 200;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RESUMED = Pattern.compile("Resuming snapshot \\S+ at table \\S+ after key \\[(\\d+)]");

    @TempDir
    Path dir;

    @AfterEach
    void keepLogs() throws Exception {
        FaultLogs.keep("SnapshotFaultIT", dir.resolve("runner0.log"), dir.resolve("runner1.log"), dir.resolve("runner2.log"));
    }

    @Test
    void killedTwiceDuringASnapshotMissesNothingAndResumesAtTheStoredRow() throws Exception {
        long started = System.nanoTime();
        String id = TestEnv.unique();
        FaultReport report = new FaultReport();
        try (Capture capture = Capture.plain(Db.shared(), id,
                "CREATE TABLE items(id bigint primary key, v int not null, note text)",
                "INSERT INTO items SELECT g, 0, 'initial ' || g FROM generate_series(1, " + ROWS + ") g");
             TestStream stream = new TestStream("fault-snap-" + id, 1)) {
            Map<String, String> env = capture.runnerEnv(TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"),
                    stream.name(), dir.resolve("offsets.dat"));
            // The snapshot's requests and watermarks must pass the message-prefix filter.
            env.put("CDC_WAL2JSON_ADD_MSG_PREFIXES", capture.messagePrefix + ",cdclr.snapshot,cdclr.snapshot.wm");
            env.put("CDC_SNAPSHOT_CHUNK_SIZE", Integer.toString(CHUNK));
            env.put("CDC_OFFSET_FLUSH_INTERVAL_MS", "50");
            // Small engine batches: the engine stores offsets between batches, so a batch bounds what a kill re-sends.
            env.put("CDC_POLL_MAX_RECORDS", "50");
            KinesisClient reader = TestEnv.kinesis();
            List<String> exits = new ArrayList<>();
            List<Integer> reReadPerKill = new ArrayList<>();
            List<String> storedVsResumed = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong updates = new AtomicLong();
            Thread workload = new Thread(() -> updates(capture, stop, updates), "snapshot-fault-workload");
            int finalExit;
            try {
                RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner0.log"));
                runner.awaitReady(READY);
                workload.start();
                capture.execute(SnapshotRequest.sql(SnapshotRequest.start(List.of(capture.schema + ".items"), 0)));
                for (int kill = 1; kill <= 2; kill++) {
                    awaitDelivered(runner, ROWS / 5); // delivered by this runner process (its metric starts at 0)
                    boolean finishedBeforeKill = runner.output().contains("event=snapshot_finished");
                    runner.kill();
                    exits.add("kill -9 #" + kill + " (exit " + runner.awaitExit(Duration.ofSeconds(10)) + ")");
                    Set<Long> before = snapshotIds(StreamTap.readAll(reader, stream.name()));
                    long storedKey = storedSnapshotKey(dir.resolve("offsets.dat"));
                    runner = RunnerProcess.start(env, dir.resolve("runner" + kill + ".log"));
                    runner.awaitReady(READY);
                    assertTrue(!finishedBeforeKill || !before.isEmpty() && before.size() < ROWS - CHUNK,
                            "the snapshot was read to its end before kill " + kill + " (" + before.size()
                                    + " rows delivered): the kill came too late to test a resume");
                    long resumedAfter = awaitResumed(runner);
                    int reRead = (int) before.stream().filter(k -> k > resumedAfter).count();
                    reReadPerKill.add(reRead);
                    storedVsResumed.add(storedKey + "/" + resumedAfter);
                    System.out.printf("SnapshotFaultIT: kill %d: %d snapshot rows delivered, stored progress after key %d,"
                            + " resumed after key %d, rows re-read %d%n", kill, before.size(), storedKey, resumedAfter, reRead);
                    // The engine resumes exactly where the stored offset says: nothing stored is read again.
                    assertEquals(storedKey, resumedAfter, "resumed at the stored progress");
                }
                awaitSnapshotRows(reader, stream.name(), ROWS * 9 / 10, runner);
                stop.set(true);
                workload.join();
                capture.execute("INSERT INTO items VALUES (-1, 0, 'end')");
                List<String> oracle = capture.oracle();
                awaitFinal(reader, stream.name(), oracle.size());
                finalExit = runner.terminate(Duration.ofSeconds(60));
                exits.add("SIGTERM (exit " + finalExit + ")");
            } finally {
                stop.set(true);
                workload.join();
            }

            List<Record> records = StreamTap.readAll(reader, stream.name());
            List<Record> streamed = new ArrayList<>();
            List<Record> snapshotRows = new ArrayList<>();
            for (Record r : records) {
                (r.data().asUtf8String().contains("\"snapshot\":") ? snapshotRows : streamed).add(r);
            }
            Checker.Result result = Checker.check(capture.oracle(), streamed);
            Map<Long, String> applied = apply(records);
            Map<Long, String> table = table(capture);
            int stateMissing = 0;
            for (Map.Entry<Long, String> e : table.entrySet()) {
                if (!e.getValue().equals(applied.get(e.getKey()))) {
                    stateMissing++;
                }
            }
            int stateExtra = (int) applied.keySet().stream().filter(k -> !table.containsKey(k)).count();
            Set<Long> distinct = snapshotIds(snapshotRows);
            int snapshotDuplicates = snapshotRows.size() - distinct.size();
            String line = String.format("committed %d streamed + %d rows, delivered %d (%d snapshot rows), missing %d"
                            + " (streamed %d, final state %d, extra rows %d), duplicated %d streamed + %d snapshot,"
                            + " order violations %d, rows re-read per kill %s (chunk %d; stored/resumed key %s), updates %d, took %d s",
                    result.committed(), ROWS, records.size(), snapshotRows.size(), result.missing() + stateMissing,
                    result.missing(), stateMissing, stateExtra, result.duplicated(), snapshotDuplicates,
                    result.orderViolations(), reReadPerKill, CHUNK, storedVsResumed, updates.get(), (System.nanoTime() - started) / 1_000_000_000L);
            report.add("kill -9 twice during a snapshot", result, String.join(", ", exits), line);
            report.write(Path.of("target", "fault-report-SnapshotFaultIT.txt"));
            System.out.println("SnapshotFaultIT: " + line);

            assertEquals(0, finalExit, "the last runner stops cleanly on SIGTERM");
            assertEquals(0, result.missing(), "streamed changes missing: " + result);
            assertEquals(0, result.orderViolations(), "order: " + result);
            assertEquals(0, stateMissing, "rows whose final state the consumer does not reach");
            assertEquals(0, stateExtra, "rows the consumer has that the table does not");
            assertEquals(2, reReadPerKill.size());
            // Rows re-sent after a kill are those delivered but not yet stored; the engine does not read a chunk before
            // every row of the previous one is stored, so they all belong to one chunk.
            for (int i = 0; i < reReadPerKill.size(); i++) {
                assertTrue(reReadPerKill.get(i) <= CHUNK, "kill " + (i + 1) + " re-read " + reReadPerKill.get(i)
                        + " rows, more than one chunk (" + CHUNK + ")");
            }
        }
    }

    /** The stored snapshot progress's last key (the runner's file offset store: a serialized map of JSON bytes). */
    @SuppressWarnings("unchecked")
    private static long storedSnapshotKey(Path file) throws Exception {
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(Files.newInputStream(file))) {
            Map<byte[], byte[]> raw = (Map<byte[], byte[]>) in.readObject();
            for (byte[] value : raw.values()) {
                JsonNode offset = JSON.readTree(value);
                if (offset.has("snapshot")) {
                    var progress = io.cdclr.connector.snapshot.SnapshotProgress.fromJson(offset.get("snapshot").asText());
                    return progress.lastKey() == null ? 0 : Long.parseLong(progress.lastKey().get(0));
                }
            }
        }
        return -1;
    }

    private static void updates(Capture capture, AtomicBoolean stop, AtomicLong count) {
        Random random = new Random(21);
        try (Connection c = capture.db.connect(); Statement st = c.createStatement()) {
            st.execute("SET search_path = " + capture.schema);
            while (!stop.get()) {
                long id = 1 + random.nextInt(ROWS);
                st.execute(random.nextInt(10) == 0 ? "DELETE FROM items WHERE id = " + id
                        : "UPDATE items SET v = v + 1, note = 'u" + count.get() + "' WHERE id = " + id);
                count.incrementAndGet();
                Thread.sleep(20);
            }
        } catch (SQLException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitSnapshotRows(KinesisClient reader, String stream, int atLeast, RunnerProcess runner)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(FULL ? 600 : 90).toNanos();
        while (System.nanoTime() < deadline) {
            // A cheap count (no JSON parsing): this only times the kills.
            if (StreamTap.readAll(reader, stream).stream()
                    .filter(r -> Envelopes.data(r).contains("\"snapshot\":")).count() >= atLeast) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fewer than " + atLeast + " snapshot rows delivered in time:\n" + runner.output());
    }

    /** Waits until the runner has delivered {@code atLeast} changes (its metric: cheap to poll, it only times the kill). */
    private static void awaitDelivered(RunnerProcess runner, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(FULL ? 600 : 90).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                long delivered = runner.http("/metrics").lines().filter(l -> l.startsWith("cdc_changes_delivered_total"))
                        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                if (delivered >= atLeast) {
                    return;
                }
            } catch (java.io.IOException | RuntimeException e) {
                // not up yet
            }
            Thread.sleep(20);
        }
        throw new AssertionError("fewer than " + atLeast + " changes delivered in time:\n" + runner.output());
    }

    private static void awaitFinal(KinesisClient reader, String stream, int oracleSize) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(FULL ? 600 : 90).toNanos();
        while (System.nanoTime() < deadline) {
            List<Record> all = StreamTap.readAll(reader, stream);
            if (all.stream().anyMatch(r -> r.data().asUtf8String().contains("\"end\""))) {
                return;
            }
            Thread.sleep(500);
        }
    }

    /** The key the restarted runner resumed the snapshot after, from its log. */
    private static long awaitResumed(RunnerProcess runner) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = RESUMED.matcher(runner.output());
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the restarted runner did not resume the snapshot:\n" + runner.output());
    }

    private static Set<Long> snapshotIds(List<Record> records) {
        Set<Long> ids = new HashSet<>();
        for (Record r : records) {
            String data = r.data().asUtf8String();
            if (data.contains("\"snapshot\":")) {
                ids.add(idOf(read(data).path("columns")));
            }
        }
        return ids;
    }

    /** Applies every record in stream order (one shard): I/U set the row, D removes it. */
    private static Map<Long, String> apply(List<Record> records) {
        Map<Long, String> rows = new TreeMap<>();
        for (Record r : records) {
            JsonNode e = read(r.data().asUtf8String());
            switch (e.path("action").asText()) {
                case "I", "U" -> rows.put(idOf(e.path("columns")), rowText(e.path("columns")));
                case "D" -> rows.remove(idOf(e.path("identity")));
                default -> { }
            }
        }
        return rows;
    }

    private static long idOf(JsonNode columns) {
        for (JsonNode c : columns) {
            if ("id".equals(c.path("name").asText())) {
                return c.path("value").asLong();
            }
        }
        throw new IllegalStateException("no id in " + columns);
    }

    private static String rowText(JsonNode columns) {
        Map<String, String> row = new TreeMap<>();
        columns.forEach(c -> row.put(c.path("name").asText(), c.path("value").asText()));
        return row.toString();
    }

    private static Map<Long, String> table(Capture capture) throws SQLException {
        Map<Long, String> rows = new TreeMap<>();
        try (Connection c = capture.db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, v, note FROM " + capture.schema + ".items")) {
            while (rs.next()) {
                Map<String, String> row = new TreeMap<>();
                row.put("id", rs.getString(1));
                row.put("v", rs.getString(2));
                row.put("note", rs.getString(3));
                rows.put(rs.getLong(1), row.toString());
            }
        }
        return rows;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
