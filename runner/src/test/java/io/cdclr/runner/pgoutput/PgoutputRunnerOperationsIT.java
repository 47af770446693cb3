package io.cdclr.runner.pgoutput;

import static io.cdclr.runner.pgoutput.PgoutputRunnerDifferentialIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * The operator's view of decoder=pgoutput with the real JAR: --help, configuration errors, preflight with the
 * publication and replica identities, a 10,000-row initial snapshot followed by streaming with no gap and no loss,
 * /health/ready, and SIGTERM (exit 0, nothing delivered twice after the restart).
 */
class PgoutputRunnerOperationsIT {
    @TempDir
    Path dir;

    @RegisterExtension
    final PgoutputRunnerFixture pg = new PgoutputRunnerFixture("pgo_ops");
    private final String s = pg.s;
    private final String publication = pg.publication;

    private Map<String, String> env(String stream) {
        Map<String, String> env = pg.runnerEnv(stream, dir.resolve("offsets.dat"));
        env.put("CDC_WAL2JSON_ADD_MSG_PREFIXES", s);
        return env;
    }

    private static void assertOneLineConfigError(RunnerProcess.Result result, String... mustContain) {
        assertEquals(2, result.exitCode(), result.stderr());
        String[] lines = result.stderr().strip().split("\n");
        assertEquals(1, lines.length, "one line expected:\n" + result.stderr());
        for (String expected : mustContain) {
            assertTrue(lines[0].contains(expected), "'" + expected + "' missing in: " + lines[0]);
        }
        assertFalse(result.stderr().contains("\tat "), result.stderr());
    }

    @Test
    void helpAndConfigurationErrorsCoverTheDecoder() throws Exception {
        RunnerProcess.Result help = RunnerProcess.runToEnd(Map.of(), "--help");
        assertEquals(0, help.exitCode());
        for (String text : new String[] {"decoder=pgoutput", "CDC_DECODER", "CDC_TABLES", "publication.name",
                "publication.create", "snapshot.mode"}) {
            assertTrue(help.stdout().contains(text), text + " missing from --help");
        }
        Map<String, String> env = env("never-created");
        env.put("CDC_DECODER", "pgoutputt");
        assertOneLineConfigError(RunnerProcess.runToEnd(env), "CDC_DECODER", "pgoutputt");
        env = env("never-created");
        env.remove("CDC_TABLES");
        assertOneLineConfigError(RunnerProcess.runToEnd(env), "CDC_TABLES", "required with decoder=pgoutput");
        env = env("never-created");
        env.put("CDC_SNAPSHOT_MODE", "sometimes");
        assertOneLineConfigError(RunnerProcess.runToEnd(env), "CDC_SNAPSHOT_MODE", "sometimes");
    }

    @Test
    void preflightChecksThePublicationAndReplicaIdentities() throws Exception {
        exec(List.of("CREATE SCHEMA " + s, "CREATE TABLE " + s + ".items(id int primary key, v text)",
                "CREATE TABLE " + s + ".nokey(a int, b text)"));
        try (TestStream stream = new TestStream("pgo-pre-" + TestEnv.unique(), 1)) {
            Map<String, String> env = env(stream.name());
            env.put("CDC_PUBLICATION_CREATE", "false");
            RunnerProcess.Result missing = RunnerProcess.runToEnd(env, "preflight");
            assertEquals(1, missing.exitCode(), missing.stdout() + missing.stderr());
            assertTrue(missing.stdout().contains("FAIL   publication " + publication + " does not exist and "
                    + "publication.create=false"), missing.stdout());

            env.put("CDC_PUBLICATION_CREATE", "true");
            RunnerProcess.Result willCreate = RunnerProcess.runToEnd(env, "preflight");
            assertEquals(0, willCreate.exitCode(), willCreate.stdout() + willCreate.stderr());
            assertTrue(willCreate.stdout().contains("the runner will create it FOR TABLE " + s + ".items"), willCreate.stdout());
            assertTrue(willCreate.stdout().strip().endsWith("GO"), willCreate.stdout());

            exec(List.of("CREATE PUBLICATION " + publication + " FOR TABLE " + s + ".items"));
            env.put("CDC_PUBLICATION_CREATE", "false");
            env.put("CDC_TABLES", s + ".items," + s + ".nokey");
            RunnerProcess.Result noGo = RunnerProcess.runToEnd(env, "preflight");
            assertEquals(1, noGo.exitCode(), noGo.stdout());
            assertTrue(noGo.stdout().contains("FAIL   publication " + publication + " does not publish " + s + ".nokey"),
                    noGo.stdout());
            assertTrue(noGo.stdout().contains("FAIL   table " + s + ".nokey has no replica identity"), noGo.stdout());
            assertTrue(noGo.stdout().contains("NO-GO: "), noGo.stdout());

            env.put("CDC_TABLES", s + ".items");
            RunnerProcess.Result go = RunnerProcess.runToEnd(env, "preflight");
            assertEquals(0, go.exitCode(), go.stdout());
            assertTrue(go.stdout().contains("ok     publication " + publication + " covers " + s + ".items"), go.stdout());
            assertTrue(go.stdout().contains("ok     replica identity present on " + s + ".items"), go.stdout());
            assertTrue(go.stdout().contains("does not exist; the runner will create it with pgoutput"), go.stdout());
        }
    }

