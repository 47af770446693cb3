package io.cdclr.runner.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.connector.source.ReplicationStatus;
import io.cdclr.connector.source.ReplicationStatusMBean;
import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.junit.jupiter.api.Test;

/** Readiness as the runner reads it from the platform MBean server, against MBeans shaped like the real ones. */
class ReplicationHealthTest {
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    /** The connector's attributes, with a switch. */
    static final class Status implements ReplicationStatusMBean {
        volatile boolean connected;

        @Override
        public boolean isConnected() {
            return connected;
        }

        @Override
        public long getLastReceivedAgeMs() {
            return 1500;
        }

        @Override
        public int getReconnectAttempts() {
            return 0;
        }

        @Override
        public long getReconnects() {
            return 2;
        }

        @Override
        public String getSlotName() {
            return "s";
        }
    }

    /** Debezium's streaming and snapshot metrics, reduced to the attributes read. */
    public interface Debezium {
        boolean isConnected();

        boolean getSnapshotRunning();
    }

    @Test
    void wal2jsonReadinessFollowsTheTaskMBeanAndIsOffWithoutIt() throws Exception {
        String slot = "health_test_" + System.nanoTime();
        ReplicationHealth health = ReplicationHealth.wal2json(slot);
        assertFalse(health.connected(), "no task MBean: not connected");
        Status status = new Status();
        ObjectName name = ReplicationStatus.objectName(slot);
        jmx.registerMBean(new StandardMBean(status, ReplicationStatusMBean.class), name);
        try {
            assertFalse(health.connected());
            status.connected = true;
            assertTrue(health.connected());
            assertEquals(1.5, health.lastReceivedSeconds());
            assertEquals(2.0, health.reconnects());
        } finally {
            jmx.unregisterMBean(name);
        }
        assertFalse(health.connected());
    }

    @Test
    void pgoutputReadinessIsDebeziumsConnectedOrARunningSnapshot() throws Exception {
        ReplicationHealth health = ReplicationHealth.pgoutput();
        assertTrue(health.connected(), "no Debezium MBean yet: no opinion");
        boolean[] state = {false, true}; // connected, snapshot running
        Debezium mbean = new Debezium() {
            @Override
            public boolean isConnected() {
                return state[0];
            }

            @Override
            public boolean getSnapshotRunning() {
                return state[1];
            }
        };
        ObjectName streaming = new ObjectName("debezium.postgres:type=connector-metrics,context=streaming,server=t");
        ObjectName snapshot = new ObjectName("debezium.postgres:type=connector-metrics,context=snapshot,server=t");
        jmx.registerMBean(new StandardMBean(mbean, Debezium.class), streaming);
        jmx.registerMBean(new StandardMBean(mbean, Debezium.class), snapshot);
        try {
            assertTrue(health.connected(), "snapshot running");
            state[1] = false;
            assertFalse(health.connected(), "neither streaming nor snapshotting");
            state[0] = true;
            assertTrue(health.connected());
        } finally {
            jmx.unregisterMBean(streaming);
            jmx.unregisterMBean(snapshot);
        }
    }
}
