package io.cdclr.connector.snapshot;

import java.lang.management.ManagementFactory;
import java.util.Map;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform MBean {@code io.cdclr.connector:type=snapshot,slot=<slot>}: the engine publishes its progress here,
 * the runner reads it (as it reads the replication MBean). Registered when the task starts, unregistered when it stops.
 */
public final class SnapshotStatus implements SnapshotStatusMBean {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStatus.class);

    private final String slot;
    private volatile SnapshotProgress progress;
    private volatile boolean running;
    private volatile long rowsLeftEstimate = -1;
    private ObjectName registeredAs;

    public SnapshotStatus(String slot) {
        this.slot = slot;
    }

    public static ObjectName objectName(String slot) {
        try {
            return new ObjectName("io.cdclr.connector:type=snapshot,slot=" + (slot.matches("[A-Za-z0-9_.-]+") ? slot : ObjectName.quote(slot)));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** What the engine last emitted; {@code running} false once finished or cancelled. */
    public void update(SnapshotProgress progress, boolean running, long rowsLeftEstimate) {
        this.progress = progress;
        this.running = running;
        this.rowsLeftEstimate = rowsLeftEstimate;
    }

    public synchronized void register() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = objectName(slot);
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(this, name);
            registeredAs = name;
        } catch (JMException | RuntimeException e) {
            LOG.warn("Cannot register the snapshot status MBean {}: {}", name, e.toString());
        }
    }

    public synchronized void unregister() {
        if (registeredAs == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(registeredAs);
        } catch (JMException | RuntimeException e) {
            LOG.debug("Unregistering {} failed: {}", registeredAs, e.toString());
        }
        registeredAs = null;
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
