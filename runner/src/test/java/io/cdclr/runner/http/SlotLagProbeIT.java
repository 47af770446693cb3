package io.cdclr.runner.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.config.PostgresConnections;
import io.cdclr.runner.testing.TestEnv;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The slot probe exports wal_status, retained WAL and (when limited) safe_wal_size, read from a real slot. */
class SlotLagProbeIT {

    static String scrape(RunnerMetrics metrics) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void exportsWalStatusAndRetainedWalOfARealSlot() throws Exception {
        String slot = "probe_it_" + TestEnv.unique();
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'wal2json')");
            st.execute("SELECT pg_logical_emit_message(false, 'probe_it', 'x')"); // some WAL after restart_lsn
            RunnerMetrics metrics = new RunnerMetrics();
            AtomicInteger lost = new AtomicInteger();
            PostgresConnections connections = new PostgresConnections(Map.of(
                    "database.hostname", TestEnv.env("PGHOST", "127.0.0.1"), "database.port", TestEnv.env("PGPORT", "5432"),
                    "database.user", TestEnv.env("PGUSER", "cdc"), "database.password", TestEnv.env("PGPASSWORD", "cdc"),
                    "database.dbname", TestEnv.env("PGDATABASE", "cdc"), "database.sslmode", TestEnv.env("PGSSLMODE", "prefer")));
            String text;
            try (SlotLagProbe ignored = new SlotLagProbe(connections, slot, metrics, Duration.ofMillis(100), 1L << 30,
                    lost::incrementAndGet)) {
                long deadline = System.nanoTime() + 20_000_000_000L;
                do {
                    Thread.sleep(100);
                    text = scrape(metrics);
                    // Both: a scrape reads wal_status before the JVM metrics and retained WAL after them, so the probe's
                    // first reading may land between the two.
                } while (!(text.contains("cdc_slot_retained_wal_bytes ") && text.contains("cdc_slot_wal_status{"))
                        && System.nanoTime() < deadline);
            } finally {
                st.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            }
            System.out.println(text.lines().filter(l -> l.startsWith("cdc_slot")).reduce("", (a, b) -> a + b + "\n"));
            assertTrue(text.contains("cdc_slot_wal_status{status=\"reserved\"} 1.0"), text);
            assertTrue(text.contains("cdc_slot_wal_status{status=\"lost\"} 0.0"), text);
            assertTrue(text.contains("cdc_slot_wal_status{status=\"unreserved\"} 0.0"), text);
            String retained = text.lines().filter(l -> l.startsWith("cdc_slot_retained_wal_bytes ")).findFirst().orElseThrow();
            assertTrue(Double.parseDouble(retained.split(" ")[1]) > 0, retained);
            // The shared server keeps WAL without limit (max_slot_wal_keep_size = -1): no safe_wal_size sample.
            assertFalse(text.lines().anyMatch(l -> l.startsWith("cdc_slot_safe_wal_size_bytes ")), text);
            assertEquals(0, lost.get());
        }
    }
}
