package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Db;
import io.cdclr.runner.testing.Capture;
import io.cdclr.testsupport.ThrottlingProxy;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * Issue 19, key changes: rows move {@code id -> id+1000} and back while the freed ids are inserted again (and some
 * are deleted), in many small transactions, with Kinesis behind a proxy that fails a share of every PutRecords' entries
 * (and for a while whole calls), on a stream of four shards. An update that changes the primary key is written under
 * its new key but must be ordered against its old key too: the checker counts order per new key and per old key.
 *
 * <p>Shared PostgreSQL and kinesalite, with a schema, slots and stream of its own. Default run: about 15 s of workload;
 * {@code -Dfaults.full=true}: 60 s. {@code -Dfaults.seed=N} replays a run.
 */
class KeyChangeFaultIT {
    private static final boolean FULL = Boolean.getBoolean("faults.full");
    private static final long SEED = Long.getLong("faults.seed", 20261203L);
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration CATCH_UP = Duration.ofSeconds(FULL ? 300 : 150);
    private static final int SHARDS = 4;
    private static final int ROWS = 150;
    private static final int MOVE = 1000;

    @TempDir
    Path dir;

    @AfterEach
    void keepLogs() throws Exception {
        FaultLogs.keep("KeyChangeFaultIT", dir.resolve("runner.log"));
    }

    @Test
    void keySwapsWithKeyReuseUnderThrottlingAreOrderedAgainstBothKeys() throws Exception {
        String id = TestEnv.unique();
        long workMillis = FULL ? 60_000 : 15_000;
        FaultReport report = new FaultReport();
        try (ThrottlingProxy proxy = new ThrottlingProxy(TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"), SEED);
             Capture capture = Capture.plain(Db.shared(), id,
                     "CREATE TABLE items(id bigint primary key, v int not null, note text)");
             TestStream stream = new TestStream("fault-keys-" + id, SHARDS)) {
            capture.execute("INSERT INTO items SELECT g, 0, 'initial' FROM generate_series(1, " + ROWS + ") g");
            Map<String, String> env = runnerEnv(capture, proxy.endpoint(), stream.name());
            KeySwaps swaps;
            String retries;
            int exitCode;
            String readyAtEnd;
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                runner.awaitReady(READY);
                proxy.mode(ThrottlingProxy.Mode.THROTTLE_ENTRIES);
                long started = System.nanoTime();
                try (KeySwaps workload = new KeySwaps(capture, SEED)) {
                    swaps = workload;
                    Thread.sleep(workMillis / 2);
                    proxy.mode(ThrottlingProxy.Mode.THROTTLE_CALLS);
                    Thread.sleep(2_000);
                    proxy.mode(ThrottlingProxy.Mode.THROTTLE_ENTRIES);
                    Thread.sleep(workMillis / 2);
                }
                proxy.mode(ThrottlingProxy.Mode.PASS);
                System.out.printf("KeyChangeFaultIT: workload %.1fs, %d transactions, %d key moves, %d failed%n",
                        (System.nanoTime() - started) / 1e9, swaps.committed.get(), swaps.moves.get(), swaps.failed.get());
                List<String> oracle = capture.oracle();
                KinesisClient reader = TestEnv.kinesis();
                awaitAll(oracle, () -> StreamTap.readAll(reader, stream.name()));
                retries = runner.metric("cdc_kinesis_retries_total{reason=\"throttled\"}");
                readyAtEnd = "ready " + runner.httpStatus("/health/ready");
                exitCode = runner.terminate(Duration.ofSeconds(60));
                String errors = runner.output().lines().filter(l -> l.contains("ERROR")).findFirst().orElse("none");
                Checker.Result result = Checker.check(oracle, StreamTap.readAll(reader, stream.name()),
                        shardOfKey(reader, stream.name()));
                report.add("key swaps + reuse, throttled", result, "exit " + exitCode + ", " + readyAtEnd,
                        "key changes " + result.keyChanges() + "; throttled calls " + proxy.throttledCalls.get()
                                + ", entries " + proxy.throttledEntries.get() + "; " + retries + "; error line: " + errors);
                report.write(Path.of("target", "fault-report-KeyChangeFaultIT.txt"));
                System.out.println("KeyChangeFaultIT: " + result);

                assertEquals(0, exitCode, runner.output());
                assertTrue(proxy.throttledEntries.get() > 0 && proxy.throttledCalls.get() > 0, "the proxy throttled");
                assertTrue(result.keyChanges() > 100, "key changes happened: " + result);
                assertEquals(0, result.missing(), "missing, " + result);
                assertEquals(0, result.unexpected(), "unexpected, " + result);
                assertEquals(0, result.newKeyViolations(), "order violations per new key, " + result);
                assertEquals(0, result.oldKeyViolations(), "order violations per old key, " + result);
            }
        }
    }

    private Map<String, String> runnerEnv(Capture capture, String endpoint, String stream) {
        return capture.runnerEnv(endpoint, stream, dir.resolve("offsets.dat"));
    }

