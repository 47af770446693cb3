package io.cdclr.connector.pgoutput;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.apache.kafka.connect.source.SourceRecord;

import io.cdclr.connector.replication.ConnectionTimeouts;
import io.cdclr.connector.replication.PostgresEndpoint;
import io.cdclr.connector.source.Wal2JsonSourceConfig;
import io.cdclr.testsupport.LocalServices;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.embedded.Connect;

/**
 * Debezium's PostgresConnector (plugin pgoutput) on the Debezium Engine with {@link DebeziumToWal2JsonTransform},
 * as the runner hosts it for decoder=pgoutput, collecting the transformed records in memory. Its own slot and
 * publication (the publication is created by the test, limited to the captured tables).
 */
final class PgoutputHarness implements AutoCloseable {
    private final String slot;
    private final LinkedBlockingQueue<SourceRecord> records = new LinkedBlockingQueue<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;

    PgoutputHarness(String slot) {
        this.slot = slot;
    }

    /**
     * The connector and transform properties the runner sets for decoder=pgoutput ({@link PgoutputProperties}), with
     * what a test needs on top: an in-memory offset store, a slot dropped on stop, the whole test schema captured
     * (tables come and go with the test; its publication is created by the test) and messages by a prefix pattern.
     */
    static Properties properties(String name, String slot, String publication, String schemaInclude, String snapshotMode,
                                 String messagePrefixes) {
        PostgresEndpoint endpoint = new PostgresEndpoint(LocalServices.pgHost(), LocalServices.pgPort(),
                LocalServices.pgDatabase(), LocalServices.pgUser(), LocalServices.pgPassword(),
                LocalServices.env("PGSSLMODE", "prefer"), null, null, null, "cdclr-" + slot,
                new ConnectionTimeouts(10_000, 30_000), null);
        PgoutputSettings settings = new PgoutputSettings(endpoint, slot, "cdc", publication, false, List.of(),
                snapshotMode, "", List.of(), List.of(), 10, 1_000, 60_000,
                Wal2JsonSourceConfig.DEFAULT_QUEUE_MAX_BYTES);
        Properties p = PgoutputProperties.of(settings);
        p.setProperty("name", name);
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("topic.prefix", "dbz_" + name);
        p.setProperty("slot.drop.on.stop", "true");
        p.remove("table.include.list");
        p.setProperty("schema.include.list", schemaInclude);
        p.setProperty("message.prefix.include.list", messagePrefixes);
        return p;
    }

    void start(Properties props) {
        engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(props)
                .notifying(event -> records.add(event.record()))
                .using((success, message, error) -> {
                    if (!success) {
                        failure.set(error != null ? error : new IllegalStateException(message));
                    }
                })
                .build();
        executor.execute(engine);
    }

    /** Waits until the connector's slot exists and is streaming (active). */
    void awaitStreaming(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection c = LocalServices.connect();
             PreparedStatement ps = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            while (System.nanoTime() < deadline) {
                checkFailure();
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return;
                    }
                }
                Thread.sleep(200);
            }
        }
        throw new AssertionError("slot " + slot + " not streaming after " + timeout);
    }

    /** Takes records until one matches {@code last} (included), or fails after the timeout. */
    List<SourceRecord> takeUntil(Predicate<SourceRecord> last, Duration timeout) throws InterruptedException {
        List<SourceRecord> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            checkFailure();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no final record after " + timeout + "; got " + out.size() + ": " + tail(out));
            }
            SourceRecord r = records.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)), TimeUnit.NANOSECONDS);
            if (r != null) {
                out.add(r);
                if (last.test(r)) {
                    return out;
                }
            }
        }
    }

    private static String tail(List<SourceRecord> out) {
        return out.subList(Math.max(0, out.size() - 3), out.size()).toString();
    }

    private void checkFailure() {
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("Debezium engine failed: " + t, t);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (engine != null) {
                engine.close();
            }
        } catch (Exception | Error e) {
            // already stopped after a failure: cleaning up goes on
        }
        executor.shutdown();
        executor.awaitTermination(60, TimeUnit.SECONDS);
        dropSlot(slot);
    }

    /**
     * After a test: the harness closed (when started), the slots, the publication and the schema dropped, then
     * {@code alsoDrop} (objects outside the schema); best effort.
     */
    static void closeAndDrop(PgoutputHarness harness, String schema, String publication, List<String> slots,
            String... alsoDrop) throws Exception {
        try {
            if (harness != null) {
                harness.close();
            }
        } finally {
            slots.forEach(PgoutputHarness::dropSlot);
            try {
                LocalServices.exec("DROP PUBLICATION IF EXISTS " + publication, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                LocalServices.exec(alsoDrop);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
    }

    /** Best effort: drops a slot if it is there and nobody uses it. */
    static void dropSlot(String name) {
        try (Connection c = LocalServices.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                    + name + "' AND NOT active");
        } catch (SQLException | RuntimeException ignored) {
            // best effort
        }
    }
}
