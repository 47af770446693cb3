package io.cdclr.connector.kinesis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Records submitted whose callback has not run yet; flush() waits for it to reach zero.
 *
 * <p>The count is atomic and the lock is taken only when it reaches zero: producers and the callback thread change it
 * for every record, and a lock they both took per record made them wake each other.
 */
final class PendingCount {
    private final AtomicLong pending = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition reachedZero = lock.newCondition();

    void increment() {
        pending.incrementAndGet();
    }

    void decrement() {
        if (pending.decrementAndGet() == 0) {
            // Under the lock, so a waiter that saw a non-zero count is already waiting when the signal comes.
            lock.lock();
            try {
                reachedZero.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    long get() {
        return pending.get();
    }

    boolean awaitZero(Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (pending.get() > 0) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = reachedZero.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
