package io.cdclr.runner.cli;

import io.cdclr.runner.config.DecoderSettings;
import io.cdclr.runner.config.PostgresConnections;
import io.cdclr.runner.config.RunnerConfig;
import io.cdclr.runner.engine.Pipeline;
import io.cdclr.runner.http.RunnerMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code train}: a training run for the JVM's ahead-of-time cache (JEP 483/515, Java 25). Run with
 * {@code -XX:AOTCacheOutput=FILE}, the JVM records which classes the runner loads and links and how its methods
 * behave while streaming, and writes them to FILE when it exits; a later start with {@code -XX:AOTCache=FILE} maps
 * the classes ready-linked and compiles the hot methods from the recorded profiles instead of interpreting and
 * profiling them first (docs/benchmarks.md: a sixth less CPU on the 1M-row transaction, half the start-up CPU).
 *
 * <p>The run is a real pipeline against the configured database and stream, on a throwaway table and slot of its
 * own so it never touches anything else: it creates the table, streams an orders-like mix of inserts, updates and
 * deletes through the wal2json pipeline to the stream, waits until Kinesis has all of it, stops, and drops the slot
 * and the table. Offsets go to a temporary file. The changes land on the configured stream: point it at a training
 * stream (the image build uses the local emulator). Exit 0 only when every change was delivered.
 */
final class TrainCommand {
    /** The default size of the mix. Profiles need methods hot enough to reach the optimizing compiler: 32,000
     *  changes gave no gain in the 1M-row benchmark, 200,000 the whole of it (docs/benchmarks.md). */
    static final long DEFAULT_CHANGES = 200_000;

    private static final long NO_PROGRESS_TIMEOUT_MS = 60_000;

    private final Optional<Path> configFile;
    private final RunnerConfig userConfig;
    private final Map<String, String> env;
    private final long changes;
    private final PrintStream out;
    private final String name = "cdc_train_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());

    TrainCommand(Optional<Path> configFile, RunnerConfig userConfig, Map<String, String> env, long changes,
                 PrintStream out) {
        this.configFile = configFile;
        this.userConfig = userConfig;
        this.env = env;
        this.changes = changes;
        this.out = out;
    }

    int run() throws Exception {
        Path offsets = Files.createTempDirectory("cdc-train");
        try {
            RunnerConfig config = RunnerConfig.load(configFile, trainingEnv(offsets.resolve("offsets.dat")));
            PostgresConnections postgres = new PostgresConnections(config.values());
            postgres.checkReachable();
            try (Connection db = postgres.open()) {
                db.setAutoCommit(true);
                try {
                    createTable(db);
                    return stream(config, db, Mix.of(changes));
                } finally {
                    dropSlotAndTable(db);
                }
            }
        } finally {
            deleteRecursively(offsets);
        }
    }

    /** The user's settings, with the training's own slot, table, offsets and decoder. */
    private Map<String, String> trainingEnv(Path offsetFile) {
        Map<String, String> training = new HashMap<>(env);
        training.put("REPLICATION_SLOT", name);
        training.put("CDC_RUNNER_NAME", name);
        // wal2json, the image's default, also under a pgoutput configuration: pgoutput would create a publication.
        training.put("CDC_DECODER", "wal2json");
        training.put("CDC_SLOT_CREATE_IF_MISSING", "true");
        // Only the training table, through whichever of the two keys the user's configuration uses (setting the
        // other one too would be refused as a conflict; a variable overrides the file's value of the same key).
        training.put(userConfig.values().containsKey(DecoderSettings.TABLES) ? "CDC_TABLES" : "CDC_WAL2JSON_ADD_TABLES",
                "public." + name);
        training.put("CDC_OFFSET_STORAGE", "file");
        training.put("CDC_OFFSET_STORAGE_FILE_FILENAME", offsetFile.toString());
        return training;
    }

