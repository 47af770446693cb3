package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Capture;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Issue 20, one PostgreSQL endpoint and transient versus wrong, against a cluster of the test's own with TLS on (a CA
 * and a server certificate for 127.0.0.1/localhost made here with openssl):
 * <ul>
 * <li>PGSSLMODE=verify-full with PGSSLROOTCERT=the CA: the runner JAR streams to Kinesis (every connection verified);
 * <li>another CA as PGSSLROOTCERT: exit 2 at once, one line naming TLS, no stack trace; a wrong password: exit 2 at once;
 * <li>the database down at start and started ~10 s later: the runner waits (a WARN per attempt, readiness 503,
 * liveness 200), then streams everything; down beyond database.connect.wait.ms: exit 5 (unreachable).
 * </ul>
 * One cluster serves every case; the wait bound is set low here to keep the run short.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatabaseEndpointIT {
    private static final long SEED = Long.getLong("faults.seed", 20261203L);
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration CATCH_UP = Duration.ofSeconds(120);
    private static final FaultReport REPORT = new FaultReport();
    private static final long STARTED = System.nanoTime();
    /** The row of a case that streams nothing (the runner must not start). */
    private static final Checker.Result NOTHING = Checker.check(List.of(), List.of());

    private static Path tls;
    private static OwnPostgres pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void clusterWithTls() throws Exception {
        tls = Files.createTempDirectory("endpoint-tls-");
        makeCertificates(tls);
        pg = OwnPostgres.start("ssl=on", "ssl_cert_file=" + tls.resolve("server.crt"),
                "ssl_key_file=" + tls.resolve("server.key"), "ssl_ca_file=" + tls.resolve("ca.pem"));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        System.out.println("\nDatabase endpoint (seed " + SEED + "):\n" + REPORT.table());
        REPORT.write(Path.of("target", "fault-report-DatabaseEndpointIT.txt"));
        if (pg != null) {
            pg.close();
        }
        if (tls != null) {
            try (var files = Files.walk(tls)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.printf("DatabaseEndpointIT took %.1f s%n", (System.nanoTime() - STARTED) / 1e9);
    }

    @Test
    @Order(1)
    void verifyFullWithTheRootCertificateFromPgsslrootcertStreams() throws Exception {
        String id = TestEnv.unique();
        try (Capture capture = Capture.plain(pg.db, id, Workload.DDL);
             TestStream stream = new TestStream("endpoint-tls-" + id, 1);
             StreamTap tap = new StreamTap(TestEnv.kinesis(), stream.name())) {
            Map<String, String> env = env(capture, stream, "verify-full", tls.resolve("ca.pem"));
            try (Workload workload = new Workload(capture, SEED, 20);
                 RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                runner.awaitReady(READY);
                assertTrue(tap.awaitContaining(workload.marker("verified"), CATCH_UP), runner.output());
                List<String> sessions = runnerSessions(capture);
                workload.close();
                Checker.Result result = complete(capture, stream.name());
                int exit = runner.terminate(Duration.ofSeconds(60));
                String log = keep(runner, "tls");
                REPORT.add("verify-full, PGSSLROOTCERT=ca.pem", result, "-", "exit " + exit + "; sessions " + sessions
                        + "; " + startLine(log));
                assertFalse(sessions.isEmpty(), log);
                assertTrue(sessions.stream().allMatch(x -> x.endsWith("ssl=true")), "a connection without TLS: " + sessions);
                assertEquals(0, exit, log);
                assertTrue(log.contains("sslmode=verify-full sslrootcert=" + tls.resolve("ca.pem")), log);
                assertEquals(0, result.missing(), "missing: " + result);
                assertEquals(0, result.orderViolations(), "order: " + result);
            }
        }
    }

    @Test
    @Order(2)
    void aWrongRootCertificateOrPasswordIsExit2AtOnceWithOneLine() throws Exception {
        String id = TestEnv.unique();
        try (Capture capture = Capture.plain(pg.db, id, Workload.DDL)) {
            Map<String, String> env = env(capture, null, "verify-full", tls.resolve("wrong-ca.pem"));
            long t0 = System.nanoTime();
            RunnerProcess.Result wrongCa = RunnerProcess.runToEnd(env);
            double caSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("wrong root certificate: exit %d after %.1f s: %s%n", wrongCa.exitCode(), caSeconds,
                    wrongCa.stderr().strip());

            Map<String, String> badPassword = env(capture, null, "verify-full", tls.resolve("ca.pem"));
            badPassword.put("PGPASSWORD", "not-the-password");
            t0 = System.nanoTime();
            RunnerProcess.Result wrongPassword = RunnerProcess.runToEnd(badPassword);
            System.out.printf("wrong password: exit %d after %.1f s: %s%n", wrongPassword.exitCode(),
                    (System.nanoTime() - t0) / 1e9, wrongPassword.stderr().strip());
            REPORT.add("wrong root certificate", NOTHING, "-", "exit " + wrongCa.exitCode() + ": " + wrongCa.stderr().strip());
            REPORT.add("wrong password", NOTHING, "-", "exit " + wrongPassword.exitCode() + ": "
                    + wrongPassword.stderr().strip());

            String all = wrongCa.stdout() + wrongCa.stderr();
            assertEquals(2, wrongCa.exitCode(), all);
            List<String> lines = wrongCa.stderr().strip().lines().toList();
            assertEquals(1, lines.size(), all);
            assertTrue(lines.get(0).contains("database TLS") && lines.get(0).contains("wrong-ca.pem"), all);
            assertFalse(all.contains("\tat "), "stack trace: " + all);
            assertFalse(all.contains("event=database_unreachable"), "a TLS failure was waited for: " + all);

            RunnerProcess.Result preflight = RunnerProcess.runToEnd(env, "preflight");
            System.out.println("preflight, wrong root certificate: exit " + preflight.exitCode() + "\n" + preflight.stdout());
            assertEquals(1, preflight.exitCode(), preflight.stdout() + preflight.stderr());
            assertTrue(preflight.stdout().lines().anyMatch(l -> l.startsWith("FAIL") && l.contains("database TLS")),
                    preflight.stdout());

            String pw = wrongPassword.stdout() + wrongPassword.stderr();
            assertEquals(2, wrongPassword.exitCode(), pw);
            assertTrue(wrongPassword.stderr().contains("PGUSER/PGPASSWORD"), pw);
            assertFalse(pw.contains("event=database_unreachable"), "a wrong password was waited for: " + pw);
        }
    }

    @Test
    @Order(3)
    void aDatabaseDownAtStartIsWaitedForThenStreamed() throws Exception {
        String id = TestEnv.unique();
        try (Capture capture = Capture.plain(pg.db, id, Workload.DDL);
             TestStream stream = new TestStream("endpoint-wait-" + id, 1);
             StreamTap tap = new StreamTap(TestEnv.kinesis(), stream.name())) {
            Map<String, String> env = env(capture, stream, "verify-full", tls.resolve("ca.pem"));
            // database.connect.wait.ms: its default (5 minutes)
            pg.stopFast();
            List<String> timeline = new ArrayList<>();
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                long t0 = System.nanoTime();
                boolean notReadyWhileDown = true;
                boolean liveWhileDown = true;
                int polls = 0;
                while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
                    int ready = runner.httpStatus("/health/ready");
                    int live = runner.httpStatus("/health/live");
                    if (ready != -1) {
                        polls++;
                        notReadyWhileDown &= ready == 503;
                        liveWhileDown &= live == 200;
                    }
                    assertTrue(runner.isAlive(), runner.output());
                    Thread.sleep(500);
                }
                long warnings = runner.output().lines().filter(l -> l.contains("event=database_unreachable")).count();
                timeline.add(String.format("down %.1fs: %d WARN, ready 503=%s, live 200=%s (%d polls)",
                        (System.nanoTime() - t0) / 1e9, warnings, notReadyWhileDown, liveWhileDown, polls));
                pg.startServer();
                long upAt = System.nanoTime();
                runner.awaitReady(READY);
                timeline.add(String.format("ready %.1fs after the database started", (System.nanoTime() - upAt) / 1e9));
                Checker.Result result;
                try (Workload workload = new Workload(capture, SEED, 20)) {
                    assertTrue(tap.awaitContaining(workload.marker("after wait"), CATCH_UP), runner.output());
                }
                result = complete(capture, stream.name());
                int exit = runner.terminate(Duration.ofSeconds(60));
                String log = keep(runner, "wait");
                REPORT.add("database down 10 s at start", result, timeline.get(1), String.join("; ", timeline)
                        + "; exit " + exit);
                System.out.println(log.lines().filter(l -> l.contains("database_")).limit(10)
                        .reduce("runner log (waiting):", (a, b) -> a + "\n  " + b));
                assertTrue(warnings >= 2, "no WARN per attempt while the database was down:\n" + log);
                assertTrue(polls > 0 && notReadyWhileDown && liveWhileDown, timeline + "\n" + log);
                assertEquals(0, exit, log);
                assertEquals(0, result.missing(), "missing: " + result);
                assertEquals(0, result.orderViolations(), "order: " + result);
            } finally {
                ensureRunning();
            }
        }
    }

    @Test
    @Order(4)
    void aDatabaseDownBeyondTheBoundIsExit5Unreachable() throws Exception {
        String id = TestEnv.unique();
        try (Capture capture = Capture.plain(pg.db, id, Workload.DDL)) {
            Map<String, String> env = env(capture, null, "verify-full", tls.resolve("ca.pem"));
            env.put("CDC_DATABASE_CONNECT_WAIT_MS", "4000");
            pg.stopFast();
            try {
                long t0 = System.nanoTime();
                RunnerProcess.Result down = RunnerProcess.runToEnd(env);
                String all = down.stdout() + down.stderr();
                System.out.printf("down beyond the bound: exit %d after %.1f s:%n%s%n", down.exitCode(),
                        (System.nanoTime() - t0) / 1e9, down.stderr().strip());
                REPORT.add("database down beyond 4 s bound", NOTHING, "-", "exit " + down.exitCode() + ": "
                        + down.stderr().lines().filter(l -> l.startsWith("error:")).findFirst().orElse("no error line"));
                assertEquals(5, down.exitCode(), all);
                List<String> errors = down.stderr().lines().filter(l -> l.startsWith("error:")).toList();
                assertEquals(1, errors.size(), all);
                assertTrue(errors.get(0).startsWith("error: database unreachable:") && errors.get(0).contains(
                        "gave up after"), all);
                assertTrue(all.contains("event=database_unreachable"), all);
                assertFalse(all.contains("\tat "), "stack trace: " + all);
            } finally {
                ensureRunning();
            }
        }
    }

    private static Map<String, String> env(Capture capture, TestStream stream, String sslmode, Path rootCert)
            throws IOException {
        Path offsets = Files.createTempFile("endpoint-offsets", ".dat");
        Files.delete(offsets);
        Map<String, String> env = capture.runnerEnv(TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"),
                stream == null ? "endpoint-unused" : stream.name(), offsets);
        env.put("PGSSLMODE", sslmode);
        env.put("PGSSLROOTCERT", rootCert.toString());
        env.put("PGCONNECT_TIMEOUT", "3");
        env.put("CDC_HTTP_PORT", "0"); // runs to the end bind no fixed port
        return env;
    }

    private static void ensureRunning() throws Exception {
        try (var c = pg.db.connect()) {
            // running
        } catch (java.sql.SQLException e) {
            pg.startServer();
        }
    }

    private Checker.Result complete(Capture capture, String stream) throws Exception {
        List<String> oracle = capture.oracle();
        KinesisClient reader = TestEnv.kinesis();
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        List<Record> records = StreamTap.readAll(reader, stream);
        while (System.nanoTime() < deadline && Checker.check(oracle, records).missing() > 0) {
            Thread.sleep(1000);
            records = StreamTap.readAll(reader, stream);
        }
        return Checker.check(oracle, records);
    }

    /** The runner's sessions on the server (application_name cdclr-*) and whether each uses TLS. */
    private static List<String> runnerSessions(Capture capture) throws java.sql.SQLException {
        List<String> out = new ArrayList<>();
        try (var c = capture.db.connect(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT a.application_name, a.backend_type, s.ssl FROM pg_stat_activity a"
                     + " JOIN pg_stat_ssl s USING (pid) WHERE a.application_name LIKE 'cdclr-%' ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getString(1) + "/" + rs.getString(2) + " ssl=" + rs.getBoolean(3));
            }
        }
        return out;
    }

    /** The runner's start line: target and TLS settings. */
    private static String startLine(String log) {
        return log.lines().filter(l -> l.contains("event=starting")).findFirst()
                .map(l -> l.substring(l.indexOf("event=starting"))).orElse("no start line");
    }

    private String keep(RunnerProcess runner, String name) throws IOException {
        Path logs = Path.of("target", "fault-logs");
        Files.createDirectories(logs);
        Files.copy(dir.resolve("runner.log"), logs.resolve("DatabaseEndpointIT." + name + ".runner.log"),
                StandardCopyOption.REPLACE_EXISTING);
        return runner.output();
    }

    /** A CA, a server certificate it signed for 127.0.0.1 and localhost, and an unrelated CA, with openssl. */
    private static void makeCertificates(Path dir) throws IOException, InterruptedException {
        String script = String.join(" && ",
                "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=endpoint-test-ca",
                "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost",
                "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext",
                "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.crt -days 2"
                        + " -extfile san.ext",
                "openssl req -x509 -newkey rsa:2048 -nodes -keyout wrong-ca.key -out wrong-ca.pem -days 2"
                        + " -subj /CN=endpoint-wrong-ca",
                "chmod 600 server.key");
        if ("root".equals(System.getProperty("user.name"))) {
            script += " && chown -R postgres:postgres . && chmod 755 .";
        }
        Process p = new ProcessBuilder("sh", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl failed: " + out);
        }
    }
}
