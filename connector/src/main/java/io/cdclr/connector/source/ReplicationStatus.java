package io.cdclr.connector.source;

import java.lang.management.ManagementFactory;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task's replication state as a platform MBean, {@code io.cdclr.connector:type=replication,slot=<slot>}.
 * A host that embeds the task (the Debezium Engine in the runner) cannot ask the task object itself; JMX is the
 * conventional way out, as Debezium's own streaming metrics ("Connected") are. Registered when the task starts,
 * unregistered when it stops.
 */
public final class ReplicationStatus implements ReplicationStatusMBean {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationStatus.class);

    private final String slot;
    private final BooleanSupplier connected;
    private final LongSupplier lastReceivedNanos;
    private final IntSupplier reconnectAttempts;
    private final LongSupplier reconnects;
    private ObjectName registeredAs;
    private volatile LongSupplier caughtUpAtEpochMs = () -> 0L;

    ReplicationStatus(String slot, BooleanSupplier connected, LongSupplier lastReceivedNanos,
                      IntSupplier reconnectAttempts, LongSupplier reconnects) {
        this.slot = slot;
        this.connected = connected;
        this.lastReceivedNanos = lastReceivedNanos;
        this.reconnectAttempts = reconnectAttempts;
        this.reconnects = reconnects;
    }

    public static ObjectName objectName(String slot) {
        try {
            return new ObjectName("io.cdclr.connector:type=replication,slot=" + (slot.matches("[A-Za-z0-9_.-]+") ? slot : ObjectName.quote(slot)));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Registers, replacing what a previous task for the same slot left behind. Best effort: JMX is not required. */
    synchronized void register() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = objectName(slot);
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(this, name);
            registeredAs = name;
        } catch (JMException | RuntimeException e) {
            LOG.warn("Cannot register the replication status MBean {}: {}", name, e.toString());
        }
    }

    synchronized void unregister() {
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
    public boolean isConnected() {
        return connected.getAsBoolean();
    }

    @Override
    public long getLastReceivedAgeMs() {
        return (System.nanoTime() - lastReceivedNanos.getAsLong()) / 1_000_000L;
    }

    @Override
    public int getReconnectAttempts() {
        return reconnectAttempts.getAsInt();
    }

    @Override
    public long getReconnects() {
        return reconnects.getAsLong();
    }

    /** Where {@link #getCaughtUpAtEpochMs()} reads from. */
    void caughtUpAt(LongSupplier epochMs) {
        this.caughtUpAtEpochMs = epochMs;
    }

    @Override
    public long getCaughtUpAtEpochMs() {
        return caughtUpAtEpochMs.getAsLong();
    }

    @Override
    public String getSlotName() {
        return slot;
    }
}
