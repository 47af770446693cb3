package io.cdclr.connector.source;

import io.cdclr.connector.jmx.PlatformMBean;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import javax.management.ObjectName;

/**
 * The task's replication state as a platform MBean, {@code io.cdclr.connector:type=replication,slot=<slot>}.
 * A host that embeds the task (the Debezium Engine in the runner) cannot ask the task object itself; JMX is the
 * conventional way out, as Debezium's own streaming metrics ("Connected") are. Registered when the task starts,
 * unregistered when it stops.
 */
public final class ReplicationStatus implements ReplicationStatusMBean {
    private final String slot;
    private final BooleanSupplier connected;
    private final LongSupplier lastReceivedNanos;
    private final IntSupplier reconnectAttempts;
    private final LongSupplier reconnects;
    private final PlatformMBean registration;
    private volatile LongSupplier caughtUpAtEpochMs = () -> 0L;

    ReplicationStatus(String slot, BooleanSupplier connected, LongSupplier lastReceivedNanos,
                      IntSupplier reconnectAttempts, LongSupplier reconnects) {
        this.slot = slot;
        this.connected = connected;
        this.lastReceivedNanos = lastReceivedNanos;
        this.reconnectAttempts = reconnectAttempts;
        this.reconnects = reconnects;
        this.registration = new PlatformMBean(this, objectName(slot), "replication status");
    }

    public static ObjectName objectName(String slot) {
        return PlatformMBean.name("replication", "slot", slot);
    }

    /** Registers, replacing what a previous task for the same slot left behind. Best effort: JMX is not required. */
    void register() {
        registration.register();
    }

    void unregister() {
        registration.unregister();
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
