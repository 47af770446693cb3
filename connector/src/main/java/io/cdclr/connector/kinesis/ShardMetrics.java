package io.cdclr.connector.kinesis;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-shard counters of one writer, by shard id: records and bytes Kinesis acknowledged into the shard, entries it
 * throttled, and the time records waited for the shard's token bucket. Safe to read from any thread.
 */
public final class ShardMetrics {
    /** The shard id counted when a record's shard is not known (no shard map: ListShards not allowed or failing). */
    public static final String UNKNOWN_SHARD = "unknown";

    /** One shard's counters; they only grow. */
    public static final class Counters {
        private final LongAdder records = new LongAdder();
        private final LongAdder bytes = new LongAdder();
        private final LongAdder throttled = new LongAdder();
        private final LongAdder bucketWaitNanos = new LongAdder();
        private final LongAdder bucketWaits = new LongAdder();

        /** Records Kinesis acknowledged into this shard. */
        public long records() {
            return records.sum();
        }

        /** Bytes (data plus partition key) of those records. */
        public long bytes() {
            return bytes.sum();
        }

        /** Entries Kinesis answered ProvisionedThroughputExceededException for, in this shard. */
        public long throttled() {
            return throttled.sum();
        }

        /** Total time records waited for this shard's token bucket, in nanoseconds (summed over records). */
        public long bucketWaitNanos() {
            return bucketWaitNanos.sum();
        }

        /** Records that had to wait for this shard's token bucket. */
        public long bucketWaits() {
            return bucketWaits.sum();
        }
    }

    private final Map<String, Counters> shards = new ConcurrentHashMap<>();

    /** Every shard seen so far, by id (sorted); closed shards stay, with their final counts. */
    public Map<String, Counters> byShard() {
        return new TreeMap<>(shards);
    }

    /** Sum over all shards of the entries throttled. */
    public long throttledTotal() {
        return shards.values().stream().mapToLong(Counters::throttled).sum();
    }

    /** Sum over all shards of the time records waited for their bucket, in nanoseconds. */
    public long bucketWaitNanosTotal() {
        return shards.values().stream().mapToLong(Counters::bucketWaitNanos).sum();
    }

    void acknowledged(String shardId, long bytes) {
        Counters counters = of(shardId);
        counters.records.increment();
        counters.bytes.add(bytes);
    }

    void throttled(String shardId) {
        of(shardId).throttled.increment();
    }

    void waitedForBucket(String shardId, long nanos) {
        Counters counters = of(shardId);
        counters.bucketWaits.increment();
        counters.bucketWaitNanos.add(nanos);
    }

    private Counters of(String shardId) {
        return shards.computeIfAbsent(shardId == null ? UNKNOWN_SHARD : shardId, k -> new Counters());
    }
}
