package io.cdclr.connector.kinesis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * With kinesis.aggregation=true: takes the ready records off the queue into one PutRecords call, packing the records of
 * each shard into KPL aggregated records ({@link AggregatedRecordEncoder}).
 *
 * <p>Order: the queue hands out only the head of each key's queue, so an aggregate holds at most one record of a key,
 * and only one whose every earlier record was acknowledged. Kinesis takes or refuses an aggregate as a whole, so its
 * records are acknowledged or retried together, and per-key order holds exactly as without aggregation.
 *
 * <p>Shards: an aggregate is written under its first record's partition key, so Kinesis puts it on that key's shard;
 * only records whose keys map to the same shard (MD5 of the key in the shard's hash-key range) go into it, so every
 * record in it is in the shard a consumer expects it in (the KCL drops deaggregated records outside the shard's range).
 *
 * <p>A record whose shard the map does not know (not read yet, or mid-reshard) goes plain, never into an aggregate.
 *
 * <p>An aggregate that ends up with one record is sent as that plain record: the same for any consumer, 20 bytes
 * smaller. A record too large for an aggregate goes alone, plain.
 */
final class Aggregator {
    private final Function<PendingRecord, ShardMap.Shard> shardOf;
    private final int maxRecordsPerAggregate;
    private final long maxBytesPerAggregate;

    /**
     * @param shardOf              the open shard a record's key maps to now, null if unknown (then the record goes plain)
     * @param maxBytesPerAggregate the most bytes (data plus partition key) of an aggregate, at most the record limit
     */
    Aggregator(Function<PendingRecord, ShardMap.Shard> shardOf, int maxRecordsPerAggregate, long maxBytesPerAggregate) {
        this.shardOf = shardOf;
        this.maxRecordsPerAggregate = maxRecordsPerAggregate;
        this.maxBytesPerAggregate = maxBytesPerAggregate;
    }

    /**
     * Takes ready records off the queue, oldest first, while they fit in the call: at most {@code maxEntriesPerCall}
     * Kinesis records (aggregates and plain records) of at most {@code maxBytesPerCall} together. A skipped
     * (oversized) record that comes up goes to {@code onSkipped}, in its turn.
     *
     * @return the call's entries: plain records and aggregates ({@link PendingRecord#members} set), each with the
     *         {@link PendingRecord#shardId} it was packed for (null if unknown)
     */
    List<PendingRecord> takeBatch(KeyedRecordQueue queue, Consumer<PendingRecord> onSkipped, int maxEntriesPerCall,
                                  long maxBytesPerCall) {
        Map<String, Open> open = new LinkedHashMap<>();
        List<PendingRecord> entries = new ArrayList<>();
        int entryCount = 0;
        long callBytes = 0;
        while (true) {
            PendingRecord next = queue.peekReadyHead();
            if (next == null) {
                break;
            }
            if (next.skipped) {
                queue.takeReadyHead();
                onSkipped.accept(next);
                continue;
            }
            ShardMap.Shard shardOfNext = shardOf.apply(next);
            String shard = shardOfNext == null ? null : shardOfNext.id();
            Open current = shard == null ? null : open.get(shard);
            if (current != null) {
                long grown = current.encoder.sizeWith(next.partitionKey, next.data);
                if (current.members.size() < maxRecordsPerAggregate && grown <= maxBytesPerAggregate) {
                    if (callBytes - current.encoder.size() + grown > maxBytesPerCall) {
                        break;
                    }
                    queue.takeReadyHead();
                    next.shardId = shard;
                    callBytes += grown - current.encoder.size();
                    current.add(next);
                    continue;
                }
                entries.add(current.seal()); // full: counted in the call already
                open.remove(shard);
            }
            AggregatedRecordEncoder alone = new AggregatedRecordEncoder();
            long aloneSize = alone.sizeWith(next.partitionKey, next.data);
            if (entryCount + 1 > maxEntriesPerCall || callBytes + Math.min(aloneSize, next.size) > maxBytesPerCall) {
                break;
            }
            queue.takeReadyHead();
            next.shardId = shard;
            entryCount++;
            if (shard == null || aloneSize > maxBytesPerAggregate || maxRecordsPerAggregate == 1
                    || callBytes + aloneSize > maxBytesPerCall) {
                entries.add(next); // plain
                callBytes += next.size;
                continue;
            }
            Open fresh = new Open(alone, shard);
            fresh.add(next);
            open.put(shard, fresh);
            callBytes += aloneSize;
        }
        for (Open o : open.values()) {
            entries.add(o.seal());
        }
        return entries;
    }

    /** An aggregate being filled. */
    private static final class Open {
        final AggregatedRecordEncoder encoder;
        final String shardId;
        final List<PendingRecord> members = new ArrayList<>();

        Open(AggregatedRecordEncoder encoder, String shardId) {
            this.encoder = encoder;
            this.shardId = shardId;
        }

        void add(PendingRecord record) {
            encoder.add(record.partitionKey, record.data);
            members.add(record);
        }

        PendingRecord seal() {
            if (members.size() == 1) {
                return members.get(0);
            }
            return PendingRecord.aggregate(encoder.partitionKey(), encoder.encode(), encoder.size(), shardId, members);
        }
    }
}
