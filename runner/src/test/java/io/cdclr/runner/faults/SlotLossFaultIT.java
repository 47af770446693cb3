package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Db;
import io.cdclr.runner.testing.Capture;
import io.cdclr.testsupport.ThrottlingProxy;
import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Issue 19, slot lifecycle: a slot that vanishes (dropped after its walsender was terminated: an operator, or a
 * failover without failover slots) or is invalidated by the server ({@code max_slot_wal_keep_size}) stops the runner
 * with exit code 4 and one error line naming the slot and the last confirmed LSN; it is never re-created behind the
 * operator's back, a restart fails the same way, and {@code reset} starts over on purpose. Everything up to the last
 * confirmed LSN reached Kinesis.
 */
class SlotLossFaultIT {
    private static final long SEED = Long.getLong("faults.seed", 20261203L);
    private static final Duration READY = Duration.ofSeconds(90);
    private static final int EXIT_SLOT_LOST = 4;
    private static final Pattern LAST_CONFIRMED = Pattern.compile("last confirmed LSN ([0-9A-F]+/[0-9A-F]+)");
    private static final FaultReport REPORT = new FaultReport();

    @TempDir
    Path dir;

    @AfterEach
    void keepLogs(TestInfo test) throws Exception {
        FaultLogs.keep(test.getTestMethod().map(m -> m.getName()).orElse("test"), dir.resolve("runner.log"));
    }

    @AfterAll
    static void printReport() throws Exception {
        System.out.println("\nSlot loss faults (seed " + SEED + "):\n" + REPORT.table());
        REPORT.write(Path.of("target", "fault-report-SlotLossFaultIT.txt"));
    }

    private Map<String, String> runnerEnv(Capture capture, String endpoint, String stream) {
        Map<String, String> env = capture.runnerEnv(endpoint, stream, dir.resolve("offsets.dat"));
        env.put("CDC_SLOT_LAG_INTERVAL_MS", "500");
        return env;
    }

    /** Polls /health/ready in the background: did it go from 200 to 503 before the process went away? */
    private static final class ReadinessWatch implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;
        volatile boolean saw200;
        volatile boolean saw503After200;
        volatile long first503Nanos;

