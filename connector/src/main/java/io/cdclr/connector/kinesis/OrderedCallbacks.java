package io.cdclr.connector.kinesis;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs write callbacks one at a time, in the order they were handed in. The writer hands a key's
 * callbacks in under its lock, in acknowledgement order, which is submission order; one thread keeps
 * that order when they run (responses of different calls complete on different SDK threads).
 */
final class OrderedCallbacks {
    private static final Logger LOG = LoggerFactory.getLogger(OrderedCallbacks.class);

    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "kinesis-writer-callbacks");
        t.setDaemon(true);
        return t;
    });
    private final PendingCount pending;

    OrderedCallbacks(PendingCount pending) {
        this.pending = pending;
    }

    void complete(PendingRecord record, Throwable failure) {
        thread.execute(() -> {
            try {
                record.callback().onComplete(failure);
            } catch (RuntimeException e) {
                LOG.error("Write callback of {} threw; continuing with the next record", record.description, e);
            } finally {
                pending.decrement();
            }
        });
    }

    /** Runs what was handed in already, then stops. */
    void shutdown(Duration timeout) throws InterruptedException {
        thread.shutdown();
        if (!thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("Write callbacks still running after {}; leaving them", timeout);
        }
    }
}