    private static void awaitAll(List<String> oracle, java.util.function.Supplier<List<Record>> delivered)
            throws InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (System.nanoTime() < deadline) {
            List<Record> records = delivered.get();
            if (records.size() >= oracle.size() && Checker.check(oracle, records).missing() == 0) {
                return;
            }
            Thread.sleep(2000);
        }
    }

    /** Which shard a partition key goes to: the MD5 of its UTF-8 bytes, in the shards' hash-key ranges (as Kinesis does). */
    private static Function<String, String> shardOfKey(KinesisClient client, String stream) {
        List<Shard> shards = client.listShards(b -> b.streamName(stream)).shards();
        Map<String, String> cache = new HashMap<>();
        return key -> cache.computeIfAbsent(key, k -> {
            BigInteger hash;
            try {
                hash = new BigInteger(1, MessageDigest.getInstance("MD5").digest(k.getBytes(StandardCharsets.UTF_8)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            for (Shard shard : shards) {
                if (shard.sequenceNumberRange().endingSequenceNumber() == null
                        && hash.compareTo(new BigInteger(shard.hashKeyRange().startingHashKey())) >= 0
                        && hash.compareTo(new BigInteger(shard.hashKeyRange().endingHashKey())) <= 0) {
                    return shard.shardId();
                }
            }
            return "unknown";
        });
    }

    /**
     * Small transactions over rows 1..ROWS, each row a little state machine: at home (one row at {@code id}) it may be
     * moved to {@code id+1000} with its id inserted again at once (the freed key reused); away, the reused row is
     * updated or deleted, the moved row updated, or the reused row deleted and the moved one moved back. One
     * connection; a failed transaction is rolled back and its row states are kept as they were.
     */
    private static final class KeySwaps implements AutoCloseable {
        private final Capture capture;
        private final Random random;
        private final Thread thread;
        /** Per row: away (moved to id+1000) or not; whether the freed id holds a reused row. */
        private final boolean[] away = new boolean[ROWS + 1];
        private final boolean[] reused = new boolean[ROWS + 1];
        private volatile boolean running = true;
        final AtomicLong committed = new AtomicLong();
        final AtomicLong moves = new AtomicLong();
        final AtomicLong failed = new AtomicLong();

        KeySwaps(Capture capture, long seed) {
            this.capture = capture;
            this.random = new Random(seed);
            this.thread = new Thread(this::run, "key-swaps");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try (Connection conn = capture.db.connect()) {
                conn.setAutoCommit(false);
                try (Statement st = conn.createStatement()) {
                    st.execute("SET search_path = " + capture.schema);
                    // Many small transactions on a loaded machine: don't wait for each commit's WAL flush (this session only).
                    st.execute("SET synchronous_commit = off");
                }
                long tx = 0;
                while (running) {
                    tx++;
                    boolean[] awayAfter = away.clone();
                    boolean[] reusedAfter = reused.clone();
                    int movesInTx = 0;
                    try (Statement st = conn.createStatement()) {
                        int rows = 1 + random.nextInt(2);
                        for (int r = 0; r < rows; r++) {
                            int row = 1 + random.nextInt(ROWS);
                            movesInTx += step(st, row, tx, awayAfter, reusedAfter);
                        }
                        conn.commit();
                        System.arraycopy(awayAfter, 0, away, 0, away.length);
                        System.arraycopy(reusedAfter, 0, reused, 0, reused.length);
                        committed.incrementAndGet();
                        moves.addAndGet(movesInTx);
                    } catch (SQLException e) {
                        failed.incrementAndGet();
                        conn.rollback();
                    }
                    if (tx % 4 == 0) {
                        Thread.sleep(2);
                    }
                }
            } catch (SQLException | InterruptedException e) {
                failed.incrementAndGet();
                System.out.println("KeySwaps stopped: " + e);
            }
        }

        /** One change or two to the row's keys; returns the number of key moves. */
        private int step(Statement st, int row, long tx, boolean[] awayNow, boolean[] reusedNow) throws SQLException {
            int moved = row + MOVE;
            if (!awayNow[row]) {
                if (random.nextInt(4) == 0) {
                    st.execute("UPDATE items SET v = v + 1, note = 'u" + tx + "' WHERE id = " + row);
                    return 0;
                }
                // Move away and reuse the freed id at once: the insert is a later change of the old key.
                st.execute("UPDATE items SET id = id + " + MOVE + ", note = 'moved " + tx + "' WHERE id = " + row);
                st.execute("INSERT INTO items VALUES (" + row + ", 0, 'reused " + tx + "')");
                awayNow[row] = true;
                reusedNow[row] = true;
                return 1;
            }
            switch (random.nextInt(5)) {
                case 0 -> {
                    if (reusedNow[row]) {
                        st.execute("UPDATE items SET v = v + 1, note = 'r" + tx + "' WHERE id = " + row);
                    } else {
                        st.execute("INSERT INTO items VALUES (" + row + ", 0, 'reused " + tx + "')");
                        reusedNow[row] = true;
                    }
                    return 0;
                }
                case 1 -> {
                    st.execute("UPDATE items SET v = v + 1, note = 'm" + tx + "' WHERE id = " + moved);
                    return 0;
                }
                case 2 -> {
                    if (reusedNow[row]) {
                        st.execute("DELETE FROM items WHERE id = " + row);
                        reusedNow[row] = false;
                    }
                    return 0;
                }
                default -> {
                    // Back home: the reused row makes room, then the moved row takes its id again.
                    if (reusedNow[row]) {
                        st.execute("DELETE FROM items WHERE id = " + row);
                        reusedNow[row] = false;
                    }
                    st.execute("UPDATE items SET id = id - " + MOVE + ", note = 'back " + tx + "' WHERE id = " + moved);
                    awayNow[row] = false;
                    return 1;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(30_000);
        }
    }
}
