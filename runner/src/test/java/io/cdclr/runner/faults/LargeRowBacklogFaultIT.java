package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Db;
import io.cdclr.runner.testing.Capture;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, item 2: a backlog of large rows already in the slot when the runner starts, the runner at {@code -Xmx256m}
 * (with the container image's serial collector and exit on OutOfMemoryError). Before the reader queue and the poll
 * batch were bounded in bytes, 2,048 messages of each could be held at once: the runner died with OutOfMemoryError and,
 * restarted, met the same backlog again.
 *
 * <p>Default: 300 rows of 1,040,000 bytes, near the Kinesis record limit (312 MB, more than the heap: the old
 * message-count bounds let it all in; 200 such rows still fit), with the image's options. {@code faults.full} adds the issue's
 * 600 rows of 600 KB with the JVM's default collector (what {@code java -jar} picks on a machine with 2 CPUs: G1).
 * {@code -Dfaults.bigRows.count=N -Dfaults.bigRows.bytes=B} override the default scenario's backlog;
 * {@code -Drunner.jar=...} runs another build (e.g. the code before the fix).
 */
class LargeRowBacklogFaultIT {
    private static final boolean FULL = Boolean.getBoolean("faults.full");
    private static final int ROWS = Integer.getInteger("faults.bigRows.count", 300);
    /** The text; the JSON adds about 200 bytes and the partition key 20: within Kinesis's 1 MiB (1,048,576). */
    private static final int ROW_BYTES = Integer.getInteger("faults.bigRows.bytes", 1_040_000);
    /** Rows per insert transaction (the backlog is several transactions, as an application would write it). */
    private static final int ROWS_PER_TX = 25;
    /** The container image's collector and its exit on OutOfMemoryError (so a runner out of heap dies, not hangs). */
    private static final List<String> IMAGE_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");
    private static final List<String> PLAIN_JVM = List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError");
    private static final Duration CATCH_UP = Duration.ofSeconds(FULL ? 600 : 240);
    private static final FaultReport REPORT = new FaultReport();

    @TempDir
    Path dir;

    @AfterEach
    void keepLogs() throws IOException {
        FaultLogs.keep("largeRowBacklog", dir.resolve("runner.log"), dir.resolve("gc.log"));
    }

    @AfterAll
    static void printReport() throws IOException {
        System.out.println("\nLarge-row backlog at -Xmx256m:\n" + REPORT.table());
        REPORT.write(Path.of("target", "fault-report-LargeRowBacklogFaultIT.txt"));
    }

    @Test
    void aBacklogOfRowsNearTheKinesisRecordLimitStreamsThroughA256MiBHeap() throws Exception {
        run(ROWS, ROW_BYTES, IMAGE_JVM, "serial GC");
    }

    @Test
    void theIssuesBacklogOf600RowsOf600KBStreamsThroughA256MiBHeapWithTheDefaultCollector() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(FULL, "faults.full only");
        run(600, 600_000, PLAIN_JVM, "default GC");
    }

    private void run(int rows, int rowBytes, List<String> jvmOptions, String gcName) throws Exception {
        String id = TestEnv.unique();
        String scenario = "large-row backlog " + rows + "x" + rowBytes / 1000 + "KB";
        try (Capture capture = Capture.plain(Db.shared(), id, "CREATE TABLE big (id int PRIMARY KEY, v text)",
                "ALTER TABLE big ALTER v SET STORAGE EXTERNAL");
             TestStream stream = new TestStream("fault-bigrows-" + id, 4);
             StreamTap tap = new StreamTap(TestEnv.kinesis(), stream.name())) {
            long insertStarted = System.nanoTime();
            for (int first = 1; first <= rows; first += ROWS_PER_TX) {
                int last = Math.min(rows, first + ROWS_PER_TX - 1);
                // md5 text (incompressible-ish; stored uncompressed): the JSON string is exactly the text. One random text
                // per transaction, each row's own prefix in front.
                capture.execute("INSERT INTO big SELECT g, lpad(g::text, 8, '0') || b.s FROM (SELECT string_agg(md5("
                        + first + " || ':' || random() || i), '') s FROM generate_series(1, " + (rowBytes - 8) / 32
                        + ") i) b, generate_series(" + first + ", " + last + ") g");
            }
            System.out.printf("%s: backlog of %d rows (%d MB) committed in %.1fs%n", scenario, rows,
                    (long) rows * rowBytes / 1_000_000, (System.nanoTime() - insertStarted) / 1e9);

            Map<String, String> env = runnerEnv(capture, stream.name());
            List<String> jvm = new java.util.ArrayList<>(jvmOptions);
            jvm.add("-Xlog:gc:file=" + dir.resolve("gc.log"));
            long started = System.nanoTime();
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"), jvm)) {
                long hwmKb = 0;
                boolean everReady = false;
                long deadline = started + CATCH_UP.toNanos();
                while (tap.records().size() < rows && runner.isAlive() && System.nanoTime() < deadline) {
                    hwmKb = Math.max(hwmKb, vmHwmKb(runner.pid()));
                    everReady |= runner.httpStatus("/health/ready") == 200;
                    Thread.sleep(1000);
                }
                long elapsed = System.nanoTime() - started;
                hwmKb = Math.max(hwmKb, vmHwmKb(runner.pid()));
                String gc = gcSummary(dir.resolve("gc.log"));
                if (!runner.isAlive()) {
                    int exit = runner.awaitExit(Duration.ofSeconds(5));
                    String error = runner.output().lines().filter(l -> l.contains("OutOfMemoryError") || l.contains("ERROR"))
                            .findFirst().orElse("(no error line)");
                    Checker.Result result = Checker.check(capture.oracle(), tap.records());
                    REPORT.add(scenario, result, "-", "runner DIED exit " + exit + ": " + error + "; peak RSS "
                            + (hwmKb >> 10) + " MiB; " + gc);
                    throw new AssertionError("the runner died at -Xmx256m (exit " + exit + "): " + error);
                }
                int exit = runner.terminate(Duration.ofSeconds(60));
                Checker.Result result = Checker.check(capture.oracle(), tap.records());
                REPORT.add(scenario, result, String.format("%.1fs", elapsed / 1e9),
                        "-Xmx256m " + gcName + "; exit " + exit + " on SIGTERM; ready " + everReady + "; peak RSS (VmHWM) "
                                + (hwmKb >> 10) + " MiB; " + gc);
                assertEquals(0, exit, "exit code on SIGTERM:\n" + tail(runner.output()));
                assertTrue(!runner.output().contains("OutOfMemoryError"), "OutOfMemoryError in the log");
                assertEquals(0, result.missing(), "missing: " + result);
                assertEquals(0, result.orderViolations(), "order violations: " + result);
                assertEquals(0, result.unexpected(), "unexpected: " + result);
            }
        }
    }

    private Map<String, String> runnerEnv(Capture capture, String stream) {
        return capture.runnerEnv(TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"), stream, dir.resolve("offsets.dat"));
    }

    /** The process's peak resident set size in KiB (VmHWM), or 0 once it is gone. */
    private static long vmHwmKb(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith("VmHWM:")).map(l -> l.replaceAll("\\D", "")).mapToLong(Long::parseLong)
                    .findFirst().orElse(0);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static final Pattern GC_LINE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    /** From the unified GC log: collections, and the most heap in use after a collection (the live set's peak). */
    private static String gcSummary(Path log) {
        try {
            long collections = 0;
            long maxAfter = 0;
            long full = 0;
            for (String line : Files.readAllLines(log)) {
                Matcher m = GC_LINE.matcher(line);
                if (m.find()) {
                    collections++;
                    // After a young collection the old generation still holds garbage: only a full one shows the live set.
                    if (line.contains("Pause Full")) {
                        full++;
                        maxAfter = Math.max(maxAfter, Long.parseLong(m.group(2)));
                    }
                }
            }
            return "GCs " + collections + " (full " + full + ")"
                    + (full > 0 ? ", max heap after a full GC " + maxAfter + " MiB" : "");
        } catch (IOException e) {
            return "no GC log";
        }
    }

    private static String tail(String output) {
        String[] lines = output.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 30), lines.length));
    }
}
