package io.cdclr.connector.replication;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The reader thread's hand-off to {@code poll()}: a FIFO bounded both by message count and by bytes, because a count
 * alone lets a backlog of large rows fill the heap (2,048 rows of 600 KB are 1.2 GB).
 *
 * <p>A message is counted as the array it holds on to ({@link #sizeOf}), which is what it keeps alive. A message larger
 * than the byte limit still enters an empty queue, alone: one row is never refused, and the queue never deadlocks.
 *
 * <p>One producer (the reader) and one consumer (the poll thread). Same cost per message as an
 * {@link java.util.concurrent.ArrayBlockingQueue} (one lock per put, one per drain, no allocation): the byte count is
 * kept under the same lock, and the drain takes a whole batch under one lock acquisition.
 */
final class MessageQueue {
    private final StreamMessage[] items;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private int head;
    private int count;
    private long bytes;
    /**
     * The reader wakes a waiting poll only once this many messages (or {@link #wakeAtBytes}) are queued: 1, except while
     * a poll lingers for a fuller batch ({@link #awaitAtLeast}), which would otherwise be woken for every message.
     */
    private int wakeAt = 1;
    private long wakeAtBytes = Long.MAX_VALUE;
    /**
     * When the lingering poll takes its batch ({@link System#nanoTime()}), or {@link #NOT_LINGERING}: the reader need not
     * read sooner than just before it (see {@link #lingerDeadline()}).
     */
    private volatile long lingerDeadline = NOT_LINGERING;
    static final long NOT_LINGERING = Long.MIN_VALUE;

    MessageQueue(int capacity, long maxBytes) {
        if (capacity < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("capacity and maxBytes must be positive: " + capacity + ", " + maxBytes);
        }
        this.items = new StreamMessage[capacity];
        this.maxBytes = maxBytes;
    }

    /** The heap a queued message keeps alive: PgJDBC's whole receive array (payload plus XLogData header). */
    static long sizeOf(StreamMessage message) {
        return message.buffer().length;
    }

    /**
     * Adds the message, waiting up to {@code timeout} for room: a free slot and the bytes within the limit, or an
     * empty queue (which takes a message of any size).
     *
     * @return false when there was no room in time
     */
    boolean offer(StreamMessage message, long timeout, TimeUnit unit) throws InterruptedException {
        long size = sizeOf(message);
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (!fits(size)) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = notFull.awaitNanos(nanos);
            }
            int tail = head + count;
            items[tail >= items.length ? tail - items.length : tail] = message;
            count++;
            bytes += size;
            if (count >= wakeAt || bytes >= wakeAtBytes) {
                notEmpty.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean fits(long size) {
        return count == 0 || (count < items.length && bytes + size <= maxBytes);
    }

    /**
     * Moves messages, oldest first, into {@code out}: at most {@code maxCount}, and as long as their sizes add up to at
     * most {@code maxBytes}; the first one regardless of its size when {@code firstAlwaysFits}. Waits up to
     * {@code timeoutMs} for a first message when the queue is empty.
     *
     * @return how many were moved
     */
    int drainTo(List<StreamMessage> out, int maxCount, long maxBytes, boolean firstAlwaysFits, long timeoutMs)
            throws InterruptedException {
        long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lockInterruptibly();
        try {
            while (count == 0) {
                if (nanos <= 0) {
                    return 0;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            int moved = 0;
            long taken = 0;
            while (moved < maxCount && count > 0) {
                StreamMessage next = items[head];
                long size = sizeOf(next);
                if (taken + size > maxBytes && !(moved == 0 && firstAlwaysFits)) {
                    break;
                }
                items[head] = null;
                head = head + 1 == items.length ? 0 : head + 1;
                count--;
                bytes -= size;
                taken += size;
                out.add(next);
                moved++;
            }
            if (moved > 0) {
                notFull.signal();
            }
            return moved;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutNanos} until at least {@code messages} messages or {@code minBytes} bytes are queued (or
     * the queue is full), without being woken for each message before that. Takes nothing.
     */
    void awaitAtLeast(int messages, long minBytes, long timeoutNanos) throws InterruptedException {
        int wanted = Math.max(1, Math.min(messages, items.length));
        long nanos = timeoutNanos;
        lock.lockInterruptibly();
        try {
            wakeAt = wanted;
            wakeAtBytes = Math.max(1, Math.min(minBytes, maxBytes));
            lingerDeadline = System.nanoTime() + nanos;
            while (count < wanted && bytes < wakeAtBytes && nanos > 0) {
                nanos = notEmpty.awaitNanos(nanos);
            }
        } finally {
            wakeAt = 1;
            wakeAtBytes = Long.MAX_VALUE;
            lingerDeadline = NOT_LINGERING;
            lock.unlock();
        }
    }

    /**
     * When the poll lingering in {@link #awaitAtLeast} will take its batch, on the {@link System#nanoTime()} clock, or
     * {@link #NOT_LINGERING} when none lingers. A batch that fills wakes the poll earlier, but only the reader fills it.
     */
    long lingerDeadline() {
        return lingerDeadline;
    }

    boolean isEmpty() {
        lock.lock();
        try {
            return count == 0;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes queued now (see {@link #sizeOf}). */
    long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    void clear() {
        lock.lock();
        try {
            java.util.Arrays.fill(items, null);
            head = 0;
            count = 0;
            bytes = 0;
            notFull.signal();
        } finally {
            lock.unlock();
        }
    }
}
