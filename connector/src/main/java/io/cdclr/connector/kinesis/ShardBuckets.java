package io.cdclr.connector.kinesis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-shard pacing: a {@link TokenBucket} per open shard, and the records that are ready to be sent but wait for
 * their shard's bucket ("parked"), one FIFO per shard. A record of a full shard is parked instead of blocking the
 * ready queue, so a hot shard waits on its own while records of other shards go on; parked records go first once
 * their bucket has room.
 *
 * <p>Ordering is not at stake here: a parked record is the head of its key's queue (at most one record of a key is
 * ready or in flight, see {@link KeyedRecordQueue}), so holding it back only delays its key.
 *
 * <p>Not thread-safe: the writer guards it with its lock.
 */
final class ShardBuckets {
    private final long recordsPerSecond;
    private final long bytesPerSecond;
    private final Map<String, TokenBucket> buckets = new HashMap<>();
    private final Map<String, ArrayDeque<PendingRecord>> parked = new LinkedHashMap<>();
    private int parkedCount;

    ShardBuckets(long recordsPerSecond, long bytesPerSecond) {
        this.recordsPerSecond = recordsPerSecond;
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Charges the record to its shard's bucket if it fits now. */
    boolean tryTake(String shardId, long size, long nowNanos) {
        return bucket(shardId, nowNanos).tryTake(size, nowNanos);
    }

    /** The record waits for its shard's bucket. */
    void park(String shardId, PendingRecord record, long nowNanos) {
        record.parkedAtNanos = nowNanos;
        parked.computeIfAbsent(shardId, k -> new ArrayDeque<>()).addLast(record);
        parkedCount++;
    }

    /** A record taken out by {@link #reshard}, parked again under its shard in the new map; it keeps its parking time. */
    void parkAgain(String shardId, PendingRecord record) {
        parked.computeIfAbsent(shardId, k -> new ArrayDeque<>()).addLast(record);
        parkedCount++;
    }

    boolean hasParked() {
        return parkedCount > 0;
    }

    int parkedCount() {
        return parkedCount;
    }

    /** How long until the first parked record fits its bucket; 0 if one fits now, Long.MAX_VALUE if none is parked. */
    long nanosUntilParkedFits(long nowNanos) {
        long wait = Long.MAX_VALUE;
        for (var entry : parked.entrySet()) {
            wait = Math.min(wait, bucket(entry.getKey(), nowNanos).nanosUntilFits(entry.getValue().peekFirst().size, nowNanos));
            if (wait == 0) {
                return 0;
            }
        }
        return wait;
    }

    /**
     * Takes the oldest parked record of the first shard whose bucket has room for it now and whose size is at most
     * {@code maxSize} (what is left of the call), charging the bucket; null if there is none.
     */
    PendingRecord pollFitting(long maxSize, long nowNanos) {
        Iterator<Map.Entry<String, ArrayDeque<PendingRecord>>> shards = parked.entrySet().iterator();
        while (shards.hasNext()) {
            var entry = shards.next();
            PendingRecord head = entry.getValue().peekFirst();
            if (head.size <= maxSize && bucket(entry.getKey(), nowNanos).tryTake(head.size, nowNanos)) {
                entry.getValue().pollFirst();
                parkedCount--;
                if (entry.getValue().isEmpty()) {
                    shards.remove();
                }
                return head;
            }
        }
        return null;
    }

    /**
     * After the shard map changed: buckets of shards that are no longer open go, and every parked record is taken out
     * (oldest first per shard) for the writer to park again under its shard in the new map.
     */
    List<PendingRecord> reshard(Set<String> openShards) {
        buckets.keySet().retainAll(openShards);
        List<PendingRecord> all = new ArrayList<>(parkedCount);
        parked.values().forEach(all::addAll);
        parked.clear();
        parkedCount = 0;
        all.sort((a, b) -> Long.compare(a.sequence, b.sequence));
        return all;
    }

    /** The writer stopped: parked records are reported through the key queues' drain. */
    void clear() {
        parked.clear();
        parkedCount = 0;
    }

    private TokenBucket bucket(String shardId, long nowNanos) {
        TokenBucket bucket = buckets.get(shardId);
        if (bucket == null) {
            bucket = new TokenBucket(recordsPerSecond, bytesPerSecond, nowNanos);
            buckets.put(shardId, bucket);
        }
        return bucket;
    }
}
