package io.cdclr.connector.replication;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cdclr.testsupport.LocalServices;
import io.cdclr.testsupport.Wal2JsonPeek;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Not a test: a measurement of the replication reader thread's CPU at a steady trickle (issue 23), run by hand only
 * ({@code -Dtest=ReaderCpuMeasurement -Dmeasure.reader.cpu=true}; skipped otherwise, and not matched by the default
 * includes). One session on a slot of its own; another connection commits {@code measure.tx.per.second}
 * transactions of {@code measure.rows.per.tx} rows, paced, for {@code measure.seconds}, for each of the
 * comma-separated {@code measure.sslmode}; prints the reader thread's
 * CPU seconds over that window (after a warm-up) and the changes received.
 */
class ReaderCpuMeasurement {

    @Test
    void readerCpuAtASteadyTrickle() throws Exception {
        assumeTrue(Boolean.getBoolean("measure.reader.cpu"), "a measurement, run by hand");
        for (String sslMode : System.getProperty("measure.sslmode", LocalServices.pgSslMode()).split(",")) {
            measure(sslMode.trim());
        }
    }

    private static void measure(String sslMode) throws Exception {
        int txPerSecond = Integer.getInteger("measure.tx.per.second", 100);
        int rowsPerTx = Integer.getInteger("measure.rows.per.tx", 20);
        int seconds = Integer.getInteger("measure.seconds", 30);
        int warmUpSeconds = Integer.getInteger("measure.warmup.seconds", 5);
        String suffix = LocalServices.unique();
        String slot = "rdr_cpu_" + suffix;
        String table = "rdr_cpu_" + suffix;
        LocalServices.exec("CREATE TABLE " + table + " (id bigint primary key, v text)",
                "SELECT pg_create_logical_replication_slot('" + slot + "', 'wal2json')");
        Map<String, String> options = Wal2JsonPeek.pipelineOptions("public." + table, "");
        options.put("include-transaction", "1");
        ReplicationSettings settings = new ReplicationSettings(LocalServices.pgHost(), LocalServices.pgPort(),
                LocalServices.pgUser(), LocalServices.pgPassword(), LocalServices.pgDatabase(), sslMode, "rdr-cpu",
                slot, false, 0, options, 10_000, new ConnectionTimeouts(10_000, 30_000), null, 60_000);
        AtomicBoolean consuming = new AtomicBoolean(true);
        AtomicLong received = new AtomicLong();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (ReplicationSession session = ReplicationSession.start(settings, Lsn.INVALID, 10_000, 64L << 20)) {
            Thread reader = thread("wal2json-reader-" + slot);
            Thread consumer = new Thread(() -> consume(session, consuming, received), "rdr-consumer");
            consumer.start();
            try (Connection writer = LocalServices.connect(); Statement st = writer.createStatement()) {
                long id = 0;
                long start = System.nanoTime();
                long cpuAtStart = -1;
                long receivedAtStart = 0;
                // tx/s 0: an idle stream, measured over the same window
                int rate = Math.max(1, txPerSecond);
                long periodNanos = 1_000_000_000L / rate;
                long total = (long) (warmUpSeconds + seconds) * rate;
                for (long tx = 0; tx < total; tx++) {
                    if (tx == (long) warmUpSeconds * rate) {
                        cpuAtStart = threads.getThreadCpuTime(reader.getId());
                        receivedAtStart = received.get();
                    }
                    long due = start + tx * periodNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    }
                    if (txPerSecond > 0) {
                        st.execute("INSERT INTO " + table + " SELECT g, 'row ' || g FROM generate_series(" + (id + 1)
                                + ", " + (id + rowsPerTx) + ") g");
                        id += rowsPerTx;
                    }
                }
                Thread.sleep(500); // the last transactions arrive
                long cpu = threads.getThreadCpuTime(reader.getId()) - cpuAtStart;
                long changes = received.get() - receivedAtStart;
                System.out.printf("READER-CPU sslmode=%s tx/s=%d rows/tx=%d seconds=%d: reader CPU %.3f s,"
                                + " messages received %d, CPU per 100k messages %.3f s%n", sslMode, txPerSecond,
                        rowsPerTx, seconds, cpu / 1e9, changes, changes == 0 ? 0 : cpu / 1e9 * 100_000 / changes);
            } finally {
                consuming.set(false);
                consumer.join(5000);
            }
        } finally {
            LocalServices.exec("SELECT pg_drop_replication_slot('" + slot + "')", "DROP TABLE " + table);
        }
    }

    /** Takes messages as the task does and confirms what it took about once a second. */
    private static void consume(ReplicationSession session, AtomicBoolean consuming, AtomicLong received) {
        long lastConfirm = System.nanoTime();
        Lsn last = Lsn.INVALID;
        try {
            while (consuming.get()) {
                List<StreamMessage> batch = session.poll(2048, 100);
                if (!batch.isEmpty()) {
                    received.addAndGet(batch.size());
                    last = batch.get(batch.size() - 1).lsn();
                }
                if (System.nanoTime() - lastConfirm >= 1_000_000_000L && last.isValid()) {
                    session.confirm(last);
                    lastConfirm = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread " + name));
    }
}
