package io.cdclr.runner.http;

import io.cdclr.connector.kinesis.KinesisWriterMetrics;
import io.cdclr.connector.kinesis.RetryReason;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.DoubleSupplier;

/**
 * The runner's Prometheus metrics. Rates (changes/s, bytes/s) come from the counters with {@code rate()}.
 */
public final class RunnerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();

    private final Counter changesDelivered = Counter.builder()
            .name("cdc_changes_delivered_total")
            .help("Changes acknowledged by Kinesis and marked processed (rate() gives changes/s)")
            .register(registry);
    private final Counter bytesDelivered = Counter.builder()
            .name("cdc_bytes_delivered_total")
            .help("Envelope bytes acknowledged by Kinesis (rate() gives bytes/s)")
            .register(registry);
    private final Gauge lastAcknowledgedLsn = Gauge.builder()
            .name("cdc_last_acknowledged_lsn")
            .help("LSN (as a number) of the last change whose whole prefix Kinesis has acknowledged")
            .register(registry);
    private final Gauge slotLagBytes = Gauge.builder()
            .name("cdc_slot_lag_bytes")
            .help("pg_current_wal_lsn() - confirmed_flush_lsn of the replication slot: WAL the slot retains unconfirmed")
            .register(registry);
    private final Gauge ready = Gauge.builder()
            .name("cdc_ready")
            .help("1 while connected and streaming")
            .register(registry);

    public PrometheusRegistry registry() {
        return registry;
    }

    public void delivered(int changes, long bytes, Long lsn) {
        changesDelivered.inc(changes);
        bytesDelivered.inc(bytes);
        if (lsn != null) {
            lastAcknowledgedLsn.set(lsn);
        }
    }

    public void slotLag(long bytes) {
        slotLagBytes.set(bytes);
    }

    public void ready(boolean value) {
        ready.set(value ? 1 : 0);
    }

    public double changesDelivered() {
        return changesDelivered.get();
    }

    /** The Kinesis writer's own counters, read at scrape time. */
    public void register(KinesisWriterMetrics writer) {
        counter("cdc_kinesis_records_sent", "Records Kinesis accepted", writer::recordsSent);
        counter("cdc_kinesis_bytes_sent", "Bytes (data and partition keys) Kinesis accepted", writer::bytesSent);
        counter("cdc_kinesis_calls", "PutRecords calls completed", writer::calls);
        counter("cdc_kinesis_failed_calls", "PutRecords calls that failed as a whole", writer::failedCalls);
        counter("cdc_kinesis_oversized_records_skipped", "Records over the Kinesis record limit skipped by policy",
                writer::oversizedRecordsSkipped);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder()
                .name("cdc_kinesis_retries").help("Records sent again, by reason")
                .labelNames("reason")
                .callback(cb -> {
                    for (RetryReason reason : RetryReason.values()) {
                        cb.call(writer.retries(reason), reason.name().toLowerCase(java.util.Locale.ROOT));
                    }
                })
                .register(registry);
        gauge("cdc_kinesis_records_in_flight", "Records submitted and not yet acknowledged", writer::recordsInFlight);
        gauge("cdc_kinesis_bytes_in_flight", "Bytes submitted and not yet acknowledged", writer::bytesInFlight);
        gauge("cdc_kinesis_calls_in_flight", "PutRecords calls in flight", writer::callsInFlight);
        counter("cdc_kinesis_call_seconds", "Time spent in PutRecords calls; mean latency = "
                + "rate(cdc_kinesis_call_seconds_total) / rate(cdc_kinesis_calls_timed_total)",
                () -> writer.callLatencyTotalNanos() / 1e9);
        counter("cdc_kinesis_calls_timed", "PutRecords calls whose latency is in cdc_kinesis_call_seconds",
                writer::callLatencyCount);
        gauge("cdc_kinesis_call_latency_seconds_max", "Slowest PutRecords call so far",
                () -> writer.callLatencyMaxNanos() / 1e9);
    }

    /** Registers a gauge read at scrape time (e.g. from the Kinesis writer's own counters). */
    public void gauge(String name, String help, DoubleSupplier value) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name(name).help(help)
                .callback(cb -> cb.call(value.getAsDouble()))
                .register(registry);
    }

    /** Registers a counter read at scrape time. */
    public void counter(String name, String help, DoubleSupplier value) {
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder()
                .name(name).help(help)
                .callback(cb -> cb.call(value.getAsDouble()))
                .register(registry);
    }
}
