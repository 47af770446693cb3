package io.cdclr.runner.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.connector.snapshot.SnapshotStatus;
import io.cdclr.connector.snapshot.SnapshotStatusMBean;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * The cdc_snapshot_* metrics as /metrics exposes them, read from a snapshot MBean registered in the platform MBean
 * server under the name the source task uses (a fake implementing the connector's interface; the real one is covered
 * end to end by the snapshot ITs).
 */
class RunnerMetricsSnapshotTest {
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    static final class Fake implements SnapshotStatusMBean {
        volatile boolean running = true;
        volatile long left = 900;

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public String getSnapshotId() {
            return "s1";
        }

        @Override
        public String getCurrentTable() {
            return "public.lines";
        }

        @Override
        public long getChunks() {
            return 7;
        }

        @Override
        public long getRowsEmitted() {
            return 3100;
        }

        @Override
        public Map<String, Long> getRowsEmittedByTable() {
            Map<String, Long> rows = new LinkedHashMap<>();
            rows.put("public.orders", 3000L);
            rows.put("public.lines", 100L);
            return rows;
        }

        @Override
        public long getRowsLeftEstimate() {
            return left;
        }

        @Override
        public String getLastKey() {
            return "[\"100\"]";
        }
    }

    private static String scrape(RunnerMetrics metrics) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(body, metrics.registry().scrape());
        return body.toString(StandardCharsets.UTF_8);
    }

    @Test
    void metricsFollowTheTaskMBeanAndReadNoSnapshotWithoutIt() throws Exception {
        String slot = "snapshot_metrics_" + System.nanoTime();
        RunnerMetrics metrics = new RunnerMetrics();
        metrics.snapshot(slot);

        String none = scrape(metrics);
        assertTrue(none.contains("\ncdc_snapshot_running 0.0\n"), none);
        assertTrue(none.contains("\ncdc_snapshot_chunks_total 0.0\n"), none);
        assertTrue(none.contains("\ncdc_snapshot_rows_left_estimate 0.0\n"), none);
        assertFalse(none.contains("cdc_snapshot_rows_total{"), none);

        Fake fake = new Fake();
        ObjectName name = SnapshotStatus.objectName(slot);
        jmx.registerMBean(new javax.management.StandardMBean(fake, SnapshotStatusMBean.class), name);
        try {
            String running = scrape(metrics);
            System.out.println(running.lines().filter(l -> l.startsWith("cdc_snapshot_")).toList());
            assertTrue(running.contains("\ncdc_snapshot_running 1.0\n"), running);
            assertTrue(running.contains("\ncdc_snapshot_rows_total{table=\"public.orders\"} 3000.0\n"), running);
            assertTrue(running.contains("\ncdc_snapshot_rows_total{table=\"public.lines\"} 100.0\n"), running);
            assertTrue(running.contains("\ncdc_snapshot_chunks_total 7.0\n"), running);
            assertTrue(running.contains("\ncdc_snapshot_rows_left_estimate 900.0\n"), running);

            fake.left = -1;
            String unknown = scrape(metrics);
            assertFalse(unknown.contains("\ncdc_snapshot_rows_left_estimate "), "unknown estimate: absent\n" + unknown);

            fake.running = false;
            String finished = scrape(metrics);
            assertTrue(finished.contains("\ncdc_snapshot_running 0.0\n"), finished);
            assertTrue(finished.contains("\ncdc_snapshot_rows_total{table=\"public.orders\"} 3000.0\n"),
                    "the last snapshot's counts stay: " + finished);
            assertTrue(finished.contains("\ncdc_snapshot_rows_left_estimate 0.0\n"), finished);
        } finally {
            jmx.unregisterMBean(name);
        }
        assertTrue(scrape(metrics).contains("\ncdc_snapshot_running 0.0\n"));
    }
}
