package io.cdclr.connector.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

/**
 * A stock Kafka Connect worker (distributed mode, {@code org.apache.kafka.connect.cli.ConnectDistributed}) in its own
 * JVM. Its classpath is Kafka Connect and its dependencies only: this module's classes and test classes, and the
 * libraries our plugin brings (PgJDBC, the AWS SDK, Debezium), are left out, so our connectors can only come from
 * {@code plugin.path}. {@link #assertClasspathHasNoPluginClasses} checks that.
 */
final class ConnectWorkerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Left out of the worker's classpath (besides every path under this module's target/). */
    private static final List<String> EXCLUDED = List.of("/io/debezium/", "/org/postgresql/", "/software/amazon/",
            "/org/junit/", "/org/opentest4j/",
            // the tests' own fixtures (from the reactor or a local repository)
            "/test-support/target/", "/cdc-test-support-");

    private final Path workDir;
    private final Properties workerProps;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> classpath;
    private Process process;
    private int starts;
    private List<String> extraJvmArgs = List.of();

    ConnectWorkerProcess(Path workDir, Properties workerProps, int port) {
        this.workDir = workDir;
        this.workerProps = workerProps;
        this.port = port;
        this.classpath = workerClasspath(Path.of("target").toAbsolutePath());
    }

    static List<String> workerClasspath(Path moduleTarget) {
        String testClasspath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> out = new ArrayList<>();
        for (String entry : testClasspath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path path = Path.of(entry).toAbsolutePath();
            String unix = path.toString().replace('\\', '/');
            // Test jars (Kafka's own test harness) are not part of a worker either.
            if (path.startsWith(moduleTarget) || EXCLUDED.stream().anyMatch(unix::contains) || unix.endsWith("-test.jar")) {
                continue;
            }
            out.add(path.toString());
        }
        return out;
    }

    /** JVM options added to the worker's command line (e.g. a JMX port), from the next start on. */
    ConnectWorkerProcess jvmArgs(List<String> args) {
        this.extraJvmArgs = List.copyOf(args);
        return this;
    }

    int port() {
        return port;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    List<String> classpath() {
        return classpath;
    }

    /** Fails if any classpath entry of the worker holds a class of this project. */
    void assertClasspathHasNoPluginClasses() {
        for (String entry : classpath) {
            Path path = Path.of(entry);
            if (Files.isDirectory(path)) {
                if (Files.exists(path.resolve("io/cdclr"))) {
                    throw new AssertionError("worker classpath entry " + entry + " holds io/cdclr classes");
                }
            } else if (Files.isRegularFile(path) && entry.endsWith(".jar")) {
                try (ZipFile zip = new ZipFile(path.toFile())) {
                    if (zip.getEntry("io/cdclr/") != null
                            || zip.getEntry("io/cdclr/connector/source/Wal2JsonSourceConnector.class") != null
                            || zip.getEntry("io/cdclr/connector/sink/KinesisSinkConnector.class") != null) {
                        throw new AssertionError("worker classpath entry " + entry + " holds io/cdclr classes");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    String restUrl() {
        return "http://127.0.0.1:" + port;
    }

    void start() throws IOException, InterruptedException {
        starts++;
        Path props = workDir.resolve("worker.properties");
        try (Writer w = Files.newBufferedWriter(props)) {
            workerProps.store(w, "Kafka Connect worker of KafkaConnectPipelineIT");
        }
        Path log = workDir.resolve("worker-" + starts + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.net.preferIPv4Stack=true",
                // kinesalite needs the SDK's CBOR off (the environment may also say CBOR_ENABLED=false).
                "-Daws.cborEnabled=false",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common=warn"));
        command.addAll(extraJvmArgs);
        command.addAll(List.of("-cp", String.join(File.pathSeparator, classpath),
                "org.apache.kafka.connect.cli.ConnectDistributed", props.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (builder.environment().get("AWS_ACCESS_KEY_ID") == null) {
            builder.environment().put("AWS_ACCESS_KEY_ID", "local");
            builder.environment().put("AWS_SECRET_ACCESS_KEY", "local");
        }
        process = builder.start();
        Process started = process;
        // Never leave a worker behind, also when the test JVM is stopped abruptly (failsafe timeout, Ctrl-C).
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "kill-connect-worker"));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Connect worker exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/connectors"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (ConnectException | java.net.http.HttpTimeoutException e) {
                // not listening yet
            } catch (IOException e) {
                // starting
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Connect worker REST API not ready within 120 s; see " + log);
            }
            Thread.sleep(500);
        }
    }

    /** SIGTERM: Connect stops its connectors and tasks gracefully (commits offsets), as in a rolling restart. */
    void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        process = null;
    }

    /** SIGKILL: the worker dies without stopping anything, as in a crash or an OOM kill. */
    void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        process = null;
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(restUrl() + path)).GET(), 200);
    }

    JsonNode put(String path, Object body, int... okStatus) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(restUrl() + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), okStatus);
    }

    void delete(String path) throws IOException, InterruptedException {
        http.send(HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(Duration.ofSeconds(30)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode send(HttpRequest.Builder request, int... okStatus) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        boolean ok = okStatus.length == 0 ? response.statusCode() / 100 == 2
                : java.util.Arrays.stream(okStatus).anyMatch(s -> s == response.statusCode());
        if (!ok) {
            throw new IllegalStateException(request.build().method() + " " + request.build().uri() + " answered "
                    + response.statusCode() + ": " + response.body());
        }
        return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
