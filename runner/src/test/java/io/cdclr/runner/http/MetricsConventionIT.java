package io.cdclr.runner.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdclr.runner.testing.Capture;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner JAR's metrics and logs against the local PostgreSQL and Kinesis emulator (issue 20): histogram buckets
 * that count every change and every PutRecords call, the replication lag in seconds, JVM and process metrics, the
 * build info with the JAR's version, {@code --version}, {@code CDC_LOG_FORMAT=json}, {@code tail} with only the
 * Kinesis settings, and a Grafana dashboard that uses only metrics the runner exports.
 */
class MetricsConventionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Sample lines of the Prometheus text format: name, labels, value. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");
    /**
     * Exported only in some states, so a short run on the shared server may not show them: safe_wal_size is absent
     * while max_slot_wal_keep_size is unlimited (RunnerMetrics registers it; the slot-WAL ITs see it).
     */
    private static final Set<String> CONDITIONAL = Set.of("cdc_slot_safe_wal_size_bytes",
            "cdc_snapshot_rows_total"); // per table: exported once a snapshot has run

    private static final int IDLE_SECONDS = 8;

    @TempDir
    Path dir;

    @Test
    void metricsLogsVersionAndTailFollowTheConventions() throws Exception {
        long started = System.nanoTime();
        String version = jarVersion();

        RunnerProcess.Result versionRun = RunnerProcess.runToEnd(Map.of(), "--version");
        assertEquals(0, versionRun.exitCode(), versionRun.stderr());
        assertEquals("cdc-runner " + version, versionRun.stdout().strip());

        try (Capture fixture = Capture.shared("CREATE TABLE items(id int primary key, v text)");
             TestStream stream = new TestStream("metrics-" + TestEnv.unique(), 1)) {
            Map<String, String> env = TestEnv.runnerEnv();
            env.put("KINESIS_STREAM", stream.name());
            env.put("REPLICATION_SLOT", fixture.runnerSlot);
            env.put("CDC_WAL2JSON_ADD_TABLES", fixture.addTables);
            env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", dir.resolve("offsets.dat").toString());
            env.put("CDC_OFFSET_FLUSH_INTERVAL_MS", "200");
            env.put("CDC_SLOT_LAG_INTERVAL_MS", "500");
            env.put("CDC_LOG_FORMAT", "json");
            // Keepalives asked for after 2 s of silence: the idle lag below is bounded by that, not by the test's wait.
            env.put("CDC_REPLICATION_SILENCE_TIMEOUT_MS", "4000");
            Path log = dir.resolve("runner.log");
            Map<String, Double> samples;
            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                runner.awaitReady(Duration.ofSeconds(60));
                // 5 changes in 3 transactions; the runner sends no B/C records by default.
                fixture.execute("INSERT INTO items VALUES (1,'a'),(2,'b')", "UPDATE items SET v = 'c' WHERE id = 1",
                        "INSERT INTO items VALUES (3,'d'); DELETE FROM items WHERE id = 2");
                int changes = fixture.oracle().size();
                assertEquals(5, changes);
                assertEquals(changes, stream.readUntil(r -> r.size() >= changes, Duration.ofSeconds(60)).size());
                samples = scrapeUntil(runner, s -> s.getOrDefault("cdc_changes_delivered_total", 0.0) >= changes
                        && s.containsKey("cdc_slot_retained_wal_bytes"));
                String text = runner.http("/metrics");
                System.out.println("[MetricsConventionIT] histogram lines:\n" + text.lines()
                        .filter(l -> l.startsWith("cdc_commit_to_acknowledged_seconds") || l.startsWith("cdc_kinesis_put_records_seconds")
                                || l.startsWith("cdc_replication_lag_seconds") || l.startsWith("cdc_build_info"))
                        .reduce("", (a, b) -> a + b + "\n"));

                // Commit -> acknowledged: one observation per change, in cumulative buckets.
                assertHistogram(samples, "cdc_commit_to_acknowledged_seconds", changes);
                // PutRecords: one observation per completed call, as many as the writer counted.
                double calls = samples.get("cdc_kinesis_calls_timed_total");
                assertTrue(calls >= 1, "calls: " + calls);
                assertHistogram(samples, "cdc_kinesis_put_records_seconds", calls);

                Double lag = samples.get("cdc_replication_lag_seconds");
                assertNotNull(lag, "cdc_replication_lag_seconds exported after changes were acknowledged");
                assertTrue(lag >= 0 && lag < 120, "lag " + lag);
                assertEquals(1.0, samples.get("cdc_build_info{version=\"" + version + "\"}"), "build info: " + samples.keySet());
                for (String name : List.of("jvm_memory_used_bytes{area=\"heap\"}", "jvm_threads_current",
                        "process_cpu_seconds_total", "process_start_time_seconds", "process_resident_memory_bytes")) {
                    assertTrue(samples.containsKey(name), name + " in " + samples.keySet());
                }
                assertTrue(samples.keySet().stream().anyMatch(k -> k.startsWith("jvm_gc_collection_seconds_count")));

                // Every metric the dashboard's expressions use is one the runner exports.
                Set<String> exported = new TreeSet<>();
                samples.keySet().forEach(k -> exported.add(k.replaceAll("\\{.*", "")));
                for (String name : dashboardMetrics()) {
                    assertTrue(exported.contains(name) || CONDITIONAL.contains(name),
                            "the dashboard uses " + name + ", which the runner does not export: " + exported);
                }

                // Idle: nothing changes for IDLE seconds. The lag measured from the last commit alone would now be over
                // IDLE; keepalives keep it near the keepalive interval instead.
                long idleFrom = System.nanoTime();
                Thread.sleep(IDLE_SECONDS * 1000);
                double idleLag = parse(runner.http("/metrics")).get("cdc_replication_lag_seconds");
                System.out.printf("[MetricsConventionIT] lag after delivery %.3f s, after %.1f s idle %.3f s%n", lag,
                        (System.nanoTime() - idleFrom) / 1e9, idleLag);
                assertTrue(idleLag < IDLE_SECONDS, "while idle the lag (" + idleLag + " s) stays below the time since the "
                        + "last change (over " + IDLE_SECONDS + " s)");

                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
                assertJsonLines(runner.output());
            }

            // tail with the Kinesis settings only: no database variables at all.
            Map<String, String> kinesisOnly = new LinkedHashMap<>();
            for (String name : List.of("AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "CBOR_ENABLED",
                    "KINESIS_ENDPOINT", "PATH", "HOME")) {
                if (env.get(name) != null) {
                    kinesisOnly.put(name, env.get(name));
                }
            }
            kinesisOnly.put("KINESIS_STREAM", stream.name());
            RunnerProcess.Result tail = RunnerProcess.runToEnd(kinesisOnly, "tail", "--from-start", "--limit", "5");
            assertEquals(0, tail.exitCode(), tail.stderr());
            assertEquals(5, tail.stdout().lines().count(), tail.stdout());
            assertTrue(tail.stdout().contains("\"table\":\"items\""), tail.stdout());

            RunnerProcess.Result badFormat = RunnerProcess.runToEnd(Map.of("CDC_LOG_FORMAT", "xml"), "tail");
            assertEquals(2, badFormat.exitCode());
            assertTrue(badFormat.stderr().lines().anyMatch(l -> l.startsWith("config error: CDC_LOG_FORMAT")),
                    badFormat.stderr());
        }
        System.out.printf("[MetricsConventionIT] took %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** Cumulative buckets with several bounds, +Inf and _count equal to {@code expected}, _sum present. */
    private static void assertHistogram(Map<String, Double> samples, String name, double expected) {
        List<Double> counts = new ArrayList<>();
        samples.forEach((k, v) -> {
            if (k.startsWith(name + "_bucket{le=")) {
                counts.add(v);
            }
        });
        assertTrue(counts.size() >= 10, name + " buckets: " + counts);
        assertEquals(expected, samples.get(name + "_bucket{le=\"+Inf\"}"), name + " +Inf bucket");
        assertEquals(expected, samples.get(name + "_count"), name + "_count");
        assertNotNull(samples.get(name + "_sum"), name + "_sum");
        List<Double> sorted = new ArrayList<>(counts);
        sorted.sort(Double::compare);
        assertEquals(expected, sorted.get(sorted.size() - 1), name + ": the largest bucket holds every observation");
    }

    private static Map<String, Double> scrapeUntil(RunnerProcess runner, java.util.function.Predicate<Map<String, Double>> done)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Map<String, Double> samples = parse(runner.http("/metrics"));
            if (done.test(samples) || System.nanoTime() > deadline) {
                return samples;
            }
            Thread.sleep(200);
        }
    }

    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
        return samples;
    }

    /** Every line the runner wrote is one JSON object with the documented fields (the JVM's own warnings aside). */
    private static void assertJsonLines(String output) throws Exception {
        int parsed = 0;
        for (String line : output.split("\n")) {
            if (line.isBlank() || line.startsWith("OpenJDK") || line.startsWith("WARNING:")) {
                continue;
            }
            JsonNode event = JSON.readTree(line);
            for (String field : List.of("timestamp", "level", "logger", "thread", "message")) {
                assertTrue(event.hasNonNull(field), field + " in " + line);
            }
            parsed++;
        }
        assertTrue(output.contains("event=streaming"), output);
        assertTrue(parsed >= 3, output);
    }

    /** Metric names in the dashboard's PromQL expressions. */
    static Set<String> dashboardMetrics() throws Exception {
        JsonNode dashboard = JSON.readTree(Path.of("..", "deploy", "grafana", "cdc-runner-dashboard.json").toFile());
        Set<String> names = new TreeSet<>();
        for (JsonNode expr : dashboard.findValues("expr")) {
            names.addAll(DashboardExpressions.metricNames(expr.asText()));
        }
        assertFalse(names.isEmpty());
        return names;
    }

    private static String jarVersion() throws Exception {
        try (JarFile jar = new JarFile(RunnerProcess.JAR.toFile())) {
            String version = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
            assertNotNull(version, "Implementation-Version in the JAR's manifest");
            return version;
        }
    }
}
