package io.cdclr.runner.faults;

import io.cdclr.runner.testing.Db;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL 15 cluster of the test's own (initdb into a temp dir, its own port), so a scenario can restart it
 * without disturbing anyone using the shared one. Runs as the {@code postgres} OS user when the test runs as root.
 * Superuser {@code cdc}/{@code cdc}, password auth (scram) over 127.0.0.1, SSL off.
 */
final class OwnPostgres implements AutoCloseable {
    private static final Path BIN = Path.of(System.getProperty("faults.pg.bin", "/usr/lib/postgresql/15/bin"));
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final Path dir;
    private final Path data;
    private final int port;
    final Db db;
    /** Extra server settings ({@code name=value}), passed as {@code -c} options on every start. */
    private final List<String> settings = new ArrayList<>();

    private OwnPostgres(Path dir, int port) {
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.db = new Db("127.0.0.1", port, "cdc", "cdc", "postgres", "disable");
    }

    static OwnPostgres start() throws IOException, InterruptedException {
        return start(new String[0]);
    }

    /** A cluster started with extra server settings, e.g. {@code max_slot_wal_keep_size=32MB}. */
    static OwnPostgres start(String... serverSettings) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("faults-pg-");
        OwnPostgres pg = new OwnPostgres(dir, freePort());
        pg.settings.addAll(List.of(serverSettings));
        Path pwfile = dir.resolve("pw");
        Files.writeString(pwfile, "cdc\n");
        if (ROOT) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
        }
        pg.pgRun(BIN.resolve("initdb").toString(), "-D", pg.data.toString(), "-U", "cdc", "--pwfile=" + pwfile,
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        pg.startServer();
        return pg;
    }

    void startServer() throws IOException, InterruptedException {
        pgRun(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w",
                "-t", "60", "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir
                        + " -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10 -c fsync=off"
                        + " -c shared_buffers=32MB" + extraSettings(),
                "start");
    }

    private String extraSettings() {
        StringBuilder out = new StringBuilder();
        for (String setting : settings) {
            out.append(" -c ").append(setting);
        }
        return out.toString();
    }

    /** pg_ctl stop -m fast: clients (the walsender included) are disconnected, the cluster shuts down cleanly. */
    void stopFast() throws IOException, InterruptedException {
        pgRun(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "60", "-m", "fast", "stop");
    }

    String serverLog() throws IOException {
        return Files.readString(dir.resolve("server.log"));
    }

    private void pgRun(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (ROOT) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        run(full);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(out));
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            pgRun(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-m", "immediate", "stop");
        } catch (IllegalStateException ignored) {
            // already stopped
        }
        Path logs = Path.of("target", "fault-logs");
        Files.createDirectories(logs);
        if (Files.exists(dir.resolve("server.log"))) {
            Files.copy(dir.resolve("server.log"), logs.resolve("postgres-" + port + ".log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
