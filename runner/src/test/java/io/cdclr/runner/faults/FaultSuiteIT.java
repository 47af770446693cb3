package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Db;
import io.cdclr.runner.testing.Capture;
import io.cdclr.testsupport.ThrottlingProxy;
import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The fault suite (issue 10): the real runner JAR against real services while a workload writes steadily, one fault
 * at a time, then the whole stream is checked against what the database committed (an oracle slot created at the same
 * point as the runner's). Scenarios that stop or restart a service use their own PostgreSQL cluster or kinesalite;
 * the others use the shared local services with a schema, slots and stream of their own.
 *
 * <p>The default run is a short seeded variant; {@code -Pfaults-full} (system property {@code faults.full=true}) runs
 * longer workloads, more kills and longer throttling. {@code -Dfaults.seed=N} replays a run. See docs/faults.md.
 */
class FaultSuiteIT {
    private static final boolean FULL = Boolean.getBoolean("faults.full");
    private static final long SEED = Long.getLong("faults.seed", 20261125L);
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration CATCH_UP = Duration.ofSeconds(FULL ? 300 : 150);
    private static final FaultReport REPORT = new FaultReport();

    @TempDir
    Path dir;

    /** Keeps each scenario's runner and emulator logs in target/fault-logs for a look after the run. */
    @AfterEach
    void keepLogs(TestInfo test) throws Exception {
        String method = test.getTestMethod().map(m -> m.getName()).orElse("test");
        String name = test.getDisplayName().startsWith(method) ? method
                : method + "_" + test.getDisplayName().replaceAll("\\W+", "_");
        FaultLogs.keep(name, dir.resolve("runner.log"), dir.resolve("kinesalite.log"));
    }

    @AfterAll
    static void printReport() throws Exception {
        String table = REPORT.table();
        System.out.println("\nFault suite (seed " + SEED + (FULL ? ", full" : ", short") + "):\n" + table);
        REPORT.write(Path.of("target", "fault-report.txt"));
    }

    private Map<String, String> runnerEnv(Capture capture, String endpoint, String stream) {
        return capture.runnerEnv(endpoint, stream, dir.resolve("offsets.dat"));
    }

    private static String sharedEndpoint() {
        return TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567");
    }

    /** Waits until every committed change is on the stream (or the wait runs out), then checks the whole stream. */
    private static Checker.Result awaitComplete(List<String> oracle, Supplier<List<Record>> delivered) throws InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (true) {
            List<Record> records = delivered.get();
            if (records.size() >= oracle.size() || System.nanoTime() > deadline) {
                Checker.Result result = Checker.check(oracle, records);
                if (result.missing() == 0 || System.nanoTime() > deadline) {
                    return result;
                }
            }
            Thread.sleep(2000);
        }
    }

    private static void assertClean(String scenario, Checker.Result result) {
        String detail = scenario + ": " + result;
        assertEquals(0, result.missing(), "missing, " + detail);
        assertEquals(0, result.orderViolations(), "per-key order violations, " + detail);
        assertEquals(0, result.unexpected(), "records that are no committed change (rolled back?), " + detail);
    }

    private static String seconds(long nanos) {
        return String.format("%.1fs", nanos / 1e9);
    }

    private static String recoveries(List<Long> nanos) {
        long max = nanos.stream().mapToLong(Long::longValue).max().orElse(0);
        double avg = nanos.stream().mapToLong(Long::longValue).average().orElse(0);
        return String.format("avg %.1fs max %.1fs", avg / 1e9, max / 1e9);
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void killNineAtSeededMomentsLosesNothingAndKeepsPerKeyOrder() throws Exception {
        String id = TestEnv.unique();
        Random random = new Random(SEED);
        int kills = FULL ? 20 : 5;
        List<Long> recovery = new ArrayList<>();
        List<Long> ready = new ArrayList<>();
        try (Capture capture = Capture.plain(Db.shared(), id, Workload.DDL);
             TestStream stream = new TestStream("fault-kill-" + id, 4);
             StreamTap tap = new StreamTap(TestEnv.kinesis(), stream.name())) {
            Map<String, String> env = runnerEnv(capture, sharedEndpoint(), stream.name());
            Path log = dir.resolve("runner.log");
            RunnerProcess runner = RunnerProcess.start(env, log);
            try (Workload workload = new Workload(capture, SEED, 40)) {
                runner.awaitReady(READY);
                for (int kill = 1; kill <= kills; kill++) {
                    Thread.sleep(1000 + random.nextInt(FULL ? 8000 : 3000));
                    runner.kill();
                    long killedAt = System.nanoTime();
                    String marker = workload.marker("kill " + kill);
                    runner = RunnerProcess.start(env, log);
                    runner.awaitReady(READY);
                    ready.add(System.nanoTime() - killedAt);
                    assertTrue(tap.awaitContaining(marker, CATCH_UP), "no recovery after kill " + kill + ":\n" + runner.output());
                    recovery.add(System.nanoTime() - killedAt);
                }
                workload.close();
                List<String> oracle = capture.oracle();
                KinesisClient reader = TestEnv.kinesis();
                awaitComplete(oracle, () -> StreamTap.readAll(reader, stream.name()));
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                Checker.Result result = Checker.check(oracle, StreamTap.readAll(reader, stream.name()));
                REPORT.add("kill -9 x" + kills, result, recoveries(recovery),
                        "kill -> change made after the kill delivered (ready again: " + recoveries(ready)
                                + "); rolled back tx " + workload.rolledBackTransactions.get());
                assertClean("kill -9", result);
            } finally {
                runner.close();
            }
        }
    }

    @Test
    void emulatorStoppedThirtySecondsLosesItsStreamAndTheRunnerFailsClearlyThenReplaysFromTheConfirmedPosition() throws Exception {
        String id = TestEnv.unique();
        String name = "fault-emu-" + id;
        try (OwnKinesalite kinesalite = OwnKinesalite.start(dir.resolve("kinesalite.log"));
             ThrottlingProxy gate = new ThrottlingProxy(kinesalite.endpoint(), SEED);
             KinesisClient client = kinesalite.client();
             Capture capture = Capture.plain(Db.shared(), id, Workload.DDL)) {
            createStream(client, name, 2);
            Map<String, String> env = runnerEnv(capture, gate.endpoint(), name);
            Path log = dir.resolve("runner.log");
            StreamTap tap = new StreamTap(client, name);
            List<Record> beforeLoss;
            String deliveredBeforeStop;
            try (Workload workload = new Workload(capture, SEED, 50)) {
                long restartedAt;
                try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                    runner.awaitReady(READY);
                    tap.await(r -> r.size() > 100, Duration.ofSeconds(30));
                    deliveredBeforeStop = runner.metric("cdc_changes_delivered_total");
                    // Stop the emulator. The gate first makes it unreachable and waits for calls in flight, so that
                    // everything it acknowledged can be read before its memory is gone (the checker's view of the
                    // old stream is complete); the runner sees an unreachable endpoint either way.
                    gate.mode(ThrottlingProxy.Mode.UNREACHABLE);
                    gate.awaitIdle();
                    tap.close();
                    beforeLoss = StreamTap.readAll(client, name);
                    kinesalite.stopProcess();
                    Thread.sleep(30_000);
                    assertTrue(runner.isAlive(), "the runner keeps retrying while Kinesis is unreachable:\n" + runner.output());
                    kinesalite.startProcess(); // in memory: the stream is gone
                    gate.mode(ThrottlingProxy.Mode.PASS);
                    restartedAt = System.nanoTime();
                    int exit = runner.awaitExit(Duration.ofSeconds(120));
                    String output = runner.output();
                    assertEquals(1, exit, "a lost stream is a permanent error:\n" + output);
                    assertTrue(output.contains("ResourceNotFoundException") && output.contains(name),
                            "the error names the missing stream:\n" + output);
                }
                // The operator recreates the stream; the runner replays from the slot's confirmed position.
                createStream(client, name, 2);
                try (StreamTap after = new StreamTap(client, name)) {
                    String marker = workload.marker("after stream recreated");
                    try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                        assertTrue(after.awaitContaining(marker, CATCH_UP), runner.output());
                        long recovery = System.nanoTime() - restartedAt;
                        workload.close();
                        List<String> oracle = capture.oracle();
                        Supplier<List<Record>> all = () -> {
                            List<Record> union = new ArrayList<>(beforeLoss);
                            union.addAll(StreamTap.readAll(client, name));
                            return union;
                        };
                        awaitComplete(oracle, all);
                        assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                        List<Record> union = all.get();
                        Checker.Result result = Checker.check(oracle, union);
                        REPORT.add("kinesis emulator down 30s + lost", result, seconds(recovery),
                                "exit 1 ResourceNotFound; old stream read before loss: " + beforeLoss.size()
                                        + " (" + deliveredBeforeStop + ")"
                                        + "; refused calls " + gate.refusedCalls.get());
                        assertClean("emulator down", result);
                    }
                }
            }
        }
    }

    @Test
    void postgresRestartAndWalsenderTerminationAreSurvivedWithoutLossOrReorder() throws Exception {
        String id = TestEnv.unique();
        List<Long> recovery = new ArrayList<>();
        try (OwnPostgres pg = OwnPostgres.start();
             Capture capture = Capture.plain(pg.db, id, Workload.DDL);
             TestStream stream = new TestStream("fault-pg-" + id, 2);
             StreamTap tap = new StreamTap(TestEnv.kinesis(), stream.name())) {
            Map<String, String> env = runnerEnv(capture, sharedEndpoint(), stream.name());
            try (Workload workload = new Workload(capture, SEED, 20);
                 RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                runner.awaitReady(READY);
                Thread.sleep(3000);
                pg.stopFast();
                Thread.sleep(2000);
                pg.startServer();
                long upAt = System.nanoTime();
                String marker = workload.marker("after postgres restart");
                assertTrue(tap.awaitContaining(marker, CATCH_UP), "no recovery after the restart:\n" + runner.output());
                recovery.add(System.nanoTime() - upAt);
                assertTrue(runner.isAlive(), runner.output());

                Thread.sleep(2000);
                int pid = 0;
                for (int i = 0; i < 600 && pid == 0; i++) {
                    pid = capture.walsenderPid();
                    Thread.sleep(100);
                }
                assertTrue(pid > 0, "the runner streams again");
                capture.execute("SELECT pg_terminate_backend(" + pid + ")");
                long terminatedAt = System.nanoTime();
                marker = workload.marker("after walsender terminated");
                assertTrue(tap.awaitContaining(marker, CATCH_UP), "no recovery after pg_terminate_backend:\n" + runner.output());
                recovery.add(System.nanoTime() - terminatedAt);
                assertTrue(runner.isAlive(), runner.output());

                workload.close();
                List<String> oracle = capture.oracle();
                KinesisClient reader = TestEnv.kinesis();
                awaitComplete(oracle, () -> StreamTap.readAll(reader, stream.name()));
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                Checker.Result result = Checker.check(oracle, StreamTap.readAll(reader, stream.name()));
                REPORT.add("postgres fast restart + terminate", result,
                        seconds(recovery.get(0)) + "/" + seconds(recovery.get(1)),
                        "workload tx failed by the restart " + workload.failedTransactions.get());
                assertClean("postgres restart", result);
            }
        }
    }

    @Test
    void throttledCallsAndThrottledEntriesAreRetriedInPerKeyOrder() throws Exception {
        String id = TestEnv.unique();
        long phase = FULL ? 30_000 : 6_000;
        try (ThrottlingProxy proxy = new ThrottlingProxy(sharedEndpoint(), SEED);
             Capture capture = Capture.plain(Db.shared(), id, Workload.DDL);
             TestStream stream = new TestStream("fault-throttle-" + id, 2);
             StreamTap tap = new StreamTap(TestEnv.kinesis(), stream.name())) {
            Map<String, String> env = runnerEnv(capture, proxy.endpoint(), stream.name());
            try (Workload workload = new Workload(capture, SEED, 20);
                 RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                runner.awaitReady(READY);
                Thread.sleep(2000);
                proxy.mode(ThrottlingProxy.Mode.THROTTLE_CALLS);
                Thread.sleep(phase);
                proxy.mode(ThrottlingProxy.Mode.THROTTLE_ENTRIES);
                Thread.sleep(phase);
                proxy.mode(ThrottlingProxy.Mode.PASS);
                long clearedAt = System.nanoTime();
                String marker = workload.marker("after throttling");
                assertTrue(tap.awaitContaining(marker, CATCH_UP), runner.output());
                long recovery = System.nanoTime() - clearedAt;
                String retries = runner.metric("cdc_kinesis_retries");
                workload.close();
                List<String> oracle = capture.oracle();
                KinesisClient reader = TestEnv.kinesis();
                awaitComplete(oracle, () -> StreamTap.readAll(reader, stream.name()));
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                Checker.Result result = Checker.check(oracle, StreamTap.readAll(reader, stream.name()));
                REPORT.add("throttling (calls, then entries)", result, seconds(recovery),
                        "throttled calls " + proxy.throttledCalls.get() + ", entries " + proxy.throttledEntries.get()
                                + "; " + retries);
                assertTrue(proxy.throttledCalls.get() > 0 && proxy.throttledEntries.get() > 0, "the proxy throttled");
                assertClean("throttling", result);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bad input

    @Test
    void rowOverOneMebibyteStopsTheRunnerNamingTableKeyAndSizeWithoutConfirmingPastItAndSkipPolicyContinues()
            throws Exception {
        String id = TestEnv.unique();
        try (Capture capture = Capture.plain(Db.shared(), id, "CREATE TABLE blobs(id int primary key, body text)");
             TestStream stream = new TestStream("fault-big-" + id, 1)) {
            capture.execute("INSERT INTO blobs VALUES (1, 'before')",
                    "INSERT INTO blobs VALUES (2, repeat('x', 1100000))",
                    "INSERT INTO blobs VALUES (3, 'after')");
            List<String> oracle = capture.oracle();
            assertEquals(3, oracle.size(), () -> oracle.stream().map(o -> o.substring(0, Math.min(200, o.length()))).toList().toString());
            long oversizedLsn = Capture.lsn(Envelopes.parse(oracle.get(1)).path("lsn").asText());
            Map<String, String> env = runnerEnv(capture, sharedEndpoint(), stream.name());
            Path log = dir.resolve("runner.log");
            String output;
            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                assertEquals(1, runner.awaitExit(READY), runner.output());
                output = runner.output();
            }
            String table = "fault_" + id + ".blobs";
            assertTrue(output.contains(table + " (partition key '" + table + "|2')") && output.contains(" bytes as a Kinesis record"),
                    "the error names table, key and size:\n" + output);
            assertTrue(capture.confirmedFlushLsn() < oversizedLsn, "the slot is not confirmed past the oversized change");
            List<Record> afterFail = stream.readUntil(r -> false, Duration.ofSeconds(2));
            Checker.Result failed = Checker.check(oracle.subList(0, 1), afterFail);
            REPORT.add("row > 1 MiB, policy fail", failed, "-", "exit 1, error names " + table + " key and size");
            // The change before it may or may not have been written when the writer stopped (it is not confirmed either
            // way, so it is sent again after the restart); nothing from after it is.
            assertEquals(0, failed.unexpected(), "nothing after the oversized change is delivered: " + failed);

            env.put("CDC_KINESIS_OVERSIZED_RECORD_POLICY", "skip");
            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                runner.awaitReady(READY);
                List<String> expected = List.of(oracle.get(0), oracle.get(2));
                List<Record> delivered = stream.readUntil(r -> Checker.check(expected, r).missing() == 0, CATCH_UP);
                String skipped = runner.metric("cdc_kinesis_oversized_records_skipped");
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                Checker.Result result = Checker.check(expected, delivered);
                REPORT.add("row > 1 MiB, policy skip", result, "-", skipped);
                assertClean("oversized skip", result);
                assertTrue(skipped.endsWith("=1") || skipped.endsWith("=1.0"), skipped);
                assertTrue(runner.output().contains("skipped"), runner.output());
            }
        }
    }

    @Test
    void unseenTypesOddNamesLongKeysRollbacksSavepointsAndAddColumnArriveJsonEqual() throws Exception {
        String id = TestEnv.unique();
        // Upper case, double quotes, spaces and non-ASCII in schema, table and column names.
        String schemaName = "Fault \"Sché ma\" ✓ " + id;
        String schema = "\"" + schemaName.replace("\"", "\"\"") + "\"";
        String addTables = schemaName.replace(" ", "\\ ") + ".*";
        String odd = "\"Odd Täble \"\"q\"\" ✓\"";
        // Types the pipeline has never seen, user-defined ones in a schema whose name needs no quoting (see
        // userDefinedTypeInASchemaNeedingQuotes... for why).
        String types = "fault_types_" + id;
        try (Capture capture = new Capture(Db.shared(), id, schema, addTables,
                "CREATE SCHEMA " + types,
                "CREATE TYPE " + types + ".mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE TYPE " + types + ".pair AS (a int, b text)",
                "CREATE TABLE " + odd + "(\"Id\" int primary key, \"Col Ä\" text, m " + types + ".mood, p " + types + ".pair, r int4range,"
                        + " tsv tsvector, cash money, pt point, iv interval[], x xml, bits varbit, mac macaddr8,"
                        + " n numeric, big bigint, f float8)",
                "CREATE TABLE long_keys(k text primary key, v int)",
                "CREATE TABLE evolving(id int primary key, a text)");
             TestStream stream = new TestStream("fault-odd-" + id, 2)) {
            capture.alsoDrop(types);
            Map<String, String> env = runnerEnv(capture, sharedEndpoint(), stream.name());
            String longKey = "ключ-" + "k".repeat(300) + "-✓";
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                runner.awaitReady(READY);
                capture.execute(
                        "INSERT INTO " + odd + " VALUES (1, 'ä \"q\" \\ |x', 'happy', ROW(1, 'a|b'), '[1,5)',"
                                + " 'fat cat'::tsvector, 12.34, '(1.5,2)', ARRAY['1 day'::interval, '2 hours'],"
                                + " '<a>b</a>', B'1011', '08:00:2b:01:02:03:04:05', 10.50, 9223372036854775807, 'NaN')",
                        "UPDATE " + odd + " SET m = 'sad', \"Col Ä\" = NULL WHERE \"Id\" = 1",
                        "INSERT INTO long_keys VALUES ('" + longKey + "', 1)",
                        "UPDATE long_keys SET v = 2",
                        "BEGIN; INSERT INTO long_keys VALUES ('rolled-back', 1); UPDATE long_keys SET v = -1; ROLLBACK",
                        "BEGIN; INSERT INTO evolving VALUES (1, 'kept before savepoint'); SAVEPOINT s;"
                                + " INSERT INTO evolving VALUES (2, 'rolled-back in savepoint'); ROLLBACK TO SAVEPOINT s;"
                                + " INSERT INTO evolving VALUES (3, 'kept after savepoint'); COMMIT",
                        "ALTER TABLE evolving ADD COLUMN added text DEFAULT 'new'",
                        "INSERT INTO evolving VALUES (4, 'after add column', 'set')",
                        "UPDATE evolving SET a = 'updated after add column' WHERE id = 1",
                        "DELETE FROM " + odd + " WHERE \"Id\" = 1");
                List<String> oracle = capture.oracle();
                assertEquals(9, oracle.size(), "committed changes: " + oracle);
                List<Record> delivered = stream.readUntil(r -> Checker.check(oracle, r).missing() == 0, CATCH_UP);
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                Checker.Result result = Checker.check(oracle, delivered);
                REPORT.add("bad input: types/names/keys/tx/DDL", result, "-",
                        "enum, composite, range, tsvector, money, xml, ...; sha256 key; savepoint; ADD COLUMN");
                assertClean("odd input", result);
                assertEquals(0, result.duplicated(), result.toString());
                for (Record record : delivered) {
                    String data = Envelopes.data(record);
                    assertTrue(!data.contains("rolled-back"), "a rolled back change was delivered: " + data);
                    JsonNode node = Envelopes.parse(data);
                    if ("long_keys".equals(node.path("table").asText())) {
                        assertTrue(record.partitionKey().matches("sha256:[0-9a-f]{64}"), record.partitionKey());
                    }
                    if ("evolving".equals(node.path("table").asText()) && node.path("columns").toString().contains("after add column")) {
                        assertTrue(node.path("columns").toString().contains("\"added\""), "the new column appears: " + data);
                    }
                }
            }
        }
    }

    /**
     * wal2json 2.5 writes a user-defined type's name as {@code format_type} gives it, unescaped: in a schema whose name
     * needs quoting ({@code "Q"}) the type is {@code "Fault ""Q"" x".mood} and the message is not JSON. The runner must
     * stop there (the documented "malformed message from wal2json" failure), naming the LSN, and confirm nothing past it.
     */
    @Test
    void userDefinedTypeInASchemaNeedingQuotesMakesWal2jsonEmitInvalidJsonAndTheRunnerStopsWithoutConfirmingPastIt()
            throws Exception {
        String id = TestEnv.unique();
        String schemaName = "Fault \"Q\" " + id;
        String schema = "\"" + schemaName.replace("\"", "\"\"") + "\"";
        try (Capture capture = new Capture(Db.shared(), id, schema, schemaName.replace(" ", "\\ ") + ".*",
                "CREATE TYPE mood AS ENUM ('sad', 'happy')",
                "CREATE TABLE plain(id int primary key)",
                "CREATE TABLE moods(id int primary key, m mood)");
             TestStream stream = new TestStream("fault-badjson-" + id, 1)) {
            capture.execute("INSERT INTO plain VALUES (1)", "INSERT INTO moods VALUES (1, 'happy')",
                    "INSERT INTO plain VALUES (2)");
            List<String> oracle = capture.oracle();
            assertEquals(3, oracle.size(), oracle.toString());
            java.util.regex.Matcher lsn = java.util.regex.Pattern.compile("\"lsn\":\"([0-9A-F]+/[0-9A-F]+)\"")
                    .matcher(oracle.get(1));
            assertTrue(lsn.find(), oracle.get(1));
            Map<String, String> env = runnerEnv(capture, sharedEndpoint(), stream.name());
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                int exit = runner.awaitExit(READY);
                String output = runner.output();
                assertEquals(1, exit, output);
                assertTrue(output.contains("pipeline_failed") && output.contains(lsn.group(1)),
                        "the failure names the LSN of the malformed message:\n" + output);
            }
            assertTrue(capture.confirmedFlushLsn() < Capture.lsn(lsn.group(1)), "nothing confirmed past the bad change");
            List<Record> delivered = stream.readUntil(r -> false, Duration.ofSeconds(2));
            Checker.Result result = Checker.check(oracle.subList(0, 1), delivered);
            REPORT.add("bad input: wal2json invalid JSON", result, "-", "exit 1, pipeline_failed at " + lsn.group(1)
                    + " (changes before it: not confirmed, sent after a fix)");
            assertEquals(0, result.unexpected(), "nothing after the malformed change is delivered: " + result);
        }
    }

    @ParameterizedTest(name = "{0}={1} exits 2 naming {2}")
    @CsvSource(delimiter = ';', value = {
        "CDC_HTTP_PORT; eighty; http.port",
        "CDC_KINESIS_OVERSIZED_RECORD_POLICY; truncate; kinesis.oversized.record.policy",
        "CDC_KINESIS_MAX_RECORDS_PER_CALL; 501; kinesis.max.records.per.call",
        "CDC_OFFSET_FLUSH_INTERVAL_MS; -5; offset.flush.interval.ms",
        "WAL2JSON_FORMAT_VERSION; 1; wal2json.format.version",
        "CDC_SLOT_CREATE_IF_MISSING; maybe; slot.create.if.missing",
        "CDC_NO_SUCH_KEY; 1; CDC_NO_SUCH_KEY",
        "PGPORT; 99999; database.port",
    })
    void malformedConfigValueExitsTwoWithOneLineNamingTheKey(String variable, String value, String key) throws Exception {
        Map<String, String> env = TestEnv.runnerEnv();
        env.put("KINESIS_STREAM", "fault-config-never-created");
        env.put("REPLICATION_SLOT", "fault_config_never_created");
        env.put(variable, value);
        RunnerProcess.Result result = RunnerProcess.runToEnd(env);
        String output = result.stdout() + result.stderr();
        assertEquals(2, result.exitCode(), output);
        List<String> errors = output.lines().filter(l -> l.contains("config error")).toList();
        assertEquals(1, errors.size(), "one line: " + output);
        assertTrue(errors.get(0).contains(key), errors.get(0));
    }

    private static void createStream(KinesisClient client, String name, int shards) throws InterruptedException {
        client.createStream(b -> b.streamName(name).shardCount(shards));
        while (client.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamStatus()
                != StreamStatus.ACTIVE) {
            Thread.sleep(50);
        }
    }
}
