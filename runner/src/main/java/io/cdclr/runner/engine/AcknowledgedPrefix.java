package io.cdclr.runner.engine;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Changes in the order the engine handed them over, released only as a contiguous prefix of acknowledged ones.
 *
 * <p>Kinesis may acknowledge records out of stream order (different keys, parallel calls). The offset store may only
 * ever hold a position up to which everything is in Kinesis, so a change is released (marked processed) only once it
 * and every change before it are acknowledged. A failed change stops the release for good: nothing after it is ever
 * marked, so nothing after it is confirmed to the slot.
 */
final class AcknowledgedPrefix<T> {

    /** One change waiting for Kinesis. */
    static final class Entry<T> {
        final T change;
        final long bytes;
        private boolean acknowledged;

        Entry(T change, long bytes) {
            this.change = change;
            this.bytes = bytes;
        }
    }

    private final ArrayDeque<Entry<T>> pending = new ArrayDeque<>();
    private Throwable failure;

    synchronized Entry<T> append(T change, long bytes) {
        Entry<T> entry = new Entry<>(change, bytes);
        pending.addLast(entry);
        return entry;
    }

    /** Records Kinesis's answer for one entry: {@code null} for acknowledged. */
    synchronized void complete(Entry<T> entry, Throwable error) {
        if (error == null) {
            entry.acknowledged = true;
        } else if (failure == null) {
            failure = error;
        }
        // The releaser waits for the head only: waking it for every other entry would cost a thread switch per change.
        if (error != null || entry == pending.peekFirst()) {
            notifyAll();
        }
    }

    /**
     * Waits until the head of the queue is acknowledged (or {@code timeoutMillis} passes), then hands every entry of the
     * acknowledged prefix to {@code release}, in order. Returns how many were released.
     */
    int releaseAcknowledged(long timeoutMillis, Consumer<Entry<T>> release) throws InterruptedException {
        java.util.List<Entry<T>> batch = new java.util.ArrayList<>();
        synchronized (this) {
            if (!headAcknowledged() && failure == null && timeoutMillis > 0) {
                wait(timeoutMillis);
            }
            while (headAcknowledged()) {
                batch.add(pending.pollFirst());
            }
        }
        // Released outside the lock: release may block on the engine's offset writer.
        batch.forEach(release);
        return batch.size();
    }

    private boolean headAcknowledged() {
        Entry<T> head = pending.peekFirst();
        return head != null && head.acknowledged;
    }

    synchronized Throwable failure() {
        return failure;
    }

    /** Wakes a waiting {@link #releaseAcknowledged} (on shutdown). */
    synchronized void wakeUp() {
        notifyAll();
    }
}
