package io.cdclr.connector.kinesis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-key order guarantee lives here. Records wait in one FIFO queue per partition key, and only
 * the head of a key's queue is ever handed out for sending. The head stays at the head until Kinesis
 * acknowledged it ({@link #acknowledgeHead}); a failed head is handed out again only when the writer
 * says so ({@link #markReady}), after its backoff. So a key has at most one record in flight, and no
 * record of a key is sent before every earlier record of that key was accepted.
 *
 * <p>Key changes (issue 19): a record with a {@link PendingRecord#previousKey} (an update that moved its row to
 * another primary key) waits in the queues of both keys, the same object in each. It is handed out only when it is
 * the head of both, and it leaves both when acknowledged: so it is sent only after every earlier record of either
 * key was acknowledged, and no later record of either key is sent before it is acknowledged. It is still written
 * under its own (new) partition key. This cannot deadlock: a record enters its queues at once, under the writer's
 * lock, so every queue holds its records in the one submission order, and the oldest record not yet acknowledged is
 * always the head of each of its queues (ready, in flight or backing off).
 *
 * <p>Not thread-safe: the writer guards it with its lock.
 */
final class KeyedRecordQueue {
    private final Map<String, ArrayDeque<PendingRecord>> queuesByKey = new HashMap<>();
    /** Records that may be sent now, oldest first; each is the head of its key's queue (of both, for a key change). */
    private final ArrayDeque<PendingRecord> readyRecords = new ArrayDeque<>();
    private long readyBytes;
    private long readySinceNanos;
    private int records;
    private long submitted;

    void add(PendingRecord record) {
        record.sequence = submitted++;
        boolean head = enqueue(record.partitionKey, record);
        if (record.previousKey != null) {
            head &= enqueue(record.previousKey, record); // enqueued whether or not it heads its own key's queue
        }
        records++;
        if (head) {
            ready(record);
        }
    }

    /** Adds the record at the end of the key's queue; true if it is the queue's head now. */
    private boolean enqueue(String key, PendingRecord record) {
        // Most keys (rows) have one record queued at a time: start with the smallest deque rather than the default 16.
        ArrayDeque<PendingRecord> queue = queuesByKey.computeIfAbsent(key, k -> new ArrayDeque<>(1));
        queue.addLast(record);
        return queue.size() == 1;
    }

    /** The record, the head of its key's queue (of both, for a key change), may be sent (again). */
    void markReady(PendingRecord record) {
        if (isHead(record)) { // else drained: the writer stopped
            ready(record);
        }
    }

    private void ready(PendingRecord record) {
        // The oldest submission among the ready records: the linger is a budget per change from its submission, not
        // from when it became ready (a change that waited for its key's previous record has used its budget already).
        if (readyRecords.isEmpty() || record.submittedNanos - readySinceNanos < 0) {
            readySinceNanos = record.submittedNanos;
        }
        readyRecords.addLast(record);
        readyBytes += record.size;
    }

    /** Whether the record heads the queue of its key and, for a key change, that of its previous key. */
    private boolean isHead(PendingRecord record) {
        return isHeadOf(record.partitionKey, record) && (record.previousKey == null || isHeadOf(record.previousKey, record));
    }

    private boolean isHeadOf(String key, PendingRecord record) {
        ArrayDeque<PendingRecord> queue = queuesByKey.get(key);
        return queue != null && queue.peekFirst() == record;
    }

    boolean hasReady() {
        return !readyRecords.isEmpty();
    }

    int readyCount() {
        return readyRecords.size();
    }

    long readyBytes() {
        return readyBytes;
    }

    /** When the oldest of the ready records was submitted (System.nanoTime). */
    long readySinceNanos() {
        return readySinceNanos;
    }

    /** The record the next {@link #takeReadyHead} would return, without taking it; null if none. */
    PendingRecord peekReadyHead() {
        return readyRecords.peekFirst();
    }

    /** Hands out the oldest ready record; it stays queued (in flight) until acknowledged. */
    PendingRecord takeReadyHead() {
        PendingRecord head = readyRecords.pollFirst();
        if (head == null) {
            return null;
        }
        readyBytes -= head.size;
        if (readyRecords.isEmpty()) {
            readyBytes = 0;
        }
        return head;
    }

    /**
     * The record was acknowledged (or skipped): it leaves the head of its key's queue (and of its previous key's), and
     * the next record of each becomes ready if nothing else holds it back.
     */
    void acknowledgeHead(PendingRecord record) {
        // Out of every queue first: the next record may be the next one of both keys.
        PendingRecord nextOfKey = removeHead(record.partitionKey, record);
        PendingRecord nextOfPrevious = record.previousKey == null ? null : removeHead(record.previousKey, record);
        records--;
        if (nextOfKey != null && isHead(nextOfKey)) {
            ready(nextOfKey);
        }
        if (nextOfPrevious != null && nextOfPrevious != nextOfKey && isHead(nextOfPrevious)) {
            ready(nextOfPrevious);
        }
    }

    /** Removes the record from the head of the key's queue; the new head, or null. */
    private PendingRecord removeHead(String key, PendingRecord record) {
        ArrayDeque<PendingRecord> queue = queuesByKey.get(key);
        if (queue == null || queue.peekFirst() != record) {
            throw new IllegalStateException("Acknowledged a record that is not the head of its key's queue: "
                    + record.describe() + (key.equals(record.partitionKey) ? "" : " (previous key '" + key + "')"));
        }
        queue.removeFirst();
        if (queue.isEmpty()) {
            queuesByKey.remove(key);
            return null;
        }
        return queue.peekFirst();
    }

    int size() {
        return records;
    }

    /** Empties the queue; the records come out once each (a key change is in two queues), in submission order. */
    List<PendingRecord> drain() {
        Set<PendingRecord> all = new LinkedHashSet<>(records * 2);
        queuesByKey.values().forEach(all::addAll);
        List<PendingRecord> ordered = new ArrayList<>(all);
        ordered.sort(Comparator.comparingLong(r -> r.sequence));
        queuesByKey.clear();
        readyRecords.clear();
        readyBytes = 0;
        records = 0;
        return ordered;
    }
}
