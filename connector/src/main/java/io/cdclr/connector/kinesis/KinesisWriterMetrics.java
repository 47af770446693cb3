package io.cdclr.connector.kinesis;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Counters and gauges of one writer, cheap to update and safe to read from any thread (the runner's
 * Prometheus endpoint reads them). Counters only grow; gauges are read live.
 */
public final class KinesisWriterMetrics {
    private final LongAdder recordsSent = new LongAdder();
    private final LongAdder kinesisRecordsSent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder calls = new LongAdder();
    private final LongAdder failedCalls = new LongAdder();
    private final LongAdder oversizedRecordsSkipped = new LongAdder();
    private final Map<RetryReason, LongAdder> retries = new EnumMap<>(RetryReason.class);
    private final LongAdder callLatencyCount = new LongAdder();
    private final LongAdder callLatencyTotalNanos = new LongAdder();
    private final AtomicLong callLatencyMaxNanos = new AtomicLong();
    private final LongSupplier recordsInFlight;
    private final LongSupplier bytesInFlight;
    private final LongSupplier callsInFlight;
    /** Told the duration of every completed PutRecords call (the runner's histogram); none by default. */
    private volatile LongConsumer callDurationListener;
    private final ShardMetrics shards = new ShardMetrics();
    private volatile LongSupplier shardMapSize = () -> 0;
    private volatile LongSupplier recordsWaitingForBucket = () -> 0;

    KinesisWriterMetrics(LongSupplier recordsInFlight, LongSupplier bytesInFlight, LongSupplier callsInFlight) {
        this.recordsInFlight = recordsInFlight;
        this.bytesInFlight = bytesInFlight;
        this.callsInFlight = callsInFlight;
        for (RetryReason reason : RetryReason.values()) {
            retries.put(reason, new LongAdder());
        }
    }

    /** Records Kinesis acknowledged. */
    public long recordsSent() {
        return recordsSent.sum();
    }

    /**
     * Kinesis records acknowledged: with kinesis.aggregation an aggregate counts one however many changes it carries
     * ({@link #recordsSent()} counts those); without, the same as {@link #recordsSent()}.
     */
    public long kinesisRecordsSent() {
        return kinesisRecordsSent.sum();
    }

    /** Changes per Kinesis record acknowledged so far: 1 without aggregation, 0 before the first. */
    public double aggregationRatio() {
        long kinesis = kinesisRecordsSent();
        return kinesis == 0 ? 0 : (double) recordsSent() / kinesis;
    }

    /** Bytes (data plus partition keys) of the records Kinesis acknowledged. */
    public long bytesSent() {
        return bytesSent.sum();
    }

    /** PutRecords calls made, successful or not. */
    public long calls() {
        return calls.sum();
    }

    /** PutRecords calls that failed as a whole (exception instead of a response). */
    public long failedCalls() {
        return failedCalls.sum();
    }

    /** Oversized records acknowledged without being written, under kinesis.oversized.record.policy=skip. */
    public long oversizedRecordsSkipped() {
        return oversizedRecordsSkipped.sum();
    }

    /** Record retries for this reason (a record retried three times counts three). */
    public long retries(RetryReason reason) {
        return retries.get(reason).sum();
    }

    /** Record retries for every reason. */
    public long retriesTotal() {
        return retries.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Records submitted and not yet completed (acknowledged, skipped or failed). */
    public long recordsInFlight() {
        return recordsInFlight.getAsLong();
    }

    /** Bytes counted against kinesis.max.buffered.bytes right now. */
    public long bytesInFlight() {
        return bytesInFlight.getAsLong();
    }

    /** PutRecords calls awaiting their response right now. */
    public long callsInFlight() {
        return callsInFlight.getAsLong();
    }

    /** Completed PutRecords calls whose latency was measured. */
    public long callLatencyCount() {
        return callLatencyCount.sum();
    }

    /** Sum of the latencies of completed PutRecords calls, in nanoseconds (with the count: a Prometheus summary). */
    public long callLatencyTotalNanos() {
        return callLatencyTotalNanos.sum();
    }

    /** Longest PutRecords call so far, in nanoseconds. */
    public long callLatencyMaxNanos() {
        return callLatencyMaxNanos.get();
    }

    /**
     * Hands the duration in nanoseconds of every PutRecords call completed from now on, successful or failed as a
     * whole, to {@code listener} (called on the writer's callback threads: it must be cheap and thread-safe). The
     * host keeps its distribution, e.g. as a Prometheus histogram; the writer itself keeps only the sum and the max.
     */
    public void onCallCompleted(LongConsumer listener) {
        this.callDurationListener = listener;
    }

    /** Per-shard counters: records, bytes, throttled entries, time waiting for the shard's token bucket. */
    public ShardMetrics shards() {
        return shards;
    }

    /** Open shards in the writer's shard map right now (0 while it could not be read). */
    public long shardMapSize() {
        return shardMapSize.getAsLong();
    }

    /** Records ready to be sent that wait for their shard's token bucket right now. */
    public long recordsWaitingForBucket() {
        return recordsWaitingForBucket.getAsLong();
    }

    void shardGauges(LongSupplier shardMapSize, LongSupplier recordsWaitingForBucket) {
        this.shardMapSize = shardMapSize;
        this.recordsWaitingForBucket = recordsWaitingForBucket;
    }

    void callStarted() {
        calls.increment();
    }

    void callCompleted(long latencyNanos, boolean failedAsAWhole) {
        callLatencyCount.increment();
        callLatencyTotalNanos.add(latencyNanos);
        callLatencyMaxNanos.accumulateAndGet(latencyNanos, Math::max);
        LongConsumer listener = callDurationListener;
        if (listener != null) {
            listener.accept(latencyNanos);
        }
        if (failedAsAWhole) {
            failedCalls.increment();
        }
    }

    void recordsAcknowledged(int records, long bytes) {
        recordsSent.add(records);
        bytesSent.add(bytes);
    }

    void kinesisRecordsAcknowledged(int records) {
        kinesisRecordsSent.add(records);
    }

    void recordRetried(RetryReason reason) {
        retries.get(reason).increment();
    }

    void oversizedRecordSkipped() {
        oversizedRecordsSkipped.increment();
    }

    @Override
    public String toString() {
        return "records=" + recordsSent() + " bytes=" + bytesSent() + " calls=" + calls() + " retries=" + retriesTotal()
                + " inFlight=" + recordsInFlight() + " skipped=" + oversizedRecordsSkipped();
    }
}
