package io.cdclr.connector.kinesis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs write callbacks one at a time, in the order they were handed in. The writer hands a key's
 * callbacks in under its lock, in acknowledgement order, which is submission order; one thread keeps
 * that order when they run (responses of different calls complete on different SDK threads).
 *
 * <p>Completions are queued in a list and drained in runs: one executor task per run rather than per record,
 * because a PutRecords response completes up to 500 records at once and a task (and a thread wake-up) per record
 * was a measurable share of the writer's CPU.
 */
final class OrderedCallbacks {
    private static final Logger LOG = LoggerFactory.getLogger(OrderedCallbacks.class);

    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "kinesis-writer-callbacks");
        t.setDaemon(true);
        return t;
    });
    private final PendingCount pending;
    private final Object lock = new Object();
    /** Guarded by lock: completions handed in and not yet taken by the callback thread. */
    private List<Completion> queued = new ArrayList<>();
    /** Guarded by lock: a drain task is submitted and has not yet found the queue empty. */
    private boolean draining;

    private record Completion(PendingRecord record, Throwable failure) {
    }

    OrderedCallbacks(PendingCount pending) {
        this.pending = pending;
    }

    /** Hands in the outcome of these records, in their order; {@code failure} null means written. */
    void complete(List<PendingRecord> records, Throwable failure) {
        if (records.isEmpty()) {
            return;
        }
        boolean startDrain;
        synchronized (lock) {
            for (PendingRecord record : records) {
                queued.add(new Completion(record, failure));
            }
            startDrain = !draining;
            draining = true;
        }
        if (startDrain) {
            thread.execute(this::drain);
        }
    }

    private void drain() {
        while (true) {
            List<Completion> run;
            synchronized (lock) {
                if (queued.isEmpty()) {
                    draining = false;
                    return;
                }
                run = queued;
                queued = new ArrayList<>(Math.max(16, run.size()));
            }
            for (Completion c : run) {
                try {
                    c.record().callback().onComplete(c.failure());
                } catch (RuntimeException e) {
                    LOG.error("Write callback of {} threw; continuing with the next record", c.record().description, e);
                } finally {
                    pending.decrement();
                }
            }
        }
    }

    /** Runs what was handed in already, then stops. */
    void shutdown(Duration timeout) throws InterruptedException {
        thread.shutdown();
        if (!thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("Write callbacks still running after {}; leaving them", timeout);
        }
    }
}
