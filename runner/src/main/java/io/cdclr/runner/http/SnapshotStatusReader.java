package io.cdclr.runner.http;

import io.cdclr.connector.snapshot.SnapshotStatus;
import io.cdclr.connector.snapshot.SnapshotStatusMBean;
import java.lang.management.ManagementFactory;
import java.util.Map;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The incremental snapshot state of the source task the engine hosts, read at scrape time from the MBean the task
 * registers ({@code io.cdclr.connector:type=snapshot,slot=<slot>}; the runner cannot call the task: the engine owns it).
 * No MBean (no task yet, or a connector without snapshots) reads as no snapshot.
 */
final class SnapshotStatusReader {
    /** One consistent-enough reading; {@link #NONE} when there is no MBean. */
    record Reading(boolean running, long chunks, Map<String, Long> rowsByTable, long rowsLeftEstimate) {
        static final Reading NONE = new Reading(false, 0, Map.of(), -1);
    }

    private final MBeanServer server;
    private final ObjectName name;

    SnapshotStatusReader(String slot) {
        this(ManagementFactory.getPlatformMBeanServer(), SnapshotStatus.objectName(slot));
    }

    SnapshotStatusReader(MBeanServer server, ObjectName name) {
        this.server = server;
        this.name = name;
    }

    Reading read() {
        if (!server.isRegistered(name)) {
            return Reading.NONE;
        }
        try {
            SnapshotStatusMBean bean = JMX.newMBeanProxy(server, name, SnapshotStatusMBean.class);
            Map<String, Long> rows = bean.getRowsEmittedByTable();
            return new Reading(bean.isRunning(), bean.getChunks(), rows == null ? Map.of() : rows,
                    bean.getRowsLeftEstimate());
        } catch (RuntimeException e) { // unregistered between the check and the read (the task stopped)
            return Reading.NONE;
        }
    }
}
