package io.cdclr.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What every contender of one run shares: the settings, the database and the emulator, the run's unique suffix and work
 * directory, the sentinel table, progress output, waiting, and the clean-up of everything the run created.
 */
final class Harness implements AutoCloseable {
    final Settings settings;
    final String suffix = UUID.randomUUID().toString().substring(0, 6);
    /** One row here after a workload: a contender that delivered it has delivered everything committed before. */
    final String endTable = "bench_end_" + suffix;
    final Path work;
    final long startedNanos = System.nanoTime();
    final List<Row> rows = new ArrayList<>();
    private final List<Runnable> cleanups = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    Kinesis kinesis;
    Postgres pg;
    private long sentinelId = 1;

    Harness(Settings settings) throws Exception {
        this.settings = settings;
        work = Files.createDirectories(settings.root.resolve("bench/target/work-" + suffix));
        kinesis = new Kinesis(URI.create(settings.endpoint), settings.region);
        pg = new Postgres();
        table(endTable);
    }

    /** Creates a table of the orders shape, dropped when the run ends. */
    void table(String name) throws Exception {
        pg.createOrdersTable(name);
        onCleanUp(() -> pg.execute("DROP TABLE IF EXISTS " + name));
    }

    /** A slot name unique to this run, dropped when the run ends if still there. */
    String slot(String prefix) {
        String name = prefix + "_" + suffix;
        onCleanUp(() -> pg.dropSlot(name));
        return name;
    }

    String publication(String prefix, String table) throws Exception {
        String name = prefix + "_" + suffix;
        pg.execute("DROP PUBLICATION IF EXISTS " + name);
        pg.execute("CREATE PUBLICATION " + name + " FOR TABLE public." + table + ", public." + endTable);
        onCleanUp(() -> pg.execute("DROP PUBLICATION IF EXISTS " + name));
        return name;
    }

    void writeSentinel() throws Exception {
        long id = sentinelId++;
        pg.insertRows(endTable, id, id);
    }

    /**
     * Restarts kinesalite empty before a contender writes to it (BENCH_FRESH_EMULATOR=0 skips it): it keeps the memory
     * of deleted streams and slows down as it grows (4.2 GB after 25 minutes of runs here), which would
     * favour whoever runs first.
     */
    void freshEmulator(String label) throws Exception {
        if (!settings.freshEmulator) {
            return;
        }
        progress("[%s] restarting kinesalite empty (scripts/local-services.sh restart-kinesis)", label);
        Process restart = new ProcessBuilder(settings.root.resolve("scripts/local-services.sh").toString(), "restart-kinesis")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("kinesalite-restarts.log").toFile())).start();
        if (!restart.waitFor(60, TimeUnit.SECONDS) || restart.exitValue() != 0) {
            throw new IllegalStateException("restarting kinesalite failed; see " + work.resolve("kinesalite-restarts.log"));
        }
    }

    /** Polls {@code done} twice a second until it holds; fails if the process exits or the run's timeout passes. */
    void waitFor(String label, String who, Proc proc, BooleanSupplier done, Supplier<String> status) throws Exception {
        long deadline = System.nanoTime() + settings.timeout.toNanos();
        long nextPrint = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean()) {
            if (!proc.alive()) {
                throw new IllegalStateException(who + " exited early; log " + proc.log + ":\n" + proc.logTail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(who + " did not finish within " + settings.timeout + " (" + status.get()
                        + "); log " + proc.log);
            }
            if (System.nanoTime() > nextPrint) {
                progress("[%s] %s: %.0f s: %s", label, who, (System.nanoTime() - proc.startedNanos) / 1e9, status.get());
                nextPrint += 5_000_000_000L;
            }
            // Twice a second: the runner's progress comes from scraping its /metrics, and scraping 5 times a second
            // cost it about 0.5 CPU s per run, which a Prometheus scraping every 15 s does not.
            Thread.sleep(500);
        }
    }

    /** A value from a Prometheus text page (the runner's /metrics); 0 while it does not answer. */
    long metric(URI metrics, String name) {
        try {
            String body = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (Exception notYet) {
            // not listening yet
        }
        return 0;
    }

    void progress(String format, Object... args) {
        long s = (System.nanoTime() - startedNanos) / 1_000_000_000L;
        System.out.printf(Locale.ROOT, "[bench %02d:%02d] %s%n", s / 60, s % 60, String.format(Locale.ROOT, format, args));
    }

    interface Action {
        void run() throws Exception;
    }

    void onCleanUp(Action action) {
        cleanups.add(() -> quietly(action));
    }

    static void quietly(Action action) {
        try {
            action.run();
        } catch (Exception e) {
            System.out.println("  (cleanup: " + e.getMessage() + ")");
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (int i = cleanups.size() - 1; i >= 0; i--) {
            cleanups.get(i).run();
        }
        quietly(() -> pg.close());
        kinesis.close();
    }
}
