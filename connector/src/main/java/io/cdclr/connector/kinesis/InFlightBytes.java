package io.cdclr.connector.kinesis;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Back-pressure: bounds the bytes submitted but not yet acknowledged, so producers block instead of
 * the writer buffering without limit.
 *
 * <p>A blocked producer is woken only once a quarter of the limit is free again, not on every acknowledged record:
 * under steady back-pressure, waking it per record made producer and writer hand the CPU back and forth for every
 * record.
 */
final class InFlightBytes {
    private final long limit;
    private final long wakeBelow;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private long used;
    private int waiting;
    private KinesisWriterException abortedWith;

    InFlightBytes(long limit) {
        this.limit = limit;
        this.wakeBelow = limit - limit / 4;
    }

    /** Blocks until the bytes fit (a record always fits when nothing else is in flight), or the writer stops. */
    void acquire(long bytes) throws InterruptedException {
        lock.lock();
        try {
            while (abortedWith == null && used > 0 && used + bytes > limit) {
                waiting++;
                try {
                    released.await();
                } finally {
                    waiting--;
                }
            }
            if (abortedWith != null) {
                throw new KinesisWriterException(abortedWith.getMessage(), abortedWith);
            }
            used += bytes;
        } finally {
            lock.unlock();
        }
    }

    void release(long bytes) {
        lock.lock();
        try {
            used -= bytes;
            if (waiting > 0 && (used <= wakeBelow || used == 0)) {
                released.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every blocked producer with this failure; later acquires fail at once. */
    void abort(KinesisWriterException failure) {
        lock.lock();
        try {
            if (abortedWith == null) {
                abortedWith = failure;
            }
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long used() {
        lock.lock();
        try {
            return used;
        } finally {
            lock.unlock();
        }
    }
}
