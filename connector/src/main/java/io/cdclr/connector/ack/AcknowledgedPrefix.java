package io.cdclr.connector.ack;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Changes in the order they were handed over, of which only the contiguous prefix of acknowledged ones counts: the
 * highest position below which everything is acknowledged. The runner's change consumer (engine offsets) and the
 * Kinesis sink task (one per Kafka partition, offsets to commit) both keep their in-flight records in one.
 *
 * <p>Kinesis may acknowledge records out of stream order (different keys, parallel calls). The offset store may only
 * ever hold a position up to which everything is in Kinesis, so a change is released (marked processed, committed)
 * only once it and every change before it are acknowledged. A failed change stops the release for good: nothing after
 * it is ever released, so nothing after it is confirmed to the slot.
 *
 * <p>Thread-safe: changes are appended by one thread, acknowledged on the writer's callback threads.
 */
public final class AcknowledgedPrefix<T> {

    /** One change waiting for Kinesis. */
    public static final class Entry<T> {
        public final T change;
        public final long bytes;
        private volatile boolean acknowledged;

        Entry(T change, long bytes) {
            this.change = change;
            this.bytes = bytes;
        }
    }

    private final ArrayDeque<Entry<T>> pending = new ArrayDeque<>();
    /** The first entry of {@link #pending}, readable without the lock; written only under it. */
    private volatile Entry<T> head;
    private Throwable failure;

    /** Adds the next change (after every change appended before it); {@code bytes}: its size, for the caller. */
    public synchronized Entry<T> append(T change, long bytes) {
        Entry<T> entry = new Entry<>(change, bytes);
        pending.addLast(entry);
        if (head == null) {
            head = entry;
        }
        return entry;
    }

    /**
     * Records Kinesis's answer for one entry: {@code null} for acknowledged.
     *
     * <p>An acknowledgement takes the lock only when it is for the head, the one entry the releaser waits for: taking it
     * for every change made the callback thread and the producer (which appends under it) wake each other. Both
     * {@code acknowledged} and {@link #head} are volatile: if the releaser made this entry the head and saw it
     * unacknowledged, this thread sees it as the head and wakes the releaser.
     */
    public void complete(Entry<T> entry, Throwable error) {
        if (error == null) {
            entry.acknowledged = true;
            if (entry == head) {
                synchronized (this) {
                    notifyAll();
                }
            }
            return;
        }
        synchronized (this) {
            if (failure == null) {
                failure = error;
            }
            notifyAll();
        }
    }

    /**
     * Waits until the head of the queue is acknowledged (or {@code timeoutMillis} passes), then hands every entry of the
     * acknowledged prefix to {@code release}, in order. Returns how many were released.
     */
    public int releaseAcknowledged(long timeoutMillis, Consumer<Entry<T>> release) throws InterruptedException {
        java.util.List<Entry<T>> batch = new java.util.ArrayList<>();
        synchronized (this) {
            if (!headAcknowledged() && failure == null && timeoutMillis > 0) {
                wait(timeoutMillis);
            }
            while (headAcknowledged()) {
                batch.add(pending.pollFirst());
            }
            head = pending.peekFirst();
        }
        // Released outside the lock: release may block on the engine's offset writer.
        batch.forEach(release);
        return batch.size();
    }

    /**
     * Drops the acknowledged prefix without waiting and returns the oldest change not acknowledged yet (everything
     * before it is in Kinesis), or null when every change is.
     */
    public synchronized T firstUnacknowledged() {
        dropAcknowledgedPrefix();
        return head == null ? null : head.change;
    }

    /** How many changes are not acknowledged yet, or are behind one that is not. */
    public synchronized int size() {
        dropAcknowledgedPrefix();
        return pending.size();
    }

    private void dropAcknowledgedPrefix() {
        while (headAcknowledged()) {
            pending.pollFirst();
        }
        head = pending.peekFirst();
    }

    private boolean headAcknowledged() {
        Entry<T> first = pending.peekFirst();
        return first != null && first.acknowledged;
    }

    /** The first failure {@link #complete} recorded, or null. */
    public synchronized Throwable failure() {
        return failure;
    }

    /** Wakes a waiting {@link #releaseAcknowledged} (on shutdown). */
    public synchronized void wakeUp() {
        notifyAll();
    }
}
