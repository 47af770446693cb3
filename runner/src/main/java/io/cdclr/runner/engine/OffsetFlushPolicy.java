package io.cdclr.runner.engine;

import io.debezium.engine.spi.OffsetCommitPolicy;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * When the engine stores the marked offsets: every {@code offset.flush.interval.ms}, and, while an incremental snapshot
 * runs, as soon as {@value #SNAPSHOT_INTERVAL_MS} ms have passed. The snapshot hands out at most one chunk of rows that
 * are not stored yet (its re-read bound, docs/snapshots.md) and learns what is stored only after a flush, so the flush
 * interval paces it: at the default 1 s a chunk of 1,024 rows would go out at about 1,024 rows/s whatever the sink
 * takes. A flush is one small write to the offset store (file or table).
 */
final class OffsetFlushPolicy implements OffsetCommitPolicy {
    static final long SNAPSHOT_INTERVAL_MS = 10;

    private final Duration interval;
    private final Duration snapshotInterval;
    private final BooleanSupplier snapshotRunning;

    OffsetFlushPolicy(long intervalMs, BooleanSupplier snapshotRunning) {
        this.interval = Duration.ofMillis(intervalMs);
        this.snapshotInterval = Duration.ofMillis(Math.min(intervalMs, SNAPSHOT_INTERVAL_MS));
        this.snapshotRunning = snapshotRunning;
    }

    @Override
    public boolean performCommit(long numberOfMessagesSinceLastCommit, Duration timeSinceLastCommit) {
        if (timeSinceLastCommit.compareTo(interval) >= 0) {
            return true;
        }
        return timeSinceLastCommit.compareTo(snapshotInterval) >= 0 && snapshotRunning.getAsBoolean();
    }
}
