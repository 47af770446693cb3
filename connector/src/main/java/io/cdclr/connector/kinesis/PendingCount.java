package io.cdclr.connector.kinesis;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Records submitted whose callback has not run yet; flush() waits for it to reach zero. */
final class PendingCount {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition reachedZero = lock.newCondition();
    private long pending;

    void increment() {
        lock.lock();
        try {
            pending++;
        } finally {
            lock.unlock();
        }
    }

    void decrement() {
        lock.lock();
        try {
            if (--pending == 0) {
                reachedZero.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    long get() {
        lock.lock();
        try {
            return pending;
        } finally {
            lock.unlock();
        }
    }

    boolean awaitZero(Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (pending > 0) {
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
