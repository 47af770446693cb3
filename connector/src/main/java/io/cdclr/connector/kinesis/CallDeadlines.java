package io.cdclr.connector.kinesis;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The call timeout of {@link DirectPutRecords}: calls in flight register here, and one periodic sweep on the timer
 * aborts those past their deadline.
 *
 * <p>Why a sweep rather than a timer task per call: a task scheduled per call (and cancelled when it answers) woke the
 * timer thread at every call, and the calling thread signalled it, about ten times a second each at a steady 2,000
 * changes/s, for a deadline that almost never passes. The sweep runs every {@link #tick} (an eighth of the timeout,
 * between 10 ms and 1 s), so a call is aborted at most that much after its deadline: within 31 s for the default 30 s.
 */
final class CallDeadlines {
    static final long MIN_TICK_MS = 10;
    static final long MAX_TICK_MS = 1_000;

    private final long timeoutNanos;
    private final LongSupplier nanoClock;
    private final Set<Deadline> inFlight = ConcurrentHashMap.newKeySet();

    /** One call's deadline; {@link #close()} when the call is over, whatever its outcome. */
    final class Deadline implements AutoCloseable {
        private final long dueNanos;
        private final Runnable abort;
        private volatile boolean passed;

        private Deadline(long dueNanos, Runnable abort) {
            this.dueNanos = dueNanos;
            this.abort = abort;
        }

        /** Whether the call was aborted for passing its deadline. */
        boolean passed() {
            return passed;
        }

        @Override
        public void close() {
            inFlight.remove(this);
        }
    }

    /**
     * @param timer runs the sweep; it stops with the timer (shut down when the client closes)
     */
    CallDeadlines(Duration timeout, ScheduledExecutorService timer, LongSupplier nanoClock) {
        this.timeoutNanos = timeout.toNanos();
        this.nanoClock = nanoClock;
        long tick = tick(timeout).toMillis();
        timer.scheduleWithFixedDelay(this::abortOverdue, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** How often the sweep looks: an eighth of the timeout, between {@value #MIN_TICK_MS} ms and 1 s. */
    static Duration tick(Duration timeout) {
        return Duration.ofMillis(Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, timeout.toMillis() / 8)));
    }

    /** Starts one call's clock; {@code abort} runs (on the timer's thread) if the call is open at its deadline. */
    Deadline start(Runnable abort) {
        Deadline deadline = new Deadline(nanoClock.getAsLong() + timeoutNanos, abort);
        inFlight.add(deadline);
        return deadline;
    }

    /** Aborts every open call past its deadline; package-private for tests. */
    void abortOverdue() {
        long now = nanoClock.getAsLong();
        for (Deadline deadline : inFlight) {
            if (now - deadline.dueNanos >= 0 && inFlight.remove(deadline)) {
                deadline.passed = true;
                deadline.abort.run();
            }
        }
    }
}
