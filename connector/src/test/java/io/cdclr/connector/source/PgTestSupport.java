package io.cdclr.connector.source;

import io.cdclr.connector.replication.Lsn;
import io.cdclr.testsupport.LocalServices;
import io.cdclr.testsupport.Wal2JsonPeek;
import org.apache.kafka.connect.source.SourceRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Helpers for the integration tests: unique names, SQL, slots, peeking, polling with bounded waits. */
public final class PgTestSupport {
    private PgTestSupport() {
    }

    static String uniqueSuffix() {
        return LocalServices.unique();
    }

    /** The source connector's connection settings for the local PostgreSQL (database.*). */
    public static Map<String, String> databaseConfig() {
        Map<String, String> p = new HashMap<>();
        p.put("database.hostname", LocalServices.pgHost());
        p.put("database.port", Integer.toString(LocalServices.pgPort()));
        p.put("database.user", LocalServices.pgUser());
        p.put("database.password", LocalServices.pgPassword());
        p.put("database.dbname", LocalServices.pgDatabase());
        p.put("database.sslmode", LocalServices.pgSslMode());
        return p;
    }

    static Map<String, String> taskConfig(String slot) {
        Map<String, String> p = databaseConfig();
        p.put("slot.name", slot);
        p.put("status.interval.ms", "1000");
        p.put("poll.timeout.ms", "200");
        p.put("reconnect.backoff.initial.ms", "200");
        p.put("reconnect.backoff.max.ms", "1000");
        return p;
    }

    static void exec(String... sql) {
        LocalServices.exec(sql);
    }

    static void createSlot(String slot, String plugin) {
        exec("SELECT pg_create_logical_replication_slot('" + slot + "', '" + plugin + "')");
    }

    /** Drops the slot, waiting (bounded) for it to become inactive; best effort. */
    public static void dropSlotQuietly(String slot) {
        try {
            waitFor(() -> !slotActive(slot), 20_000);
        } catch (AssertionError ignored) {
            // drop below fails then; nothing more to do
        }
        try {
            exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        } catch (RuntimeException ignored) {
            // best effort
        }
    }

    public static void dropTablesQuietly(String... tables) {
        for (String t : tables) {
            try {
                exec("DROP TABLE IF EXISTS " + t);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
    }

    static boolean slotActive(String slot) {
        return Boolean.TRUE.equals(query1("SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
    }

    public static Lsn confirmedFlush(String slot) {
        Object v = query1("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        return v == null ? Lsn.INVALID : Lsn.parse((String) v);
    }

    static Lsn currentWalLsn() {
        return Lsn.parse((String) query1("SELECT pg_current_wal_lsn()::text"));
    }

    static Object query1(String sql) {
        return LocalServices.query1(sql);
    }

    /** What wal2json itself emits from the slot with these options, as the walsender would (empty search_path). */
    static List<String> peek(String slot, Map<String, String> options) {
        return Wal2JsonPeek.peek(slot, options);
    }

    static Map<String, String> defaultOptions() {
        return Wal2JsonPeek.pipelineOptions();
    }

    /** Polls until {@code count} records have arrived (or fails after a bounded wait). */
    static List<SourceRecord> pollRecords(Wal2JsonSourceTask task, int count, long timeoutMs) throws InterruptedException {
        List<SourceRecord> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (out.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " records, got " + out.size() + ": " + values(out));
            }
            List<SourceRecord> batch = task.poll();
            if (batch != null) {
                out.addAll(batch);
            }
        }
        return out;
    }

    /** Polls for a while and returns whatever arrived (for checking that nothing more comes). */
    static List<SourceRecord> pollQuietly(Wal2JsonSourceTask task, int polls) throws InterruptedException {
        List<SourceRecord> out = new ArrayList<>();
        for (int i = 0; i < polls; i++) {
            List<SourceRecord> batch = task.poll();
            if (batch != null) {
                out.addAll(batch);
            }
        }
        return out;
    }

    static List<String> values(List<SourceRecord> records) {
        return records.stream().map(r -> (String) r.value()).toList();
    }

    public static void waitFor(BooleanSupplier condition, long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeoutMs + " ms");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }
}
