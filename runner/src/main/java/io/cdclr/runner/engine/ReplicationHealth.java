package io.cdclr.runner.engine;

import io.cdclr.connector.source.ReplicationStatus;
import java.lang.management.ManagementFactory;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Whether the source task hosted by the engine is connected to PostgreSQL, read from the MBean the task registers
 * (the runner cannot call the task: the engine owns it). decoder=wal2json: the connector's
 * {@code io.cdclr.connector:type=replication,slot=<slot>}; decoder=pgoutput: Debezium's streaming metrics
 * ({@code debezium.postgres:type=connector-metrics,context=streaming,...}, attribute {@code Connected}), which is
 * false during the initial or an incremental snapshot's read phase, so a running snapshot
 * ({@code context=snapshot}, {@code SnapshotRunning}) counts as connected too.
 */
final class ReplicationHealth {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name;
    private final boolean required;
    private final ObjectName snapshot;

    private ReplicationHealth(ObjectName name, boolean required, ObjectName snapshot) {
        this.name = name;
        this.required = required;
        this.snapshot = snapshot;
    }

    static ReplicationHealth wal2json(String slot) {
        // The task registers it before it starts streaming: missing means not connected.
        return new ReplicationHealth(ReplicationStatus.objectName(slot), true, null);
    }

    static ReplicationHealth pgoutput() {
        try {
            // Debezium registers it once streaming starts (not during a snapshot): missing means no opinion.
            return new ReplicationHealth(new ObjectName("debezium.postgres:type=connector-metrics,context=streaming,*"),
                    false, new ObjectName("debezium.postgres:type=connector-metrics,context=snapshot,*"));
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean connected() {
        return streaming() || snapshotRunning();
    }

    private boolean snapshotRunning() {
        if (snapshot == null) {
            return false;
        }
        try {
            for (ObjectName n : server.queryNames(snapshot, null)) {
                if (Boolean.TRUE.equals(server.getAttribute(n, "SnapshotRunning"))) {
                    return true;
                }
            }
        } catch (JMException | RuntimeException e) {
            return false;
        }
        return false;
    }

    private boolean streaming() {
        Set<ObjectName> names = server.queryNames(name, null);
        if (names.isEmpty()) {
            return !required;
        }
        try {
            for (ObjectName n : names) {
                if (!Boolean.TRUE.equals(server.getAttribute(n, "Connected"))) {
                    return false;
                }
            }
            return true;
        } catch (JMException | RuntimeException e) {
            return false;
        }
    }

    /** Seconds since the server last sent anything on the replication connection; NaN when unknown. */
    double lastReceivedSeconds() {
        if (!required) {
            return Double.NaN;
        }
        try {
            Object ms = server.getAttribute(name, "LastReceivedAgeMs");
            return ms instanceof Number n ? n.doubleValue() / 1000.0 : Double.NaN;
        } catch (JMException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** When the source was last caught up with the server (epoch ms); 0 when unknown (pgoutput, or not yet). */
    long caughtUpAtEpochMs() {
        if (!required) {
            return 0;
        }
        try {
            Object ms = server.getAttribute(name, "CaughtUpAtEpochMs");
            return ms instanceof Number n ? n.longValue() : 0;
        } catch (JMException | RuntimeException e) {
            return 0;
        }
    }

    /** Successful reconnects of the replication connection; 0 before the task registers. */
    double reconnects() {
        try {
            Object n = server.getAttribute(name, "Reconnects");
            return n instanceof Number number ? number.doubleValue() : 0;
        } catch (JMException | RuntimeException e) {
            return 0;
        }
    }
}
