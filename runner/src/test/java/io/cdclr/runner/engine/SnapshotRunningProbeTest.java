package io.cdclr.runner.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.connector.snapshot.SnapshotStatus;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The commit policy's view of the snapshot MBean: read for real, at most once per recheck interval. */
class SnapshotRunningProbeTest {
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(SnapshotRunningProbe.RECHECK_MS);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @Test
    void readsTheTasksMBeanAtMostOncePerInterval() {
        String slot = "probe_test_" + System.nanoTime();
        SnapshotRunningProbe probe = new SnapshotRunningProbe(slot, clock::get);
        assertFalse(probe.getAsBoolean(), "no task registered yet");

        SnapshotStatus status = new SnapshotStatus(slot);
        status.register();
        try {
            status.update(null, true, -1);
            assertFalse(probe.getAsBoolean(), "within the interval: the answer read before");
            clock.addAndGet(RECHECK_NANOS - 1);
            assertFalse(probe.getAsBoolean(), "still within the interval");
            clock.addAndGet(1);
            assertTrue(probe.getAsBoolean(), "the interval passed: read again, the snapshot runs");

            status.update(null, false, 0);
            assertTrue(probe.getAsBoolean(), "within the interval: the answer read before");
            clock.addAndGet(RECHECK_NANOS);
            assertFalse(probe.getAsBoolean(), "the snapshot finished");

            status.update(null, true, -1);
            clock.addAndGet(RECHECK_NANOS);
            assertTrue(probe.getAsBoolean());
        } finally {
            status.unregister();
        }
        clock.addAndGet(RECHECK_NANOS);
        assertFalse(probe.getAsBoolean(), "the task stopped: its MBean is gone");
    }

    @Test
    void pgoutputHasNoSnapshotOfOurs() {
        BooleanSupplier probe = SnapshotRunningProbe.forDecoder(true, "any");
        assertFalse(probe.getAsBoolean());
    }
}
