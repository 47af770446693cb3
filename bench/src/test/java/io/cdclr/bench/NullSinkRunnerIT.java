package io.cdclr.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The runner JAR really writes to the null sink: over a backlog of inserts, updates and deletes, the sink takes one
 * record per change of the table, and exactly as many records as the runner reports delivered. Needs the local
 * PostgreSQL (eval "$(scripts/local-services.sh env)") and a packaged runner (bench.runnerJar, default
 * ../runner/target/cdc-runner.jar):
 * <pre>
 *   mvn -B -ntp -Pbench verify -pl connector,runner,bench -Dit.test=NullSinkRunnerIT -Dtest=NullKinesisTest \
 *       -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 */
class NullSinkRunnerIT {
    private static final int INSERTS = 2_000;
    private static final int UPDATES = 500;
    private static final int DELETES = 100;

    @Test
    void everyChangeOfTheBacklogReachesTheNullSink() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String table = "bench_nullsink_" + suffix;
        String slot = "bench_nullsink_" + suffix;
        Path work = Files.createTempDirectory("null-sink-it");
        try (Postgres pg = new Postgres()) {
            pg.createOrdersTable(table);
            pg.createSlot(slot, "wal2json");
            try {
                pg.mixedWorkload(table, INSERTS, UPDATES, DELETES);
                try (NullKinesis sink = new NullKinesis(0, 4)) {
                    sink.countKeysStartingWith("public." + table);
                    int port;
                    try (ServerSocket socket = new ServerSocket(0)) {
                        port = socket.getLocalPort();
                    }
                    Process runner = start(sink.endpoint(), slot, table, port, work);
                    try {
                        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                        URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
                        long delivered = -1;
                        while (System.nanoTime() < deadline && runner.isAlive()) {
                            delivered = delivered(metrics);
                            if (sink.recordsWithKeyPrefix() >= INSERTS + UPDATES + DELETES && delivered == sink.records()) {
                                break;
                            }
                            Thread.sleep(200);
                        }
                        assertEquals(INSERTS + UPDATES + DELETES, sink.recordsWithKeyPrefix(),
                                "the table's changes the null sink took; runner log " + work.resolve("runner.log"));
                        assertEquals(sink.records(), delivered, "records the sink took against changes the runner delivered");
                    } finally {
                        runner.destroy();
                        if (!runner.waitFor(60, TimeUnit.SECONDS)) {
                            runner.destroyForcibly().waitFor();
                        }
                    }
                }
            } finally {
                pg.dropSlot(slot);
                pg.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    private static Process start(URI endpoint, String slot, String table, int port, Path work) throws Exception {
        Path jar = Path.of(System.getProperty("bench.runnerJar", "../runner/target/cdc-runner.jar")).toAbsolutePath();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Daws.cborEnabled=false", "-jar", jar.toString()))
                .redirectErrorStream(true).redirectOutput(work.resolve("runner.log").toFile());
        builder.environment().put("KINESIS_STREAM", "null-sink-it");
        builder.environment().put("KINESIS_ENDPOINT", endpoint.toString());
        builder.environment().putIfAbsent("AWS_REGION", "us-east-1");
        builder.environment().putIfAbsent("AWS_ACCESS_KEY_ID", "local");
        builder.environment().putIfAbsent("AWS_SECRET_ACCESS_KEY", "local");
        builder.environment().put("CBOR_ENABLED", "false");
        builder.environment().put("REPLICATION_SLOT", slot);
        builder.environment().put("CDC_WAL2JSON_ADD_TABLES", "public." + table);
        builder.environment().put("CDC_OFFSET_STORAGE_FILE_FILENAME", work.resolve("offsets").toString());
        builder.environment().put("CDC_HTTP_PORT", Integer.toString(port));
        builder.environment().put("CDC_RUNNER_NAME", "bench-it-" + slot);
        return builder.start();
    }

    private static long delivered(URI metrics) {
        try {
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith("cdc_changes_delivered_total")) {
                    return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (Exception notYet) {
            // not listening yet
        }
        return -1;
    }
}
