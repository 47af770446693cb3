package io.cdclr.runner.engine;

/**
 * {@code cdc_replication_lag_seconds}: how far Kinesis is behind the database, in seconds of commit time.
 *
 * <p>It is now minus a reference time: the commit time of the last change of the acknowledged prefix (the last change
 * up to which everything is in Kinesis), or, when later, the time the source was last caught up with the server (see
 * {@code ReplicationStatusMBean#getCaughtUpAtEpochMs}) provided the runner holds nothing unacknowledged. Without that
 * second reference the lag would grow forever while nothing changes in the database; with it, while idle, it grows
 * only until the server's next message: a keepalive, which the connector asks for after half of
 * replication.silence.timeout.ms of silence, or a heartbeat (heartbeat.interval.ms). During a backlog the source is
 * never caught up, so the lag is that of the acknowledged changes alone.
 *
 * <p>Commit times come from the database server's clock, now from this host's: a clock skew shifts the value, and a
 * negative difference reads 0.
 */
final class ReplicationLag {
    private volatile long acknowledgedCommitMicros = CommitTimestamps.UNKNOWN;

    /** The last change of a newly acknowledged prefix was committed at {@code commitMicros} (epoch µs) */
    void acknowledged(long commitMicros) {
        if (commitMicros != CommitTimestamps.UNKNOWN) {
            acknowledgedCommitMicros = commitMicros;
        }
    }

    /**
     * @param nowMicros          epoch microseconds, now
     * @param holdsNothing       every change handed to the writer is acknowledged
     * @param caughtUpAtEpochMs  when the source was last caught up with the server; 0 when unknown
     * @return the lag in seconds, NaN when there is nothing to measure from yet
     */
    double seconds(long nowMicros, boolean holdsNothing, long caughtUpAtEpochMs) {
        long reference = acknowledgedCommitMicros;
        if (holdsNothing && caughtUpAtEpochMs > 0) {
            reference = Math.max(reference, caughtUpAtEpochMs * 1000L);
        }
        if (reference == CommitTimestamps.UNKNOWN) {
            return Double.NaN;
        }
        return Math.max(0, nowMicros - reference) / 1e6;
    }
}
