package io.cdclr.runner.faults;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * A kinesalite of the test's own, in memory: stopping it loses every stream (the "stream lost" condition). Restarts
 * on the same port so clients keep their endpoint.
 */
final class OwnKinesalite implements AutoCloseable {
    private final int port;
    private final Path log;
    private Process process;

    private OwnKinesalite(int port, Path log) {
        this.port = port;
        this.log = log;
    }

    static OwnKinesalite start(Path log) throws IOException, InterruptedException {
        OwnKinesalite k = new OwnKinesalite(OwnPostgres.freePort(), log);
        k.startProcess();
        return k;
    }

    static Path cli() {
        String configured = System.getProperty("faults.kinesalite.cli");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path base = Path.of("").toAbsolutePath(); base != null; base = base.getParent()) {
            Path candidate = base.resolve(".services/npm/node_modules/kinesalite/cli.js");
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("kinesalite not found: run scripts/local-services.sh up (or set -Dfaults.kinesalite.cli)");
    }

    /** scripts/kinesalite-server.js, which keeps kinesalite up when a client disconnects mid-request; null if absent. */
    static Path server() {
        for (Path base = Path.of("").toAbsolutePath(); base != null; base = base.getParent()) {
            Path candidate = base.resolve("scripts/kinesalite-server.js");
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    void startProcess() throws IOException, InterruptedException {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("node"));
        Path server = server();
        if (server != null) {
            command.add(server.toString());
        }
        command.addAll(java.util.List.of(cli().toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--shardLimit", "100", "--createStreamMs", "0", "--deleteStreamMs", "0", "--updateStreamMs", "0"));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("kinesalite exited: " + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("kinesalite did not listen on " + port);
    }

    void stopProcess() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    KinesisClient client() {
        return KinesisClient.builder().region(Region.US_EAST_1).endpointOverride(URI.create(endpoint())).build();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            stopProcess();
        }
    }
}
