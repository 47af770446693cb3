package io.cdclr.connector.replication;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How long the replication reader pauses between rounds of reading while messages come.
 *
 * <p>{@link #ROUND_PAUSE_NANOS} (10 ms) by default: it batches a trickle's bursts and bounds the latency it adds. While
 * a poll lingers for a fuller batch ({@code poll.linger.ms}) reading sooner than just before that poll takes its batch
 * gains nothing: the reader then sleeps until {@link #ROUND_PAUSE_NANOS} before it (at most
 * {@link #LONGEST_PAUSE_NANOS}), and what comes meanwhile waits in the socket instead of the queue and leaves with the
 * same batch. The rounds saved are read calls, the TCP acknowledgements they send, and wake-ups: at a steady 2,000
 * changes/s with a 100-ms linger, about 3 rounds a batch instead of 10, and a third to a half
 * less of the reader's CPU (docs/benchmarks.md, eighth round).
 *
 * <p>Only a light stream is left waiting that long: the pause is also bounded so that, at the rate the last round
 * found, at most {@link #SOCKET_BUDGET_BYTES} wait in the socket: a heavy stream is read in the default rounds rather
 * than left to fill the receive buffer and stall the walsender until the reader wakes.
 *
 * <p>Used by the reader thread only (not thread-safe); the clock is injected for tests.
 */
final class ReadPacer {
    static final long ROUND_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Confirmations and {@code close()} are handled between rounds: they wait at most this long. */
    static final long LONGEST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /**
     * Linux's initial TCP receive buffer (tcp_rmem's default, 128 KiB), which the kernel grows as the reader keeps up.
     * At 2,000 changes/s of about 700 bytes that is about 90 ms; at 10,000/s under 20 ms.
     */
    static final long SOCKET_BUDGET_BYTES = 128 * 1024;
    private static final long NEVER = Long.MIN_VALUE;

    private final LongSupplier lingerDeadline;
    private final LongSupplier nanoClock;
    private long bytesSincePause;
    private long lastPauseStart = NEVER;

    /**
     * @param lingerDeadline when the lingering poll takes its batch, or {@link MessageQueue#NOT_LINGERING}
     * @param nanoClock      {@link System#nanoTime()}, or a test's clock
     */
    ReadPacer(LongSupplier lingerDeadline, LongSupplier nanoClock) {
        this.lingerDeadline = lingerDeadline;
        this.nanoClock = nanoClock;
    }

    /** The reader took a message of {@code bytes} from the stream. */
    void read(long bytes) {
        bytesSincePause += bytes;
    }

    /** The reader waits on a quiet socket: the round after it has no rate to go by, so it pauses the default. */
    void awaitingBytes() {
        bytesSincePause = 0;
        lastPauseStart = NEVER;
    }

    /** The pause before the next round; the bytes read since the last pause set the rate it assumes. */
    long nextPauseNanos() {
        long now = nanoClock.getAsLong();
        long arrivedOver = lastPauseStart == NEVER ? 0 : now - lastPauseStart;
        long bytes = bytesSincePause;
        bytesSincePause = 0;
        lastPauseStart = now;
        long deadline = lingerDeadline.getAsLong();
        if (deadline == MessageQueue.NOT_LINGERING || arrivedOver <= 0) {
            return ROUND_PAUSE_NANOS;
        }
        long pause = Math.min(deadline - ROUND_PAUSE_NANOS - now, LONGEST_PAUSE_NANOS);
        if (bytes > 0) {
            // The bytes of this round came over the last pause and the round: that rate, for the budget's worth.
            pause = Math.min(pause, (long) ((double) SOCKET_BUDGET_BYTES * arrivedOver / bytes));
        }
        return Math.max(ROUND_PAUSE_NANOS, pause);
    }
}
