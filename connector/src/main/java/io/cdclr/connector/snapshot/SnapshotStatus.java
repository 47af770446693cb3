package io.cdclr.connector.snapshot;

import io.cdclr.connector.jmx.PlatformMBean;
import java.util.Map;
import javax.management.ObjectName;

/**
 * The platform MBean {@code io.cdclr.connector:type=snapshot,slot=<slot>}: the engine publishes its progress here,
 * the runner reads it (as it reads the replication MBean). Registered when the task starts, unregistered when it stops.
 */
public final class SnapshotStatus implements SnapshotStatusMBean {
    private final String slot;
    private volatile SnapshotProgress progress;
    private volatile boolean running;
    private volatile long rowsLeftEstimate = -1;
    private final PlatformMBean registration;

    public SnapshotStatus(String slot) {
        this.slot = slot;
        this.registration = new PlatformMBean(this, objectName(slot), "snapshot status");
    }

    public static ObjectName objectName(String slot) {
        return PlatformMBean.name("snapshot", "slot", slot);
    }

    /** What the engine last emitted; {@code running} false once finished or cancelled. */
    public void update(SnapshotProgress progress, boolean running, long rowsLeftEstimate) {
        this.progress = progress;
        this.running = running;
        this.rowsLeftEstimate = rowsLeftEstimate;
    }

    /** Registers, replacing what a previous task for the same slot left behind. Best effort: JMX is not required. */
    public void register() {
        registration.register();
    }

    public void unregister() {
        registration.unregister();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public String getSnapshotId() {
        SnapshotProgress p = progress;
        return p == null ? null : p.id();
    }

    @Override
    public String getCurrentTable() {
        SnapshotProgress p = progress;
        return p == null || !running ? null : p.currentTable();
    }

    @Override
    public long getChunks() {
        SnapshotProgress p = progress;
        return p == null ? 0 : p.chunks();
    }

    @Override
    public long getRowsEmitted() {
        SnapshotProgress p = progress;
        return p == null ? 0 : p.rowsEmitted();
    }

    @Override
    public Map<String, Long> getRowsEmittedByTable() {
        SnapshotProgress p = progress;
        return p == null ? Map.of() : p.rowsByTable();
    }

    @Override
    public long getRowsLeftEstimate() {
        return running ? rowsLeftEstimate : (progress == null ? -1 : 0);
    }

    @Override
    public String getLastKey() {
        SnapshotProgress p = progress;
        return p == null || p.lastKey() == null || !running ? null : String.join(",", p.lastKey());
    }
}
