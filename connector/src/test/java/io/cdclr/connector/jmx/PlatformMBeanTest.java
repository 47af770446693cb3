package io.cdclr.connector.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class PlatformMBeanTest {
    public interface ProbeMBean {
        int getValue();
    }

    public static final class Probe implements ProbeMBean {
        private final int value;

        Probe(int value) {
            this.value = value;
        }

        @Override
        public int getValue() {
            return value;
        }
    }

    @Test
    void namesQuoteValuesThatNeedIt() {
        assertEquals("io.cdclr.connector:type=replication,slot=etl_slot-1.a",
                PlatformMBean.name("replication", "slot", "etl_slot-1.a").toString());
        assertEquals("io.cdclr.connector:type=kinesis-sink,connector=\"my sink\",task=3",
                PlatformMBean.name("kinesis-sink", "connector", "my sink", "task", "3").toString());
    }

    @Test
    void registeringReplacesALeftoverAndUnregisteringRemovesIt() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = PlatformMBean.name("test", "id", "platform-mbean-" + System.nanoTime());
        PlatformMBean first = new PlatformMBean(new Probe(1), name, "test");
        PlatformMBean second = new PlatformMBean(new Probe(2), name, "test");
        first.register();
        second.register();
        assertEquals(2, server.getAttribute(name, "Value"), "the later registration replaces the leftover");
        second.unregister();
        assertFalse(server.isRegistered(name));
        first.unregister(); // already gone: no error
        assertFalse(server.isRegistered(name));
        second.register();
        assertTrue(server.isRegistered(name));
        second.unregister();
    }
}
