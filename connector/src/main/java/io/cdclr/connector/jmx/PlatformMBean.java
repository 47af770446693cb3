package io.cdclr.connector.jmx;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MBean's registration with the platform MBean server, under {@code io.cdclr.connector:type=<type>,...}: best
 * effort (JMX is not required), replacing what a previous task of the same name left behind. The replication and
 * snapshot status of a source task and the metrics of a sink task are registered with it.
 */
public final class PlatformMBean {
    private static final Logger LOG = LoggerFactory.getLogger(PlatformMBean.class);
    private static final String DOMAIN = "io.cdclr.connector";

    private final Object mbean;
    private final ObjectName name;
    private final String description;
    private boolean registered;

    /**
     * @param description what it is, for the log line when it cannot be registered (e.g. "replication status")
     */
    public PlatformMBean(Object mbean, ObjectName name, String description) {
        this.mbean = mbean;
        this.name = name;
        this.description = description;
    }

    /**
     * {@code io.cdclr.connector:type=<type>,<key>=<value>,...}, each value quoted when it holds more than letters,
     * digits, '_', '.' and '-'.
     */
    public static ObjectName name(String type, String... keysAndValues) {
        StringBuilder name = new StringBuilder(DOMAIN).append(":type=").append(type);
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            String value = keysAndValues[i + 1];
            name.append(',').append(keysAndValues[i]).append('=')
                    .append(value.matches("[A-Za-z0-9_.-]+") ? value : ObjectName.quote(value));
        }
        try {
            return new ObjectName(name.toString());
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public synchronized void register() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(mbean, name);
            registered = true;
        } catch (JMException | RuntimeException e) {
            LOG.warn("Cannot register the {} MBean {}: {}", description, name, e.toString());
        }
    }

    public synchronized void unregister() {
        if (!registered) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (JMException | RuntimeException e) {
            LOG.debug("Unregistering {} failed: {}", name, e.toString());
        }
        registered = false;
    }
}
