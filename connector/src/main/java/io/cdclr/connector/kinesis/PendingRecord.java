package io.cdclr.connector.kinesis;

import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** A submitted record on its way to Kinesis, with what the writer needs to retry it and report its outcome. */
final class PendingRecord {
    final String partitionKey;
    /**
     * For a change that moved its row to another primary key: the row's previous partition key, which the record is
     * ordered against too (see {@link KeyedRecordQueue}); null otherwise. Never equal to {@link #partitionKey}.
     */
    final String previousKey;
    final byte[] data;
    final String description;
    final long size;
    /** An oversized record under policy 'skip': never sent, acknowledged in its turn among its key's records. */
    final boolean skipped;
    private final WriteCallback callback;
    /**
     * When the record was submitted (System.nanoTime): the linger counts from here, so a record that already waited
     * behind an earlier record of its key (or for a retry) does not wait a linger more once it is ready.
     */
    final long submittedNanos;
    private final AtomicBoolean completed = new AtomicBoolean();
    /** Guarded by the writer's lock. */
    int failedAttempts;
    /** Submission order, set by {@link KeyedRecordQueue#add}; guarded by the writer's lock. */
    long sequence;
    /**
     * For a KPL aggregate ({@link Aggregator}): the user records it carries, in order, each still the head of its key's
     * queue; null for a user record. An aggregate is never queued itself: it lives from one call to its outcome, and is
     * acknowledged or retried as a whole.
     */
    final List<PendingRecord> members;
    /** The open shard the writer's shard map put the record in when it was last taken for a call; null if unknown. */
    String shardId;
    /** When the record started waiting for its shard's token bucket (System.nanoTime); guarded by the writer's lock. */
    long parkedAtNanos;
    private BigInteger hashKey;

    PendingRecord(String partitionKey, String previousKey, byte[] data, String description, long size, boolean skipped,
                  WriteCallback callback) {
        this.partitionKey = partitionKey;
        this.previousKey = partitionKey.equals(previousKey) ? null : previousKey;
        this.data = data;
        this.description = description;
        this.size = size;
        this.skipped = skipped;
        this.callback = callback;
        this.members = null;
        this.submittedNanos = System.nanoTime();
    }

    private PendingRecord(String partitionKey, byte[] data, long size, String shardId, List<PendingRecord> members) {
        this.partitionKey = partitionKey;
        this.previousKey = null;
        this.data = data;
        this.description = "an aggregate of " + members.size() + " changes (first " + members.get(0).description + ")";
        this.size = size;
        this.skipped = false;
        this.callback = null;
        this.members = List.copyOf(members);
        this.shardId = shardId;
        this.submittedNanos = members.get(0).submittedNanos;
    }

    /** A KPL aggregated record carrying these user records; {@code size} is what Kinesis counts (data plus key). */
    static PendingRecord aggregate(String partitionKey, byte[] data, long size, String shardId, List<PendingRecord> members) {
        return new PendingRecord(partitionKey, data, size, shardId, members);
    }

    /** True exactly once: the caller then owns reporting the outcome. */
    boolean markCompleted() {
        return completed.compareAndSet(false, true);
    }

    /** For error messages: the description the producer gave, and the partition key. */
    String describe() {
        return description + " (partition key '" + partitionKey + "')";
    }

    /** The hash key Kinesis puts the record by: MD5 of the partition key (computed once). */
    BigInteger hashKey() {
        if (hashKey == null) {
            hashKey = ShardMap.hashKey(partitionKey);
        }
        return hashKey;
    }

    WriteCallback callback() {
        return callback;
    }
}
