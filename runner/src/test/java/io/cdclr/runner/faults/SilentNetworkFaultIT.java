package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Db;
import io.cdclr.runner.testing.Capture;
import io.cdclr.testsupport.SilentTcpProxy;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Issue 19, silent networks: the runner reaches the shared PostgreSQL through {@link SilentTcpProxy}, the workload
 * writes to PostgreSQL directly, Kinesis is the shared emulator. After some deliveries the proxy goes silent (no RST,
 * no FIN, new connections accepted and then ignored) for a while, then forwards again. The runner must notice within
 * its silence timeout, turn /health/ready 503 while it cannot stream, reconnect once the network is back, and deliver
 * every committed change in per-key order.
 *
 * <p>Timeouts are set short here to keep the run quick (replication.silence.timeout.ms=6000, socket 5 s, connect 3 s,
 * and the session's wal_sender_timeout=10s so the server releases the slot of the connection it lost); the defaults
 * bound the same detection at 60 s. {@code -Dfaults.full=true} keeps the network silent longer.
 */
class SilentNetworkFaultIT {
    private static final boolean FULL = Boolean.getBoolean("faults.full");
    private static final long SEED = Long.getLong("faults.seed", 20261203L);
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration CATCH_UP = Duration.ofSeconds(150);
    private static final long SILENCE_MS = FULL ? 90_000 : 30_000;
    private static final FaultReport REPORT = new FaultReport();

    @TempDir
    Path dir;

    @AfterEach
    void keepLogs() throws Exception {
        FaultLogs.keep("SilentNetworkFaultIT", dir.resolve("runner.log"));
    }

    @AfterAll
    static void printReport() throws Exception {
        System.out.println("\nSilent network (seed " + SEED + (FULL ? ", full" : ", short") + "):\n" + REPORT.table());
        REPORT.write(Path.of("target", "fault-report-SilentNetworkFaultIT.txt"));
    }

    @Test
    void postgresGoingSilentTurnsReadinessOffThenTheRunnerReconnectsAndCatchesUpWithoutLossOrReorder() throws Exception {
        String id = TestEnv.unique();
        Db shared = Db.shared();
        try (SilentTcpProxy proxy = new SilentTcpProxy(shared.host(), shared.port(), true);
             Capture capture = Capture.plain(shared, id, Workload.DDL);
             TestStream stream = new TestStream("fault-silent-" + id, 2);
             StreamTap tap = new StreamTap(TestEnv.kinesis(), stream.name())) {
            Map<String, String> env = capture.runnerEnv(TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"),
                    stream.name(), dir.resolve("offsets.dat"));
            env.put("PGHOST", "127.0.0.1"); // through the proxy
            env.put("PGPORT", Integer.toString(proxy.port()));
            env.put("CDC_REPLICATION_SILENCE_TIMEOUT_MS", "6000");
            env.put("CDC_DATABASE_SOCKET_TIMEOUT_MS", "5000");
            env.put("CDC_DATABASE_CONNECT_TIMEOUT_MS", "3000");
            env.put("CDC_DATABASE_OPTIONS", "-c wal_sender_timeout=10s");
            env.put("CDC_RECONNECT_BACKOFF_MAX_MS", "4000");
            env.put("CDC_RECONNECT_MAX_ATTEMPTS", "-1");
            env.put("CDC_SLOT_LAG_INTERVAL_MS", "2000");

            List<String> timeline = new ArrayList<>();
            try (Workload workload = new Workload(capture, SEED, 20);
                 RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                runner.awaitReady(READY);
                assertTrue(tap.awaitContaining(workload.marker("before silence"), CATCH_UP), runner.output());

                proxy.silence();
                long silentAt = System.nanoTime();
                Long notReadyAfter = null;
                int last = 200;
                while (System.nanoTime() - silentAt < SILENCE_MS * 1_000_000L) {
                    int status = runner.httpStatus("/health/ready");
                    if (status != last) {
                        timeline.add(seconds(System.nanoTime() - silentAt) + " " + status);
                        last = status;
                    }
                    if (status == 503 && notReadyAfter == null) {
                        notReadyAfter = System.nanoTime() - silentAt;
                        System.out.println("silent network: /health/ready 503 after " + seconds(notReadyAfter));
                    }
                    Thread.sleep(200);
                }
                assertTrue(runner.isAlive(), runner.output());
                String metricsDuringSilence = runner.metric("cdc_replication_connected");

                proxy.restore();
                long restoredAt = System.nanoTime();
                timeline.add(seconds(restoredAt - silentAt) + " restored");
                Long readyAgainAfter = null;
                while (System.nanoTime() - restoredAt < READY.toNanos()) {
                    int status = runner.httpStatus("/health/ready");
                    if (status != last) {
                        timeline.add(seconds(System.nanoTime() - silentAt) + " " + status);
                        last = status;
                    }
                    if (status == 200) {
                        readyAgainAfter = System.nanoTime() - restoredAt;
                        break;
                    }
                    Thread.sleep(200);
                }
                String marker = workload.marker("after silence");
                assertTrue(tap.awaitContaining(marker, CATCH_UP), "no recovery after the network came back:\n"
                        + runner.output());
                long caughtUp = System.nanoTime() - restoredAt;

                workload.close();
                List<String> oracle = capture.oracle();
                KinesisClient reader = TestEnv.kinesis();
                awaitComplete(oracle, reader, stream.name());
                String reconnects = runner.metric("cdc_replication_reconnects_total");
                int exit = runner.terminate(Duration.ofSeconds(60));
                Checker.Result result = Checker.check(oracle, StreamTap.readAll(reader, stream.name()));
                String log = runner.output();
                long silenceLines = log.lines().filter(l -> l.contains("closing the connection to reconnect")).count();
                long reconnectAttempts = log.lines().filter(l -> l.contains("Reconnecting to slot")).count();
                long failedAttempts = log.lines().filter(l -> l.contains("Reconnect to slot") && l.contains("failed")).count();
                String notes = "ready 503 after " + (notReadyAfter == null ? "never" : seconds(notReadyAfter))
                        + ", 200 again " + (readyAgainAfter == null ? "never" : seconds(readyAgainAfter))
                        + " after restore, caught up " + seconds(caughtUp) + "; timeline [" + String.join(", ", timeline)
                        + "]; watchdog fired " + silenceLines + "x, reconnect attempts " + reconnectAttempts
                        + " (failed " + failedAttempts + "), " + metricsDuringSilence + " during silence, " + reconnects
                        + "; proxy connections " + proxy.connections.get() + "; exit " + exit;
                REPORT.add("postgres silent " + SILENCE_MS / 1000 + "s", result,
                        notReadyAfter == null ? "-" : seconds(notReadyAfter), notes);
                System.out.println(log.lines().filter(l -> l.contains("WARN") || l.contains("Reconnect"))
                        .limit(40).reduce("runner log (warnings, reconnects):", (a, b) -> a + "\n  " + b));
                assertEquals(0, exit, log);
                assertTrue(notReadyAfter != null, "readiness never turned 503 while PostgreSQL was silent:\n" + log);
                assertTrue(readyAgainAfter != null, "readiness never came back after the network did:\n" + log);
                assertEquals(0, result.missing(), "missing: " + result);
                assertEquals(0, result.orderViolations(), "order: " + result);
                assertEquals(0, result.unexpected(), "unexpected: " + result);
            }
        }
    }

    private static void awaitComplete(List<String> oracle, KinesisClient reader, String stream) throws InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (System.nanoTime() < deadline) {
            List<Record> records = StreamTap.readAll(reader, stream);
            if (records.size() >= oracle.size() && Checker.check(oracle, records).missing() == 0) {
                return;
            }
            Thread.sleep(2000);
        }
    }

    private static String seconds(long nanos) {
        return String.format("%.1fs", nanos / 1e9);
    }
}
