package io.cdclr.runner.http;

import io.cdclr.connector.kinesis.KinesisWriterMetrics;
import io.cdclr.connector.kinesis.RetryReason;
import io.cdclr.runner.config.RunnerVersion;
import io.cdclr.connector.kinesis.ShardMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.DoubleSupplier;

/**
 * The runner's Prometheus metrics. Rates (changes/s, bytes/s) come from the counters with {@code rate()}.
 */
public final class RunnerMetrics {
    // Every metric is built withoutExemplars(): the runner has no tracer to take trace ids from, and the client's
    // exemplar sampler otherwise does work on each observation and wakes a scheduler thread about 30 times a second to
    // take new ones (measured at 2,000 changes/s: 54 ms of CPU per 30 s, about 3 % of the runner's).
    private final PrometheusRegistry registry = new PrometheusRegistry();

    private final Counter changesDelivered = Counter.builder()
            .name("cdc_changes_delivered_total")
            .help("Changes acknowledged by Kinesis and marked processed (rate() gives changes/s)")
            .withoutExemplars()
            .register(registry);
    private final Counter bytesDelivered = Counter.builder()
            .name("cdc_bytes_delivered_total")
            .help("Envelope bytes acknowledged by Kinesis (rate() gives bytes/s)")
            .withoutExemplars()
            .register(registry);
    private final Gauge lastAcknowledgedLsn = Gauge.builder()
            .name("cdc_last_acknowledged_lsn")
            .help("LSN (as a number) of the last change whose whole prefix Kinesis has acknowledged")
            .withoutExemplars()
            .register(registry);
    private final Gauge slotLagBytes = Gauge.builder()
            .name("cdc_slot_lag_bytes")
            .help("pg_current_wal_lsn() - confirmed_flush_lsn of the replication slot: WAL the slot retains unconfirmed")
            .withoutExemplars()
            .register(registry);
    private final Gauge slotWalStatus = Gauge.builder()
            .name("cdc_slot_wal_status")
            .help("1 for the replication slot's current pg_replication_slots.wal_status, 0 for the others; 'lost' "
                    + "means the slot was invalidated and can never stream again")
            .labelNames("status")
            .withoutExemplars()
            .register(registry);
    private volatile Long slotSafeWalSize;
    private volatile Long slotRetainedWal;
    private final Gauge ready = Gauge.builder()
            .name("cdc_ready")
            .help("1 while connected and streaming")
            .withoutExemplars()
            .register(registry);

