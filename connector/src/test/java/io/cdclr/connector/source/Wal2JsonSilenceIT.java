package io.cdclr.connector.source;

import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.LocalServices;
import io.cdclr.testsupport.SilentTcpProxy;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The replication watchdog against the real server, through a proxy that can stop forwarding without closing
 * anything: an idle but live server is asked for a reply and keeps the session; a silent one fails it within the
 * silence timeout (the status MBean says disconnected), and the task reconnects once the network is back.
 */
class Wal2JsonSilenceIT {
    private static final long SILENCE_MS = 3000;
    private final String slot = "it_silence_" + uniqueSuffix();
    private final String table = "it_silence_" + uniqueSuffix();
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
    private Wal2JsonSourceTask task;
    private SilentTcpProxy proxy;

    @AfterEach
    void cleanUp() throws Exception {
        if (task != null) {
            task.stop();
        }
        if (proxy != null) {
            proxy.close();
        }
        dropSlotQuietly(slot);
        dropTablesQuietly(table);
    }

    private Object attribute(String name) throws Exception {
        return jmx.getAttribute(ReplicationStatus.objectName(slot), name);
    }

    @Test
    void anIdleServerIsAskedForAReplyASilentOneFailsTheSessionAndTheTaskReconnects() throws Exception {
        exec("CREATE TABLE " + table + " (id int primary key, v text)");
        proxy = new SilentTcpProxy(LocalServices.pgHost(), LocalServices.pgPort(), true);
        Map<String, String> config = taskConfig(slot);
        config.put("database.port", Integer.toString(proxy.port()));
        config.put("wal2json.add-tables", "public." + table);
        config.put("replication.silence.timeout.ms", Long.toString(SILENCE_MS));
        config.put("database.connect.timeout.ms", "2000");
        config.put("database.socket.timeout.ms", "3000");
        config.put("reconnect.max.attempts", "-1");
        task = new Wal2JsonSourceTask();
        task.initialize(new InMemoryOffsets(config));
        task.start(config);
        assertEquals(Boolean.TRUE, attribute("Connected"));

        // Idle for several silence timeouts: the live server answers the reply requests, the session stays.
        List<SourceRecord> none = pollQuietly(task, (int) (3 * SILENCE_MS / 200));
        assertEquals(0, none.size());
        System.out.println("idle: LastReceivedAgeMs=" + attribute("LastReceivedAgeMs") + " Reconnects=" + attribute("Reconnects"));
        assertEquals(Boolean.TRUE, attribute("Connected"));
        assertEquals(0L, attribute("Reconnects"));

        exec("INSERT INTO " + table + " VALUES (1, 'before')");
        assertEquals(1, pollRecords(task, 1, 30_000).size());

        proxy.silence();
        long frozenAt = System.nanoTime();
        while (Boolean.TRUE.equals(attribute("Connected"))) {
            assertTrue(System.nanoTime() - frozenAt < 10 * SILENCE_MS * 1_000_000L, "silence never noticed");
            task.poll();
        }
        System.out.printf("silent: Connected=false seen %d ms after the freeze (polls in between block in reconnects)%n", (System.nanoTime() - frozenAt) / 1_000_000);
        exec("INSERT INTO " + table + " VALUES (2, 'during')");
        pollQuietly(task, 5); // reconnect attempts against the silent proxy fail within the login timeout
        assertFalse((Boolean) attribute("Connected"));

        proxy.restore();
        List<SourceRecord> after = pollRecords(task, 1, 60_000);
        assertTrue(values(after).get(0).contains("\"during\""), values(after).toString());
        assertEquals(Boolean.TRUE, attribute("Connected"));
        assertTrue((Long) attribute("Reconnects") >= 1);

        task.stop();
        task = null;
        assertFalse(jmx.isRegistered(ReplicationStatus.objectName(slot)));
    }

    @Test
    void aHostThatDoesNotPollForLongerThanTheSilenceTimeoutIsNotMistakenForASilentServer() throws Exception {
        exec("CREATE TABLE " + table + " (id int primary key, v text)");
        Map<String, String> config = taskConfig(slot);
        config.put("wal2json.add-tables", "public." + table);
        config.put("replication.silence.timeout.ms", Long.toString(SILENCE_MS));
        config.put("queue.capacity", "1"); // the reader soon waits for the host and stops reading the socket
        task = new Wal2JsonSourceTask();
        task.initialize(new InMemoryOffsets(config));
        task.start(config);
        exec("INSERT INTO " + table + " SELECT g, repeat('x', 2000) FROM generate_series(1, 2000) g");
        Thread.sleep(3 * SILENCE_MS); // the host does not poll: the server's bytes wait in the socket, unread
        System.out.println("host busy: LastReceivedAgeMs=" + attribute("LastReceivedAgeMs"));
        assertEquals(Boolean.TRUE, attribute("Connected"), "waiting for the host is not the server's silence");
        assertEquals(2000, pollRecords(task, 2000, 60_000).size());
        assertEquals(0L, attribute("Reconnects"));
    }
}
