package io.cdclr.connector.kinesis;

/**
 * One shard's write allowance: records per second and bytes per second, refilled continuously, holding at most
 * {@link #BURST_SECONDS} worth of each. A record fits when there is a whole record token and as many byte tokens as
 * its size; a record larger than the byte bucket can ever hold fits when the bucket is full and drives it negative,
 * so large records (up to 10 MiB on a stream that takes them) pass at the average rate instead of never.
 *
 * <p>Why half a second and not the one second Kinesis allows: the writer charges a record when it puts it into a
 * call, Kinesis when the call arrives, and calls arrive with jitter. A writer that used the whole second at once would
 * leave Kinesis's bucket no room for a call that arrives a little early; half a second leaves the other half as slack.
 * The average rate is the same.
 *
 * <p>Not thread-safe: the writer guards it with its lock.
 */
final class TokenBucket {
    static final double BURST_SECONDS = 0.5;

    private final double recordsPerNano;
    private final double bytesPerNano;
    private final double recordCapacity;
    private final double byteCapacity;
    private double records;
    private double bytes;
    private long refilledAt;

    TokenBucket(long recordsPerSecond, long bytesPerSecond, long nowNanos) {
        this.recordsPerNano = recordsPerSecond / 1e9;
        this.bytesPerNano = bytesPerSecond / 1e9;
        this.recordCapacity = Math.max(1, recordsPerSecond * BURST_SECONDS);
        this.byteCapacity = Math.max(1, bytesPerSecond * BURST_SECONDS);
        this.records = recordCapacity;
        this.bytes = byteCapacity;
        this.refilledAt = nowNanos;
    }

    /** Takes a record of this size if it fits now. */
    boolean tryTake(long size, long nowNanos) {
        refill(nowNanos);
        if (records < 1 || bytes < Math.min(size, byteCapacity)) {
            return false;
        }
        records -= 1;
        bytes -= size;
        return true;
    }

    /** How long until a record of this size fits; 0 if it fits now. */
    long nanosUntilFits(long size, long nowNanos) {
        refill(nowNanos);
        double recordWait = records >= 1 ? 0 : (1 - records) / recordsPerNano;
        double needBytes = Math.min(size, byteCapacity);
        double byteWait = bytes >= needBytes ? 0 : (needBytes - bytes) / bytesPerNano;
        return (long) Math.ceil(Math.max(recordWait, byteWait));
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - refilledAt;
        if (elapsed <= 0) {
            return;
        }
        refilledAt = nowNanos;
        records = Math.min(recordCapacity, records + elapsed * recordsPerNano);
        bytes = Math.min(byteCapacity, bytes + elapsed * bytesPerNano);
    }
}