    /**
     * 10,000 existing rows, inserts running while the runner starts (across the snapshot's start), then updates and
     * deletes: every row exactly once (as I, from the snapshot or the stream), then the later changes. After SIGTERM
     * (exit 0) and changes made while the runner is down, a restart delivers those and nothing twice.
     */
    @Test
    void tenThousandRowsAreSnapshottedThenStreamedWithNoGapAndNoDuplicateAcrossSigterm() throws Exception {
        exec(List.of("CREATE SCHEMA " + s, "CREATE TABLE " + s + ".items(id int primary key, v text, amount numeric(12,2))",
                "INSERT INTO " + s + ".items SELECT g, 'row ' || g, g * 0.01 FROM generate_series(1, 10000) g"));
        try (TestStream stream = new TestStream("pgo-snap-" + TestEnv.unique(), 1)) {
            Map<String, String> env = env(stream.name());
            Path log = dir.resolve("runner.log");
            AtomicReference<Exception> inserterFailure = new AtomicReference<>();
            Thread inserter = new Thread(() -> {
                try {
                    for (int tx = 0; tx < 50; tx++) {
                        int from = 10_001 + tx * 10;
                        exec(List.of("INSERT INTO " + s + ".items SELECT g, 'live ' || g, g * 0.01 FROM generate_series("
                                + from + ", " + (from + 9) + ") g"));
                        Thread.sleep(40);
                    }
                } catch (Exception e) {
                    inserterFailure.set(e);
                }
            });
            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                inserter.start();
                runner.awaitReady(Duration.ofSeconds(120));
                inserter.join();
                assertEquals(null, inserterFailure.get());
                exec(List.of("UPDATE " + s + ".items SET v = 'updated' WHERE id IN (5, 10005)",
                        "DELETE FROM " + s + ".items WHERE id IN (6, 10006)",
                        "SELECT pg_logical_emit_message(true, '" + s + "', 'first run done')",
                        // Not a message last before the stop: Debezium would send that again after the restart
                        // (docs/pgoutput.md, differences).
                        "UPDATE " + s + ".items SET v = 'last' WHERE id = 1"));
                List<Record> records = stream.readUntil(rs -> rs.size() >= 10_506, Duration.ofSeconds(180));
                assertEquals(200, runner.httpStatus("/health/ready"), runner.output());
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                assertTrue(runner.output().contains("event=stopped exit_code=0"), runner.output());

                Map<String, List<String>> byId = byRow(records);
                for (int id = 1; id <= 10_500; id++) {
                    List<String> actions = byId.get(Integer.toString(id));
                    assertTrue(actions != null && actions.get(0).equals("I"), "row " + id + " inserted first: " + actions);
                }
                assertEquals(List.of("I", "U"), byId.get("1"));
                assertEquals(List.of("I", "U"), byId.get("5"));
                assertEquals(List.of("I", "D"), byId.get("6"));
                assertEquals(List.of("I", "U"), byId.get("10005"));
                assertEquals(List.of("I", "D"), byId.get("10006"));
                JsonNode snapshotRow = firstOf(records, "7");
                assertEquals("{\"name\":\"amount\",\"type\":\"numeric(12,2)\",\"value\":0.07}",
                        snapshotRow.path("columns").get(2).toString(), "snapshot rows carry wal2json's columns");
                assertEquals(s + ".items|7", records.stream().filter(r -> Envelopes.data(r).contains("\"value\":\"row 7\""))
                        .findFirst().orElseThrow().partitionKey());
            }

            exec(List.of("INSERT INTO " + s + ".items SELECT g, 'after restart', 1 FROM generate_series(20001, 20100) g",
                    "UPDATE " + s + ".items SET amount = 2 WHERE id = 7"));
            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                runner.awaitReady(Duration.ofSeconds(120));
                List<Record> records = stream.readUntil(rs -> rs.size() >= 10_607, Duration.ofSeconds(120));
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                // Read again once the runner has stopped: each poll takes what the shard holds (up to 10,000 records),
                // so this ends with the whole stream, duplicates included.
                records = stream.readUntil(rs -> rs.size() >= 10_607, Duration.ofSeconds(120));
                Set<String> distinct = new HashSet<>();
                List<String> duplicates = new ArrayList<>();
                for (Record r : records) {
                    if (!distinct.add(Envelopes.data(r))) {
                        duplicates.add(Envelopes.data(r));
                    }
                }
                assertEquals(List.of(), duplicates.subList(0, Math.min(3, duplicates.size())), "nothing delivered twice");
                // 10,500 inserts, 3 updates, 2 deletes, 1 message; then 100 inserts and 1 update
                assertEquals(10_607, records.size(), "every change once");
                assertEquals(List.of("I", "U"), byRow(records).get("7"));
                assertTrue(byRow(records).containsKey("20100"));
            }
        }
    }

    /**
     * signal.table: an incremental snapshot while streaming, each existing row once as I; a row streamed before the
     * snapshot is read again by it (the snapshot writes the current state of every row); the signal rows stay off
     * Kinesis.
     */
    @Test
    void incrementalSnapshotThroughTheSignalTable() throws Exception {
        exec(List.of("CREATE SCHEMA " + s, "CREATE TABLE " + s + ".items(id int primary key, v text, amount numeric(12,2))",
                "CREATE TABLE " + s + ".signals(id varchar(42) primary key, type varchar(32) not null, data varchar(2048))",
                "INSERT INTO " + s + ".items SELECT g, 'row ' || g, g * 0.01 FROM generate_series(1, 500) g"));
        try (TestStream stream = new TestStream("pgo-inc-" + TestEnv.unique(), 1)) {
            Map<String, String> env = env(stream.name());
            env.put("CDC_SNAPSHOT_MODE", "no_data");
            env.put("CDC_SIGNAL_TABLE", s + ".signals");
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                runner.awaitReady(Duration.ofSeconds(120));
                PgoutputRunnerDifferentialIT.awaitActive(pg.slot);
                exec(List.of("INSERT INTO " + s + ".items VALUES (501, 'streamed', 1)",
                        "INSERT INTO " + s + ".signals VALUES ('snap-1', 'execute-snapshot', '{\"data-collections\": [\""
                                + s + ".items\"], \"type\": \"incremental\"}')"));
                List<Record> records = stream.readUntil(rs -> rs.size() >= 502, Duration.ofSeconds(120));
                Thread.sleep(2000);
                records = stream.readUntil(rs -> rs.size() >= 502, Duration.ofSeconds(60));
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                Map<String, List<String>> byId = byRow(records);
                for (int id = 1; id <= 500; id++) {
                    assertEquals(List.of("I"), byId.get(Integer.toString(id)), "row " + id);
                }
                assertEquals(List.of("I", "I"), byId.get("501"), "streamed, then read by the snapshot");
                assertEquals(502, records.size(), "nothing else, no signal rows: " + records.stream()
                        .map(Envelopes::data).filter(d -> d.contains("signals")).findFirst().orElse(""));
            }
        }
    }

    private static JsonNode firstOf(List<Record> records, String id) {
        for (Record r : records) {
            JsonNode node = Envelopes.parse(Envelopes.data(r));
            if (node.has("columns") && node.path("columns").get(0).path("value").asText().equals(id)) {
                return node;
            }
        }
        throw new AssertionError("no record of row " + id);
    }

    /** Actions per row id, in stream order (one shard: the order they were written). */
    private static Map<String, List<String>> byRow(List<Record> records) {
        Map<String, List<String>> out = new HashMap<>();
        for (Record r : records) {
            JsonNode node = Envelopes.parse(Envelopes.data(r));
            String action = node.path("action").asText();
            JsonNode row = "D".equals(action) ? node.path("identity") : node.path("columns");
            if (row.isMissingNode() || row.isEmpty()) {
                continue;
            }
            out.computeIfAbsent(row.get(0).path("value").asText(), k -> new ArrayList<>()).add(action);
        }
        return out;
    }
}
