package io.cdclr.connector.kinesis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-key order guarantee lives here. Records wait in one FIFO queue per partition key, and only
 * the head of a key's queue is ever handed out for sending. The head stays at the head until Kinesis
 * acknowledged it ({@link #acknowledgeHead}); a failed head is handed out again only when the writer
 * says so ({@link #markReady}), after its backoff. So a key has at most one record in flight, and no
 * record of a key is sent before every earlier record of that key was accepted.
 *
 * <p>Not thread-safe: the writer guards it with its lock.
 */
final class KeyedRecordQueue {
    private final Map<String, ArrayDeque<PendingRecord>> queuesByKey = new HashMap<>();
    /** Keys whose head may be sent now, oldest first. A key appears at most once. */
    private final ArrayDeque<String> readyKeys = new ArrayDeque<>();
    private long readyBytes;
    private long readySinceNanos;
    private int records;

    void add(PendingRecord record) {
        // Most keys (rows) have one record queued at a time: start with the smallest deque rather than the default 16.
        ArrayDeque<PendingRecord> queue = queuesByKey.computeIfAbsent(record.partitionKey, k -> new ArrayDeque<>(1));
        queue.addLast(record);
        records++;
        if (queue.size() == 1) {
            markReady(record.partitionKey);
        }
    }

    /** The head of the key's queue may be sent (again). */
    void markReady(String partitionKey) {
        ArrayDeque<PendingRecord> queue = queuesByKey.get(partitionKey);
        if (queue == null) {
            return;
        }
        if (readyKeys.isEmpty()) {
            readySinceNanos = System.nanoTime();
        }
        readyKeys.addLast(partitionKey);
        readyBytes += queue.peekFirst().size;
    }

    boolean hasReady() {
        return !readyKeys.isEmpty();
    }

    int readyCount() {
        return readyKeys.size();
    }

    long readyBytes() {
        return readyBytes;
    }

    /** When the oldest of the ready records became ready (System.nanoTime). */
    long readySinceNanos() {
        return readySinceNanos;
    }

    /** The record the next {@link #takeReadyHead} would return, without taking it; null if none. */
    PendingRecord peekReadyHead() {
        String key = readyKeys.peekFirst();
        return key == null ? null : queuesByKey.get(key).peekFirst();
    }

    /** Hands out the head of the oldest ready key; it stays queued (in flight) until acknowledged. */
    PendingRecord takeReadyHead() {
        String key = readyKeys.pollFirst();
        if (key == null) {
            return null;
        }
        PendingRecord head = queuesByKey.get(key).peekFirst();
        readyBytes -= head.size;
        if (readyKeys.isEmpty()) {
            readyBytes = 0;
        }
        return head;
    }

    /** The key's head was acknowledged (or skipped): remove it, and the next record of the key becomes ready. */
    void acknowledgeHead(PendingRecord record) {
        ArrayDeque<PendingRecord> queue = queuesByKey.get(record.partitionKey);
        if (queue == null || queue.peekFirst() != record) {
            throw new IllegalStateException("Acknowledged a record that is not the head of its key's queue: " + record.describe());
        }
        queue.removeFirst();
        records--;
        if (queue.isEmpty()) {
            queuesByKey.remove(record.partitionKey);
        } else {
            markReady(record.partitionKey);
        }
    }

    int size() {
        return records;
    }

    /** Empties the queue; the records come out in submission order within each key. */
    List<PendingRecord> drain() {
        List<PendingRecord> all = new ArrayList<>(records);
        queuesByKey.values().forEach(all::addAll);
        queuesByKey.clear();
        readyKeys.clear();
        readyBytes = 0;
        records = 0;
        return all;
    }
}
