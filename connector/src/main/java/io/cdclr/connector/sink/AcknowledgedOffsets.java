package io.cdclr.connector.sink;

import java.util.ArrayDeque;
import java.util.OptionalLong;

/**
 * The records of one Kafka partition handed to the writer and not yet known to be acknowledged, in offset order.
 * Kinesis may acknowledge them out of order (different partition keys); only the contiguous acknowledged prefix
 * may be committed, so {@link #firstUnacknowledged()} is the highest offset that can be committed.
 * Thread-safe: records are added by the task thread, acknowledged on the writer's callback thread.
 */
final class AcknowledgedOffsets {
    /** One record in flight. */
    static final class Entry {
        final long offset;
        boolean acknowledged;

        Entry(long offset) {
            this.offset = offset;
        }
    }

    private final ArrayDeque<Entry> pending = new ArrayDeque<>();

    /** Adds the next record of the partition; offsets must be added in increasing order. */
    synchronized Entry add(long offset) {
        Entry entry = new Entry(offset);
        pending.addLast(entry);
        return entry;
    }

    synchronized void acknowledge(Entry entry) {
        entry.acknowledged = true;
        dropAcknowledgedHead();
    }

    /** The offset of the oldest record not acknowledged yet: everything before it may be committed. */
    synchronized OptionalLong firstUnacknowledged() {
        dropAcknowledgedHead();
        return pending.isEmpty() ? OptionalLong.empty() : OptionalLong.of(pending.peekFirst().offset);
    }

    synchronized int size() {
        return pending.size();
    }

    private void dropAcknowledgedHead() {
        while (!pending.isEmpty() && pending.peekFirst().acknowledged) {
            pending.removeFirst();
        }
    }
}