    private int stream(RunnerConfig config, Connection db, Mix mix) throws Exception {
        RunnerMetrics metrics = new RunnerMetrics();
        Pipeline pipeline = new Pipeline(config, metrics);
        int[] exit = {Pipeline.EXIT_FAILED};
        Thread runner = new Thread(() -> {
            try {
                exit[0] = pipeline.run();
            } catch (Exception e) {
                exit[0] = Pipeline.EXIT_FAILED;
            }
        }, "cdc-train-pipeline");
        out.printf("train: streaming %,d changes (%,d inserts, %,d updates, %,d deletes) from table public.%s through "
                + "slot %s to stream %s%n", mix.total(), mix.inserts(), mix.updates(), mix.deletes(), name, name,
                config.values().get("kinesis.stream"));
        runner.start();
        try {
            awaitSlot(db, pipeline);
            long started = System.nanoTime();
            writeWorkload(db, mix);
            awaitDelivered(pipeline, metrics, mix.total());
            out.printf("train: %,d changes delivered in %.1f s%n", (long) metrics.changesDelivered(),
                    (System.nanoTime() - started) / 1e9);
        } finally {
            pipeline.requestStop();
            runner.join(TimeUnit.MINUTES.toMillis(2));
        }
        if (pipeline.failure() != null) {
            throw new IllegalStateException("the training pipeline failed: " + pipeline.failure().getMessage(),
                    pipeline.failure());
        }
        return exit[0];
    }

    private void createTable(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE public." + name + " (id bigint PRIMARY KEY, customer text NOT NULL,"
                    + " amount numeric(12,2) NOT NULL, status text NOT NULL, note text,"
                    + " updated_at timestamptz NOT NULL DEFAULT now())");
        }
    }

    /** Waits until the pipeline streams from its slot: changes written before the slot exists are not captured. */
    private void awaitSlot(Connection db, Pipeline pipeline) throws SQLException, InterruptedException {
        long deadline = System.currentTimeMillis() + NO_PROGRESS_TIMEOUT_MS;
        while (!(pipeline.ready() && slotExists(db))) {
            if (pipeline.failure() != null) {
                throw new IllegalStateException("the training pipeline failed: " + pipeline.failure().getMessage(),
                        pipeline.failure());
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the training pipeline did not start streaming from slot " + name
                        + " within " + NO_PROGRESS_TIMEOUT_MS / 1000 + " s");
            }
            Thread.sleep(100);
        }
    }

    private boolean slotExists(Connection db) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    /** Three statements, as an application's batch jobs would: one transaction each. */
    private void writeWorkload(Connection db, Mix mix) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.executeUpdate("INSERT INTO public." + name + " (id, customer, amount, status, note)"
                    + " SELECT g, 'customer-' || (g % 5000), (g % 100000) / 100.0, 'new', repeat('x', 10 + (g % 50))"
                    + " FROM generate_series(1, " + mix.inserts() + ") g");
            s.executeUpdate("UPDATE public." + name + " SET status = 'paid', amount = amount + 1, updated_at = now()"
                    + " WHERE id <= " + mix.updates());
            s.executeUpdate("DELETE FROM public." + name + " WHERE id > " + (mix.inserts() - mix.deletes()));
        }
    }

    private void awaitDelivered(Pipeline pipeline, RunnerMetrics metrics, long expected) throws InterruptedException {
        double last = -1;
        long lastProgress = System.currentTimeMillis();
        while (metrics.changesDelivered() < expected) {
            if (pipeline.failure() != null) {
                throw new IllegalStateException("the training pipeline failed: " + pipeline.failure().getMessage(),
                        pipeline.failure());
            }
            double now = metrics.changesDelivered();
            if (now != last) {
                last = now;
                lastProgress = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - lastProgress > NO_PROGRESS_TIMEOUT_MS) {
                throw new IllegalStateException(String.format("the training run stalled: %,d of %,d changes delivered"
                        + " and none for %d s", (long) now, expected, NO_PROGRESS_TIMEOUT_MS / 1000));
            }
            Thread.sleep(100);
        }
    }

    /** Drops what the run created; the slot only once its walsender has gone (the pipeline stopped just before). */
    private void dropSlotAndTable(Connection db) throws SQLException, InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try (PreparedStatement s = db.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
                s.setString(1, name);
                s.execute();
                break;
            } catch (SQLException e) {
                // 55006: the slot is still active for a moment after the pipeline stopped
                if (!"55006".equals(e.getSQLState()) || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
        try (Statement s = db.createStatement()) {
            s.execute("DROP TABLE IF EXISTS public." + name);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The orders-like mix: per 16 changes, 10 inserts, 5 updates and 1 delete (the benchmark's proportions). */
    record Mix(long inserts, long updates, long deletes) {
        static Mix of(long changes) {
            long inserts = Math.max(1, changes * 10 / 16);
            return new Mix(inserts, inserts / 2, inserts / 10);
        }

        long total() {
            return inserts + updates + deletes;
        }
    }
}