    /**
     * Buckets of {@code cdc_commit_to_acknowledged_seconds}: 5 ms (a local database next to the stream) to 5 min (a
     * backlog after an outage); past 5 min only the count and sum say more, and the lag gauge says how far behind.
     */
    public static final double[] COMMIT_TO_ACKNOWLEDGED_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
        10, 30, 60, 120, 300};
    /**
     * Buckets of {@code cdc_kinesis_put_records_seconds}: a PutRecords call takes 10-100 ms when healthy; seconds
     * means retries inside the SDK, throttling or a slow network; the SDK's own timeouts end a call within about 30 s.
     */
    public static final double[] PUT_RECORDS_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final Histogram commitToAcknowledged = Histogram.builder()
            .name("cdc_commit_to_acknowledged_seconds")
            .help("Per change: from its commit in PostgreSQL (the envelope's timestamp, the server's clock) to Kinesis "
                    + "acknowledging it (this host's clock); changes without a timestamp are not counted")
            .classicUpperBounds(COMMIT_TO_ACKNOWLEDGED_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    private final Histogram putRecords = Histogram.builder()
            .name("cdc_kinesis_put_records_seconds")
            .help("Duration of each PutRecords call, successful or failed as a whole")
            .classicUpperBounds(PUT_RECORDS_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);

    /** wal_status values of PostgreSQL 13+, in the order the slot moves through them. */
    public static final java.util.List<String> WAL_STATUSES = java.util.List.of("reserved", "extended", "unreserved", "lost");

    public RunnerMetrics() {
        // jvm_* (memory, GC, threads, classes, buffer pools) and process_* (CPU, memory, file descriptors, start time).
        JvmMetrics.builder().register(registry);
        Info.builder()
                .name("cdc_build_info")
                .help("Always 1; the runner's version (Implementation-Version of cdc-runner.jar) as a label")
                .labelNames("version")
                .register(registry)
                .setLabelValues(RunnerVersion.get());
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("cdc_slot_safe_wal_size_bytes")
                .help("pg_replication_slots.safe_wal_size: WAL that can still be written before max_slot_wal_keep_size "
                        + "invalidates the slot (absent when unlimited)")
                .callback(cb -> {
                    Long v = slotSafeWalSize;
                    if (v != null) {
                        cb.call(v);
                    }
                })
                .register(registry);
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("cdc_slot_retained_wal_bytes")
                .help("pg_current_wal_lsn() - restart_lsn of the replication slot: WAL the server keeps for it")
                .callback(cb -> {
                    Long v = slotRetainedWal;
                    if (v != null) {
                        cb.call(v);
                    }
                })
                .register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** The slot's WAL state as last read (nulls where the server reports none, or the slot is missing). */
    public void slotWal(String walStatus, Long safeWalSizeBytes, Long retainedWalBytes) {
        for (String status : WAL_STATUSES) {
            slotWalStatus.labelValues(status).set(status.equals(walStatus) ? 1 : 0);
        }
        slotSafeWalSize = safeWalSizeBytes;
        slotRetainedWal = retainedWalBytes;
    }

    public void delivered(int changes, long bytes, Long lsn) {
        changesDelivered.inc(changes);
        bytesDelivered.inc(bytes);
        if (lsn != null) {
            lastAcknowledgedLsn.set(lsn);
        }
    }

    /** One change acknowledged by Kinesis {@code micros} after its commit (negative: clock skew, counted as 0). */
    public void commitToAcknowledged(long micros) {
        commitToAcknowledged.observe(Math.max(0, micros) / 1e6);
    }

    /** {@code cdc_replication_lag_seconds}, read at scrape time; NaN leaves it out (nothing to measure from yet). */
    public void replicationLag(DoubleSupplier seconds) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("cdc_replication_lag_seconds")
                .help("Now minus the commit time of the last change Kinesis acknowledged (all before it acknowledged "
                        + "too), or minus the time the runner was last caught up with the server while it holds nothing "
                        + "unacknowledged (docs/operations.md)")
                .callback(cb -> {
                    double v = seconds.getAsDouble();
                    if (!Double.isNaN(v)) {
                        cb.call(v);
                    }
                })
                .register(registry);
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
        writer.onCallCompleted(nanos -> putRecords.observe(nanos / 1e9));
        registerShards(writer);
        counter("cdc_kinesis_records_sent", "Records Kinesis accepted", writer::recordsSent);
        counter("cdc_kinesis_bytes_sent", "Bytes (data and partition keys) Kinesis accepted", writer::bytesSent);
        counter("cdc_kinesis_stream_records_sent", "Kinesis records accepted: with kinesis.aggregation an aggregate "
                + "counts one, however many changes (cdc_kinesis_records_sent) it carries", writer::kinesisRecordsSent);
        gauge("cdc_kinesis_aggregation_ratio", "Changes per Kinesis record since start (1 without kinesis.aggregation); "
                + "over a window: rate(cdc_kinesis_records_sent_total) / rate(cdc_kinesis_stream_records_sent_total)",
                writer::aggregationRatio);
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

    /** The writer's per-shard counters (label shard: the shard id), its shard map size and records waiting for a bucket. */
    private void registerShards(KinesisWriterMetrics writer) {
        shardCounter("cdc_kinesis_shard_records", "Records Kinesis accepted into the shard", writer,
                ShardMetrics.Counters::records);
        shardCounter("cdc_kinesis_shard_bytes", "Bytes (data and partition keys) Kinesis accepted into the shard", writer,
                ShardMetrics.Counters::bytes);
        shardCounter("cdc_kinesis_shard_throttled", "Entries Kinesis throttled (ProvisionedThroughputExceeded) in the shard",
                writer, ShardMetrics.Counters::throttled);
        shardCounter("cdc_kinesis_shard_bucket_waits", "Records that waited for the shard's token bucket "
                + "(kinesis.shard.rate.limit)", writer, ShardMetrics.Counters::bucketWaits);
        shardCounter("cdc_kinesis_shard_bucket_wait_seconds", "Time records waited for the shard's token bucket, summed "
                + "over records", writer, c -> c.bucketWaitNanos() / 1e9);
        gauge("cdc_kinesis_shard_map_size", "Open shards in the writer's shard map (0 while ListShards cannot be read)",
                writer::shardMapSize);
        gauge("cdc_kinesis_shard_waiting_records", "Records ready to send that wait for their shard's token bucket",
                writer::recordsWaitingForBucket);
    }

    private void shardCounter(String name, String help, KinesisWriterMetrics writer,
                              java.util.function.ToDoubleFunction<ShardMetrics.Counters> value) {
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder()
                .name(name).help(help)
                .labelNames("shard")
                .callback(cb -> writer.shards().byShard().forEach((shard, counters) ->
                        cb.call(value.applyAsDouble(counters), shard)))
                .register(registry);
    }

    /**
     * The incremental snapshot metrics (docs/snapshots.md), read at scrape time from the source task's snapshot MBean
     * for {@code slot}: {@code cdc_snapshot_running}, {@code cdc_snapshot_rows_total{table}},
     * {@code cdc_snapshot_chunks_total}, {@code cdc_snapshot_rows_left_estimate}. The counts are those of the running
     * (or last) snapshot: a new snapshot starts them again from 0, which rate() and increase() treat as a reset.
     */
    public void snapshot(String slot) {
        snapshot(new SnapshotStatusReader(slot));
    }

    void snapshot(SnapshotStatusReader status) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("cdc_snapshot_running")
                .help("1 while an incremental snapshot is in progress (requested and neither finished nor cancelled)")
                .callback(cb -> cb.call(status.read().running() ? 1 : 0))
                .register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder()
                .name("cdc_snapshot_rows")
                .help("Snapshot rows emitted into the stream by the running (or last) snapshot, per table (schema.table)")
                .labelNames("table")
                .callback(cb -> status.read().rowsByTable().forEach((table, rows) -> cb.call(rows, table)))
                .register(registry);
        counter("cdc_snapshot_chunks", "Snapshot chunks emitted by the running (or last) snapshot, all tables",
                () -> status.read().chunks());
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("cdc_snapshot_rows_left_estimate")
                .help("Estimate of the rows the running snapshot still has to read (from pg_class.reltuples); 0 when "
                        + "no snapshot runs, absent while unknown")
                .callback(cb -> {
                    SnapshotStatusReader.Reading r = status.read();
                    if (!r.running()) {
                        cb.call(0);
                    } else if (r.rowsLeftEstimate() >= 0) {
                        cb.call(r.rowsLeftEstimate());
                    }
                })
                .register(registry);
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
