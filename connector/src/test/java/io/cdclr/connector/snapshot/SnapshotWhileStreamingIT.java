package io.cdclr.connector.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdclr.connector.source.InMemoryOffsets;
import io.cdclr.connector.source.PgTestSupport;
import io.cdclr.connector.source.Wal2JsonSourceTask;
import io.cdclr.testsupport.LocalServices;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An incremental snapshot of tables filled before the slot existed, taken while a workload updates, deletes and
 * inserts the same keys, with one restart in the middle that loses every record not yet stored: a consumer that
 * applies every record in order (last per key wins, D removes) ends exactly at the tables' final content.
 */
class SnapshotWhileStreamingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 40;

    private final String u = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private final String slot = "snapcore_" + u;
    private final String t1 = "snapcore_a_" + u;
    private final String t2 = "snapcore_b_" + u;
    private final String nopk = "snapcore_c_" + u;
    private final List<Wal2JsonSourceTask> tasks = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        tasks.forEach(Wal2JsonSourceTask::stop);
        sleep(300);
        execQuietly("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        execQuietly("DROP TABLE IF EXISTS public." + t1 + ", public." + t2 + ", public." + nopk);
    }

    @Test
    void consumerEndsAtTheTablesFinalContent() throws Exception {
        long started = System.nanoTime();
        exec("CREATE TABLE public." + t1 + " (id int PRIMARY KEY, v text, n bigint)",
                "INSERT INTO public." + t1 + " SELECT i, 'v' || i, i * 10 FROM generate_series(1, 400) i",
                "CREATE TABLE public." + t2 + " (k1 text, k2 uuid, payload text, PRIMARY KEY (k1, k2))",
                "INSERT INTO public." + t2 + " SELECT 'k' || (i % 7), md5(i::text)::uuid, 'p' || i FROM generate_series(1, 150) i",
                "CREATE TABLE public." + nopk + " (x int)", "INSERT INTO public." + nopk + " VALUES (1)");

        Map<String, String> config = config();
        InMemoryOffsets offsets = new InMemoryOffsets(config);
        Consumer consumer = new Consumer();
        Wal2JsonSourceTask task = start(config, offsets);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ops = new AtomicLong();
        Thread workload = new Thread(() -> workload(stop, ops), "snapcore-workload");
        workload.start();
        try {
            // The host stores (and commits) what it gets until the third chunk is out, then a crash while that chunk
            // is delivered: everything not stored is lost, the rest must come again. (The engine reads a chunk only
            // once the host has stored the previous one's rows, so only one chunk can be out unstored.)
            long snapshotRowsBeforeCrash = 0;
            List<SourceRecord> seen = new ArrayList<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (chunks() < 3 && System.nanoTime() < deadline) {
                List<SourceRecord> batch = task.poll();
                if (batch == null) {
                    continue;
                }
                if (chunks() >= 3) {
                    seen.addAll(batch);
                    break;
                }
                for (SourceRecord r : batch) {
                    consumer.apply(r);
                    offsets.store(r);
                    snapshotRowsBeforeCrash += Consumer.isSnapshot(r) ? 1 : 0;
                }
                task.commit();
            }
            assertTrue(chunks() >= 3, "three chunks within 30 s");
            // Of the last batch (the third chunk's rows and what came with them) the host stored only the first part.
            int storedUpTo = seen.size() * 2 / 3;
            for (int i = 0; i < storedUpTo; i++) {
                consumer.apply(seen.get(i));
                offsets.store(seen.get(i));
            }
            snapshotRowsBeforeCrash += seen.subList(0, storedUpTo).stream().filter(Consumer::isSnapshot).count();
            String progressAtCrash = (String) offsets.last().get(SnapshotProgress.OFFSET_KEY);
            task.stop();
            tasks.remove(task);
            sleep(300);
            task = start(config, offsets);
            long snapshotRowsAfter = 0;
            deadline = System.nanoTime() + 45_000_000_000L;
            boolean done = false;
            while (!done && System.nanoTime() < deadline) {
                List<SourceRecord> batch = task.poll();
                if (batch != null) {
                    for (SourceRecord r : batch) {
                        consumer.apply(r);
                        offsets.store(r);
                        if (Consumer.isSnapshot(r)) {
                            snapshotRowsAfter++;
                        }
                    }
                    task.commit();
                }
                if (!running() && !stop.get()) {
                    stop.set(true);
                    workload.join();
                    exec("INSERT INTO public." + t1 + " VALUES (-1, 'end', 0)");
                }
                done = stop.get() && consumer.rows(t1).containsKey("-1");
            }
            assertTrue(done, "snapshot finished and the end marker arrived within 45 s");
            SnapshotProgress crash = progressAtCrash == null ? null : SnapshotProgress.fromJson(progressAtCrash);
            long emittedTotal = (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(SnapshotStatus.objectName(slot), "RowsEmitted");
            long reRead = snapshotRowsBeforeCrash + snapshotRowsAfter - emittedTotal;

            Map<String, Map<String, String>> expected1 = table("SELECT id::text AS k, id, v, n FROM public." + t1);
            Map<String, Map<String, String>> expected2 = table("SELECT k1 || '|' || k2 AS k, k1, k2, payload FROM public." + t2);
            System.out.printf("snapshot IT: workload ops=%d records=%d snapshot rows before crash (stored)=%d after=%d"
                            + " emitted per offsets=%d re-emitted=%d (chunk %d) progress at crash=%s snapshot rows applied=%s"
                            + " final rows %s=%d %s=%d took %d ms%n", ops.get(), consumer.records, snapshotRowsBeforeCrash,
                    snapshotRowsAfter, emittedTotal, reRead, CHUNK, progressAtCrash, consumer.snapshotRowsSeen,
                    t1, expected1.size(), t2, expected2.size(), (System.nanoTime() - started) / 1_000_000);
            assertEquals(expected1, consumer.rows(t1), t1 + ": consumer state equals the table");
            assertEquals(expected2, consumer.rows(t2), t2 + ": consumer state equals the table");
            assertFalse(consumer.touched(nopk), "the table without a primary key is refused, not snapshotted");
            assertTrue(consumer.snapshotRowsSeen > 0, "snapshot rows were emitted");
            assertTrue(reRead <= CHUNK, "a restart re-emits at most one chunk, re-emitted " + reRead);
            assertTrue(crash != null && crash.chunks() >= 1, "the stored offset held the snapshot progress: " + progressAtCrash);
        } finally {
            stop.set(true);
            workload.join();
        }
    }

    @Test
    void droppedTableIsSkippedByNameAndCancelStops() throws Exception {
        exec("CREATE TABLE public." + t1 + " (id int PRIMARY KEY, v text)",
                "INSERT INTO public." + t1 + " SELECT i, 'v' || i FROM generate_series(1, 2000) i",
                "CREATE TABLE public." + t2 + " (k1 text, k2 uuid, payload text, PRIMARY KEY (k1, k2))",
                "INSERT INTO public." + t2 + " SELECT 'k' || (i % 7), md5(i::text)::uuid, 'p' || i FROM generate_series(1, 30) i");
        Map<String, String> config = config();
        config.remove("snapshot.tables");
        config.put("snapshot.chunk.size", "10");
        InMemoryOffsets offsets = new InMemoryOffsets(config);
        Wal2JsonSourceTask task = start(config, offsets);
        Consumer consumer = new Consumer();
        exec(SnapshotRequest.sql(SnapshotRequest.start(List.of("public." + t1, "public." + t2), 0)));
        pollUntil(task, offsets, consumer, () -> chunks() >= 2);
        exec("DROP TABLE public." + t1);
        pollUntil(task, offsets, consumer, () -> !running());
        assertEquals(30, consumer.rows(t2).size(), "the table after the dropped one is snapshotted whole");
        assertTrue(consumer.rows(t1).size() < 2000, "the dropped table stopped");

        exec("CREATE TABLE public." + t1 + " (id int PRIMARY KEY, v text)",
                "INSERT INTO public." + t1 + " SELECT i, 'v' || i FROM generate_series(1, 2000) i");
        Consumer second = new Consumer();
        exec(SnapshotRequest.sql(SnapshotRequest.start(List.of("public." + t1), 0)));
        pollUntil(task, offsets, second, () -> running() && chunks() >= 2);
        exec(SnapshotRequest.sql(SnapshotRequest.cancel()));
        pollUntil(task, offsets, second, () -> !running());
        long atCancel = second.snapshotRowsSeen;
        exec("INSERT INTO public." + t2 + " VALUES ('end', md5('end')::uuid, 'end')");
        pollUntil(task, offsets, second, () -> second.rows(t2).size() == 1);
        System.out.printf("snapshot IT (drop/cancel): first %d rows of the dropped table, %d rows before the cancel,"
                + " %d after%n", consumer.rows(t1).size(), atCancel, second.snapshotRowsSeen - atCancel);
        assertEquals(atCancel, second.snapshotRowsSeen, "no snapshot row after the cancel");
        assertTrue(atCancel < 2000, "cancelled before the end");
    }

    private interface Check {
        boolean done() throws Exception;
    }

    /** Polls as a host does: applies, stores and commits every batch (the engine waits for stored rows). */
    private static void pollUntil(Wal2JsonSourceTask task, InMemoryOffsets offsets, Consumer consumer, Check check)
            throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!check.done()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 30 s");
            List<SourceRecord> batch = task.poll();
            if (batch != null) {
                for (SourceRecord r : batch) {
                    consumer.apply(r);
                    offsets.store(r);
                }
                task.commit();
            }
        }
    }

    private void workload(AtomicBoolean stop, AtomicLong ops) {
        Random random = new Random(7);
        try (Connection c = LocalServices.connect(); Statement s = c.createStatement()) {
            while (!stop.get()) {
                // Mostly the keys of the chunk being read now, so that changes land inside its window.
                int id = 1 + random.nextInt(450);
                int base = currentKeyOf(t1);
                if (base >= 0 && random.nextInt(4) > 0) {
                    id = base + 1 + random.nextInt(CHUNK);
                }
                int op = random.nextInt(10);
                if (op < 5) {
                    s.execute("UPDATE public." + t1 + " SET v = 'u" + ops.get() + "', n = n + 1 WHERE id = " + id);
                } else if (op < 7) {
                    s.execute("DELETE FROM public." + t1 + " WHERE id = " + id);
                } else if (op < 8) {
                    s.execute("INSERT INTO public." + t1 + " VALUES (" + id + ", 'i" + ops.get() + "', 0) ON CONFLICT (id)"
                            + " DO UPDATE SET v = excluded.v");
                } else if (op < 9) {
                    int i = 1 + random.nextInt(160);
                    s.execute("INSERT INTO public." + t2 + " VALUES ('k' || (" + i + " % 7), md5('" + i + "')::uuid, 'w"
                            + ops.get() + "') ON CONFLICT (k1, k2) DO UPDATE SET payload = excluded.payload");
                } else {
                    int i = 1 + random.nextInt(160);
                    s.execute("DELETE FROM public." + t2 + " WHERE k2 = md5('" + i + "')::uuid");
                }
                ops.incrementAndGet();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The last key of the chunk last emitted from {@code table}, 0 before its first, -1 while another is read. */
    private int currentKeyOf(String table) {
        try {
            ObjectName name = SnapshotStatus.objectName(slot);
            Object current = ManagementFactory.getPlatformMBeanServer().getAttribute(name, "CurrentTable");
            if (!("public." + table).equals(current)) {
                return -1;
            }
            Object last = ManagementFactory.getPlatformMBeanServer().getAttribute(name, "LastKey");
            return last == null ? 0 : Integer.parseInt(last.toString());
        } catch (Exception e) {
            return -1;
        }
    }

    private Map<String, String> config() {
        Map<String, String> p = PgTestSupport.databaseConfig();
        p.put("slot.name", slot);
        p.put("status.interval.ms", "1000");
        p.put("poll.timeout.ms", "100");
        p.put("snapshot.tables", "public." + t1 + ",public." + nopk + ",public." + t2);
        p.put("snapshot.chunk.size", Integer.toString(CHUNK));
        p.put("wal2json.add-tables", "public." + t1 + ",public." + t2 + ",public." + nopk);
        return p;
    }

    private Wal2JsonSourceTask start(Map<String, String> config, InMemoryOffsets offsets) {
        Wal2JsonSourceTask task = new Wal2JsonSourceTask();
        task.initialize(offsets);
        task.start(config);
        tasks.add(task);
        return task;
    }

    private long chunks() throws Exception {
        return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(SnapshotStatus.objectName(slot), "Chunks");
    }

    private boolean running() throws Exception {
        ObjectName name = SnapshotStatus.objectName(slot);
        return (Boolean) ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Running");
    }

    /** Every row as column name -> text, keyed by the first column. */
    private static Map<String, Map<String, String>> table(String sql) throws SQLException {
        Map<String, Map<String, String>> out = new TreeMap<>();
        try (Connection c = LocalServices.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new TreeMap<>();
                for (int i = 2; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnName(i), rs.getString(i));
                }
                out.put(rs.getString(1), row);
            }
        }
        return out;
    }

    /** Applies records in order: I/U put the row (last wins), D removes it. */
    static final class Consumer {
        private final Map<String, Map<String, Map<String, String>>> tables = new HashMap<>();
        long records;
        long snapshotRowsSeen;

        static boolean isSnapshot(SourceRecord r) {
            return r.value().toString().contains("\"snapshot\":");
        }

        void apply(SourceRecord r) throws Exception {
            records++;
            JsonNode e = JSON.readTree(r.value().toString());
            String action = e.path("action").asText();
            if (!List.of("I", "U", "D").contains(action)) {
                return;
            }
            if (e.has("snapshot")) {
                snapshotRowsSeen++;
                assertEquals("I", action);
            }
            Map<String, Map<String, String>> rows = tables.computeIfAbsent(e.path("table").asText(), t -> new TreeMap<>());
            List<String> pk = new ArrayList<>();
            e.path("pk").forEach(p -> pk.add(p.path("name").asText()));
            if (e.has("identity")) {
                rows.remove(key(pk, e.path("identity")));
            }
            if (!"D".equals(action)) {
                Map<String, String> row = new TreeMap<>();
                e.path("columns").forEach(col -> row.put(col.path("name").asText(),
                        col.path("value").isNull() ? null : col.path("value").asText()));
                rows.put(key(pk, e.path("columns")), row);
            }
        }

        private static String key(List<String> pk, JsonNode columns) {
            Map<String, String> values = new HashMap<>();
            columns.forEach(col -> values.put(col.path("name").asText(), col.path("value").asText()));
            return String.join("|", pk.stream().map(values::get).toList());
        }

        Map<String, Map<String, String>> rows(String table) {
            return tables.getOrDefault(table, Map.of());
        }

        boolean touched(String table) {
            return tables.containsKey(table);
        }
    }

    private static void exec(String... sql) {
        LocalServices.exec(sql);
    }

    private static void execQuietly(String sql) {
        try {
            exec(sql);
        } catch (RuntimeException ignored) {
            // best effort
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
