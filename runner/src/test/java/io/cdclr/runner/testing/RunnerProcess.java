package io.cdclr.runner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real runner JAR ({@code target/cdc-runner.jar}) as a child process, with its output in a file. */
public final class RunnerProcess implements AutoCloseable {
    /** {@code -Drunner.jar=/path/to/other.jar} runs another build, e.g. the code before a fix. */
    public static final Path JAR = Path.of(System.getProperty("runner.jar", Path.of("target", "cdc-runner.jar").toString()));

    private final Process process;
    private final Path log;
    private final int httpPort;

    private RunnerProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    public static RunnerProcess start(Map<String, String> env, Path log, String... args) throws IOException {
        return start(env, log, List.of(), args);
    }

    /** With JVM options after the default ones, so they win (e.g. {@code -Xmx256m}). */
    public static RunnerProcess start(Map<String, String> env, Path log, List<String> jvmOptions, String... args)
            throws IOException {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx512m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.environment().put("CDC_HTTP_PORT", Integer.toString(port));
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new RunnerProcess(builder.start(), log, port);
    }

    /** Runs the JAR to completion and returns its exit code and output (for startup errors and --help). */
    public static Result runToEnd(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(env);
        Path out = Files.createTempFile("runner-out", ".txt");
        Path err = Files.createTempFile("runner-err", ".txt");
        builder.redirectOutput(out.toFile());
        builder.redirectError(err.toFile());
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("runner did not exit within 60 s: " + String.join(" ", args));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Exit code, stdout and stderr of a finished run. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    public void awaitReady(Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("runner exited with " + process.exitValue() + " before it was ready:\n" + output());
            }
            if (httpStatus("/health/ready") == 200) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("runner not ready within " + maxWait + ":\n" + output());
    }

    /** The runner's HTTP port (picked free at start). */
    public int port() {
        return httpPort;
    }

    public int httpStatus(String path) {
        try {
            HttpURLConnection conn = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + path).toURL().openConnection();
            conn.setConnectTimeout(500);
            conn.setReadTimeout(2000);
            return conn.getResponseCode();
        } catch (IOException e) {
            return -1;
        }
    }

    public String http(String path) throws IOException {
        HttpURLConnection conn = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + path).toURL().openConnection();
        try (var in = conn.getInputStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** The /metrics samples whose line starts with {@code prefix}, as name=value joined by ','; prefix=? if unreadable. */
    public String metric(String prefix) {
        try {
            return http("/metrics").lines().filter(l -> l.startsWith(prefix)).map(l -> l.replace(' ', '='))
                    .reduce((a, b) -> a + "," + b).orElse(prefix + "=?");
        } catch (Exception e) {
            return prefix + "=?";
        }
    }

    /** SIGTERM, then waits for the exit code. */
    public int terminate(Duration maxWait) throws InterruptedException {
        process.destroy(); // SIGTERM on Linux
        if (!process.waitFor(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("runner ignored SIGTERM for " + maxWait + ":\n" + output());
        }
        return process.exitValue();
    }

    /** Waits for the runner to exit on its own (e.g. after a failure) and returns its exit code. */
    public int awaitExit(Duration maxWait) throws InterruptedException {
        if (!process.waitFor(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("runner still running after " + maxWait + ":\n" + output());
        }
        return process.exitValue();
    }

    /** kill -9: no chance to drain, flush or confirm anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The process id, e.g. to read {@code /proc/<pid>/status}. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