        ReadinessWatch(RunnerProcess runner) {
            thread = new Thread(() -> {
                while (running && runner.isAlive()) {
                    int status = runner.httpStatus("/health/ready");
                    if (status == 200) {
                        saw200 = true;
                    } else if (status == 503 && saw200 && !saw503After200) {
                        saw503After200 = true;
                        first503Nanos = System.nanoTime();
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "readiness-watch");
            thread.setDaemon(true);
            thread.start();
        }

        String describe() {
            return saw503After200 ? "200 then 503" : saw200 ? "200, no 503 seen" : "never 200";
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5000);
        }
    }

    private static String errorLine(String output) {
        return output.lines().filter(l -> l.startsWith("error: ")).reduce((a, b) -> b).orElse(null);
    }

    private static long lastConfirmed(String errorLine) {
        Matcher m = LAST_CONFIRMED.matcher(errorLine);
        assertTrue(m.find(), "no last confirmed LSN in: " + errorLine);
        return Capture.lsn(m.group(1));
    }

    /**
     * The committed changes the slot counts as consumed once it confirmed {@code confirmed}: those of transactions
     * whose commit LSN is below it (the server re-sends a transaction whose commit ends after confirmed_flush_lsn,
     * so one whose commit LSN equals the confirmed LSN may be delivered in part: its rest is after the position).
     */
    private static List<String> confirmedPart(List<String> oracle, Map<String, Long> commitOf, long confirmed) {
        return oracle.stream().filter(o -> {
            String lsn = Envelopes.parse(o).path("lsn").asText();
            return commitOf.getOrDefault(lsn, Capture.lsn(lsn)) < confirmed;
        }).toList();
    }

    /** Each change's transaction commit LSN, by the change's lsn: the oracle slot peeked with include-transaction=1. */
    private static Map<String, Long> commitLsns(Capture capture) throws SQLException {
        Map<String, Long> out = new java.util.HashMap<>();
        try (Connection c = capture.db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT data FROM pg_logical_slot_peek_changes(?, NULL, NULL, 'format-version', '2', 'include-lsn', '1',"
                        + " 'include-transaction', '1', 'add-tables', ?, 'add-msg-prefixes', ?)")) {
            ps.setString(1, capture.oracleSlot);
            ps.setString(2, capture.addTables);
            ps.setString(3, capture.messagePrefix);
            try (ResultSet rs = ps.executeQuery()) {
                long commit = 0;
                while (rs.next()) {
                    var node = Envelopes.parse(rs.getString(1));
                    String action = node.path("action").asText();
                    if (action.equals("B")) {
                        commit = Capture.lsn(node.path("lsn").asText());
                    } else if (!action.equals("C")) {
                        out.put(node.path("lsn").asText(), commit);
                    }
                }
            }
        }
        return out;
    }

    private static boolean slotExists(Db db, String slot) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String single(Db db, String sql, String slot) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Stable once the runner is gone: waits until the tap has read everything it delivered. */
    private static List<Record> settled(StreamTap tap) throws InterruptedException {
        int last = -1;
        List<Record> records = tap.records();
        while (records.size() != last) {
            last = records.size();
            Thread.sleep(1500);
            records = tap.records();
        }
        return records;
    }

    /** The oracle and what was read (by the tap, and again from the start), kept for a look after a failure. */
    private static void dump(String name, List<String> oracle, List<Record> tapped, List<Record> reread) throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "fault-logs"));
        Files.write(logs.resolve(name + ".oracle.txt"), oracle);
        Files.write(logs.resolve(name + ".tapped.txt"), tapped.stream()
                .map(r -> r.partitionKey() + "\t" + r.sequenceNumber() + "\t" + Envelopes.data(r)).toList());
        Files.write(logs.resolve(name + ".reread.txt"), reread.stream()
                .map(r -> r.partitionKey() + "\t" + r.sequenceNumber() + "\t" + Envelopes.data(r)).toList());
    }

    private static void assertSlotLostLine(String line, String slot) {
        assertNotNull(line, "no error line");
        assertTrue(line.contains("'" + slot + "'"), line);
        assertTrue(line.contains("last confirmed LSN"), line);
        assertTrue(line.contains("may be lost"), line);
        assertTrue(line.contains("cdc-runner.jar reset"), line);
    }

    private static void assertNoStackTrace(String stderr) {
        assertFalse(stderr.lines().anyMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by:")),
                "no stack trace on stderr:\n" + stderr);
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void slotDroppedMidRunStopsTheRunnerWithExitFourAndResetStartsOver() throws Exception {
        String id = TestEnv.unique();
        try (Capture capture = Capture.plain(Db.shared(), id, Workload.DDL);
             TestStream stream = new TestStream("fault-slotdrop-" + id, 2);
             StreamTap tap = new StreamTap(TestEnv.kinesis(), stream.name())) {
            Map<String, String> env = runnerEnv(capture, TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"),
                    stream.name());
            Path log = dir.resolve("runner.log");
            try (Workload workload = new Workload(capture, SEED, 30)) {
                int exit;
                String output;
                long droppedAt;
                int attempts = 0;
                ReadinessWatch watch;
                try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                    runner.awaitReady(READY);
                    watch = new ReadinessWatch(runner);
                    assertTrue(tap.await(r -> r.size() > 100, Duration.ofSeconds(60)), runner.output());
                    // What a failover without failover slots, or an operator, does: end the walsender, drop the slot.
                    // The runner reconnects within a second, so try until the drop wins the race.
                    try (Connection c = capture.db.connect(); Statement st = c.createStatement()) {
                        while (slotExists(capture.db, capture.runnerSlot)) {
                            attempts++;
                            st.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                                    + " WHERE slot_name = '" + capture.runnerSlot + "' AND active_pid IS NOT NULL");
                            try {
                                st.execute("SELECT pg_drop_replication_slot('" + capture.runnerSlot + "')");
                            } catch (SQLException activeAgain) {
                                Thread.sleep(10);
                            }
                        }
                    }
                    droppedAt = System.nanoTime();
                    exit = runner.awaitExit(Duration.ofSeconds(90));
                    watch.close();
                    output = runner.output();
                }
                long stoppedAfter = System.nanoTime() - droppedAt;
                String line = errorLine(output);
                boolean recreated = slotExists(capture.db, capture.runnerSlot);
                System.out.println("slot dropped after " + attempts + " attempt(s); runner exit " + exit + " after "
                        + String.format("%.1fs", stoppedAfter / 1e9) + "; readiness " + watch.describe()
                        + (watch.saw503After200 ? String.format(" (503 %.1fs after the drop)",
                        (watch.first503Nanos - droppedAt) / 1e9) : "") + "\n  " + line);

                // A restart fails the same way at once, and still creates nothing: the offset is stored.
                RunnerProcess.Result again = RunnerProcess.runToEnd(env);
                String againLine = errorLine(again.stderr());
                boolean recreatedByRestart = slotExists(capture.db, capture.runnerSlot);
                RunnerProcess.Result preflight = RunnerProcess.runToEnd(env, "preflight");
                System.out.println("restart: exit " + again.exitCode() + "\n  " + againLine + "\npreflight: exit "
                        + preflight.exitCode() + "\n  " + preflight.stdout().lines().filter(l -> l.startsWith("NO-GO"))
                        .findFirst().orElse("(no NO-GO line)"));

                List<Record> delivered = settled(tap);
                List<String> oracle = capture.oracle();
                Map<String, Long> commitOf = commitLsns(capture);
                long confirmed = Math.max(lastConfirmed(line), againLine == null ? 0 : lastConfirmed(againLine));
                dump("slotDropped", oracle, delivered, StreamTap.readAll(TestEnv.kinesis(), stream.name()));
                Checker.Result upToConfirmed = Checker.check(confirmedPart(oracle, commitOf, confirmed), delivered);
                Checker.Result whole = Checker.check(oracle, delivered);

                // Starting over on purpose: reset, then the runner streams again.
                RunnerProcess.Result reset = RunnerProcess.runToEnd(env, "reset");
                System.out.println("reset: exit " + reset.exitCode() + "\n" + reset.stdout() + reset.stderr());
                String marker;
                long resetAt = System.nanoTime();
                boolean streamsAgain;
                try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                    runner.awaitReady(READY);
                    marker = workload.marker("after reset");
                    streamsAgain = tap.awaitContaining(marker, Duration.ofSeconds(90));
                    assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                }
                long recovery = System.nanoTime() - resetAt;
                REPORT.add("slot dropped mid-run (<= confirmed)", upToConfirmed, String.format("%.1fs", recovery / 1e9),
                        "exit " + exit + " (restart: " + again.exitCode() + ", preflight " + preflight.exitCode()
                                + "), readiness " + watch.describe() + ", re-created " + (recreated || recreatedByRestart)
                                + "; whole oracle: committed " + whole.committed() + " missing " + whole.missing()
                                + " (after the drop, announced) order " + whole.orderViolations() + "; " + line);

                assertEquals(EXIT_SLOT_LOST, exit, output);
                assertSlotLostLine(line, capture.runnerSlot);
                assertNoStackTrace(output.lines().filter(l -> !l.contains(" INFO ")).reduce("", (a, b) -> a + b + "\n"));
                assertTrue(watch.saw503After200, "readiness turns 503 once the slot is known lost: " + watch.describe());
                assertFalse(recreated, "the runner must not re-create the slot:\n" + output);
                assertEquals(EXIT_SLOT_LOST, again.exitCode(), again.stderr());
                assertSlotLostLine(againLine, capture.runnerSlot);
                assertNoStackTrace(again.stderr());
                assertFalse(recreatedByRestart, "a restart must not re-create the slot:\n" + again.stderr());
                assertEquals(1, preflight.exitCode(), preflight.stdout());
                assertTrue(preflight.stdout().contains("does not exist but an offset is stored"), preflight.stdout());
                assertEquals(0, upToConfirmed.missing(), "changes up to the last confirmed LSN: " + upToConfirmed);
                assertEquals(0, whole.orderViolations(), "order: " + whole);
                assertEquals(0, reset.exitCode(), reset.stdout() + reset.stderr());
                assertTrue(reset.stdout().contains("were not captured"), reset.stdout());
                assertTrue(streamsAgain, "the runner streams again after reset");
            }
        }
    }

    @Test
    void slotInvalidatedByMaxSlotWalKeepSizeStopsTheRunnerWithExitFour() throws Exception {
        String id = TestEnv.unique();
        try (OwnPostgres pg = OwnPostgres.start("max_slot_wal_keep_size=32MB", "min_wal_size=32MB", "max_wal_size=64MB",
                "checkpoint_timeout=1h");
             ThrottlingProxy gate = new ThrottlingProxy(TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"), SEED);
             Capture capture = Capture.plain(pg.db, id, Workload.DDL);
             TestStream stream = new TestStream("fault-slotlost-" + id, 2);
             StreamTap tap = new StreamTap(TestEnv.kinesis(), stream.name())) {
            capture.execute("CREATE TABLE public.filler(id bigserial primary key, pad text)");
            Map<String, String> env = runnerEnv(capture, gate.endpoint(), stream.name());
            Path log = dir.resolve("runner.log");
            List<String> oracle;
            Map<String, Long> commitOf;
            String walMetrics;
            int exit;
            String output;
            String statusSeen;
            long lostAt;
            int rounds = 0;
            ReadinessWatch watch;
            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                runner.awaitReady(READY);
                watch = new ReadinessWatch(runner);
                try (Workload workload = new Workload(capture, SEED, 30)) {
                    assertTrue(tap.await(r -> r.size() > 100, Duration.ofSeconds(60)), runner.output());
                    walMetrics = runner.http("/metrics").lines().filter(l -> l.startsWith("cdc_slot_") && !l.contains(" 0.0"))
                            .reduce((a, b) -> a + ", " + b).orElse("");
                    // Kinesis unreachable: the runner keeps reading but can deliver, and so confirm, nothing more.
                    gate.mode(ThrottlingProxy.Mode.UNREACHABLE);
                    Thread.sleep(2000);
                }
                // Every committed change is in the oracle slot now; it is invalidated below like the runner's.
                oracle = capture.oracle();
                commitOf = commitLsns(capture);
                // WAL the slot must retain, past max_slot_wal_keep_size: segment switches, then a checkpoint.
                statusSeen = single(pg.db, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?", capture.runnerSlot);
                while (!"lost".equals(single(pg.db, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?",
                        capture.runnerSlot)) && rounds < 40) {
                    rounds++;
                    try (Connection c = pg.db.connect(); Statement st = c.createStatement()) {
                        for (int i = 0; i < 3; i++) {
                            st.execute("INSERT INTO public.filler(pad) VALUES (repeat('x', 100))");
                            st.execute("SELECT pg_switch_wal()");
                        }
                        st.execute("CHECKPOINT");
                    }
                    String status = single(pg.db, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?",
                            capture.runnerSlot);
                    if (!status.equals(statusSeen.substring(statusSeen.lastIndexOf('>') + 1))) {
                        statusSeen += ">" + status;
                    }
                }
                lostAt = System.nanoTime();
                exit = runner.awaitExit(Duration.ofSeconds(120));
                watch.close();
                output = runner.output();
            }
            long stoppedAfter = System.nanoTime() - lostAt;
            String line = errorLine(output);
            System.out.println("metrics while streaming: " + walMetrics);
            System.out.println("wal_status " + statusSeen + " after " + rounds + " round(s); runner exit " + exit + " after "
                    + String.format("%.1fs", stoppedAfter / 1e9) + "; readiness " + watch.describe()
                    + (watch.saw503After200 ? String.format(" (503 %.1fs after lost)", (watch.first503Nanos - lostAt) / 1e9)
                    : "") + "\n  " + line);
            gate.mode(ThrottlingProxy.Mode.PASS); // so preflight's NO-GO is about the slot alone
            RunnerProcess.Result preflight = RunnerProcess.runToEnd(env, "preflight");
            String noGo = preflight.stdout().lines().filter(l -> l.startsWith("NO-GO")).findFirst().orElse("(no NO-GO line)");
            RunnerProcess.Result again = RunnerProcess.runToEnd(env);
            System.out.println("preflight: exit " + preflight.exitCode() + "\n" + preflight.stdout() + "restart: exit "
                    + again.exitCode() + "\n  " + errorLine(again.stderr()));

            List<Record> delivered = settled(tap);
            long confirmed = lastConfirmed(line);
            dump("slotInvalidated", oracle, delivered, StreamTap.readAll(TestEnv.kinesis(), stream.name()));
            Checker.Result upToConfirmed = Checker.check(confirmedPart(oracle, commitOf, confirmed), delivered);
            Checker.Result whole = Checker.check(oracle, delivered);

            RunnerProcess.Result reset = RunnerProcess.runToEnd(env, "reset");
            System.out.println("reset: exit " + reset.exitCode() + "\n" + reset.stdout() + reset.stderr());
            boolean streamsAgain;
            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                runner.awaitReady(READY);
                capture.execute("INSERT INTO markers(note) VALUES ('after reset " + id + "')");
                streamsAgain = tap.awaitContaining("after reset " + id, Duration.ofSeconds(90));
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
            }
            REPORT.add("slot invalidated (<= confirmed)", upToConfirmed, "-",
                    "exit " + exit + " (restart " + again.exitCode() + "), readiness " + watch.describe()
                            + ", wal_status " + statusSeen + ", preflight " + noGo + "; whole oracle: committed "
                            + whole.committed() + " missing " + whole.missing() + " (not confirmed, announced) order "
                            + whole.orderViolations() + "; " + line);

            assertEquals(EXIT_SLOT_LOST, exit, output);
            assertSlotLostLine(line, capture.runnerSlot);
            assertTrue(line.contains("invalidated"), line);
            assertTrue(walMetrics.contains("cdc_slot_safe_wal_size_bytes ") && walMetrics.contains("cdc_slot_retained_wal_bytes ")
                    && walMetrics.contains("cdc_slot_wal_status{status=\"reserved\"} 1.0"), walMetrics);
            assertTrue(output.contains("event=slot_safe_wal_size_low"), "warned below slot.safe.wal.size.warn.bytes");
            assertTrue(watch.saw503After200, "readiness turns 503 once the slot is known lost: " + watch.describe());
            assertEquals(EXIT_SLOT_LOST, again.exitCode(), again.stderr());
            assertNoStackTrace(again.stderr());
            assertEquals(1, preflight.exitCode(), preflight.stdout());
            assertTrue(noGo.contains("wal_status lost"), preflight.stdout());
            assertTrue(preflight.stdout().contains("info   wal_status lost, safe_wal_size"), preflight.stdout());
            assertEquals(0, upToConfirmed.missing(), "changes up to the last confirmed LSN: " + upToConfirmed);
            assertEquals(0, whole.orderViolations(), "order: " + whole);
            assertEquals(0, reset.exitCode(), reset.stdout() + reset.stderr());
            assertTrue(streamsAgain, "the runner streams again after reset");
        }
    }
}
