package io.cdclr.runner.engine;

import io.cdclr.connector.snapshot.SnapshotStatus;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Whether the source task's incremental snapshot runs, for the offset commit policy: read from the task's snapshot
 * MBean (the runner reads the connector only through its MBeans, as it would in Kafka Connect), at most once per
 * {@value #RECHECK_MS} ms.
 *
 * <p>Why the interval: the policy asks on every batch and every acknowledgement, and one MBean attribute read is a
 * reflective call through the MBean server; at a steady 2,000 changes/s these reads were 4 % of the runner's CPU
 * (docs/benchmarks.md, "Seventh round"), and with a 100-ms interval still 0.7 % (30 µs a read: code run ten times a
 * second stays interpreted; "Tenth round"). An answer up to {@value #RECHECK_MS} ms old only makes the policy's 10-ms
 * flushes start or stop that much later, once at a snapshot's start and once at its end.
 */
final class SnapshotRunningProbe implements BooleanSupplier {
    static final long RECHECK_MS = 1_000;

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name;
    private final LongSupplier nanoTime;
    private volatile boolean running;
    private volatile long nextCheckNanos;

    SnapshotRunningProbe(String slot, LongSupplier nanoTime) {
        this.name = SnapshotStatus.objectName(slot);
        this.nanoTime = nanoTime;
        this.nextCheckNanos = nanoTime.getAsLong();
    }

    /** The probe for a wal2json task on {@code slot}; with pgoutput there is no incremental snapshot of ours. */
    static BooleanSupplier forDecoder(boolean pgoutput, String slot) {
        return pgoutput ? () -> false : new SnapshotRunningProbe(slot, System::nanoTime);
    }

    @Override
    public boolean getAsBoolean() {
        long now = nanoTime.getAsLong();
        if (now - nextCheckNanos < 0) {
            return running;
        }
        boolean answer = read();
        running = answer;
        nextCheckNanos = now + TimeUnit.MILLISECONDS.toNanos(RECHECK_MS);
        return answer;
    }

    private boolean read() {
        try {
            return server.isRegistered(name) && Boolean.TRUE.equals(server.getAttribute(name, "Running"));
        } catch (JMException | RuntimeException e) {
            return false; // unregistered meanwhile: the task stopped
        }
    }
}
