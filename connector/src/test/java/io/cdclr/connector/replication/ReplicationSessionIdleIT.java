package io.cdclr.connector.replication;

import static io.cdclr.connector.source.PgTestSupport.confirmedFlush;
import static io.cdclr.connector.source.PgTestSupport.dropSlotQuietly;
import static io.cdclr.connector.source.PgTestSupport.dropTablesQuietly;
import static io.cdclr.connector.source.PgTestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.LocalServices;
import io.cdclr.testsupport.SilentTcpProxy;
import io.cdclr.testsupport.Wal2JsonPeek;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reader of an idle session waits on the socket itself rather than polling PgJDBC; against the real server it
 * must still do everything polling did: apply confirmations asked for by other threads, send status updates, read
 * what comes after a long silence (plain and over TLS), and end with the failure when the connection is closed or
 * aborted under it.
 */
class ReplicationSessionIdleIT {
    private final String suffix = LocalServices.unique();
    private final String slot = "it_idle_" + suffix;
    private final String table = "it_idle_" + suffix;
    private final String application = "it-idle-" + suffix;
    private ReplicationSession session;
    private SilentTcpProxy proxy;

    @AfterEach
    void cleanUp() {
        if (session != null) {
            session.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        dropSlotQuietly(slot);
        dropTablesQuietly(table);
    }

    private ReplicationSession start(int port, String sslMode, long statusIntervalMs, long silenceTimeoutMs) {
        LocalServices.exec("CREATE TABLE " + table + " (id int primary key, v text)",
                "SELECT pg_create_logical_replication_slot('" + slot + "', 'wal2json')");
        // Without include-transaction: the transactions of other tests on the shared server send nothing here.
        Map<String, String> options = Wal2JsonPeek.pipelineOptions("public." + table, "");
        ReplicationSettings settings = new ReplicationSettings(LocalServices.pgHost(), port, LocalServices.pgUser(),
                LocalServices.pgPassword(), LocalServices.pgDatabase(), sslMode, application, slot, false, 0, options,
                statusIntervalMs, new ConnectionTimeouts(10_000, 30_000), null, silenceTimeoutMs);
        return ReplicationSession.start(settings, Lsn.INVALID, 1000, 16L << 20);
    }

    @ParameterizedTest
    @ValueSource(strings = {"disable", "require"})
    void anIdleSessionConfirmsReportsStatusAndReadsWhatComesAfterALongSilence(String sslMode) throws Exception {
        // Status updates far apart: a confirm that reaches the slot soon was sent by the waiting reader itself.
        session = start(LocalServices.pgPort(), sslMode, 60_000, 0);
        assertEquals("require".equals(sslMode), Boolean.TRUE.equals(LocalServices.query1(
                "SELECT ssl FROM pg_stat_ssl JOIN pg_stat_replication USING (pid) WHERE application_name = '"
                        + application + "'")));

        for (int round = 1; round <= 2; round++) {
            Thread.sleep(1000); // idle: many waits on the socket time out
            LocalServices.exec("INSERT INTO " + table + " VALUES (" + round + ", 'after silence " + round + "')");
            List<StreamMessage> messages = pollOne();
            assertTrue(text(messages).contains("after silence " + round), text(messages));
            Lsn change = messages.get(0).lsn();
            session.confirm(change);
            waitFor(() -> confirmedFlush(slot).compareTo(change) >= 0, 10_000);
            assertTrue(session.isStreaming());
        }
    }

    @Test
    void anIdleSessionSendsStatusUpdatesOnItsInterval() throws Exception {
        session = start(LocalServices.pgPort(), LocalServices.pgSslMode(), 200, 0);
        // The walsender asks for a reply only after half its wal_sender_timeout (30 s by default): replies within
        // seconds are the reader's own status updates, sent while it waits on the socket.
        String replyTime = "SELECT reply_time FROM pg_stat_replication WHERE application_name = '" + application + "'";
        waitFor(() -> LocalServices.query1(replyTime) != null, 10_000);
        for (int i = 0; i < 3; i++) {
            Timestamp before = (Timestamp) LocalServices.query1(replyTime);
            waitFor(() -> ((Timestamp) LocalServices.query1(replyTime)).after(before), 10_000);
        }
        assertTrue(session.isStreaming());
    }

    @Test
    void aConnectionClosedUnderAWaitingReaderFailsTheSession() throws Exception {
        proxy = new SilentTcpProxy(LocalServices.pgHost(), LocalServices.pgPort(), true);
        session = start(proxy.port(), LocalServices.pgSslMode(), 60_000, 0);
        assertTrue(session.poll(10, 500).isEmpty());
        proxy.close(); // FIN, no word from the server: the socket is at its end and will never become readable
        waitFor(() -> !session.isStreaming(), 10_000);
        assertThrows(ReplicationException.class, () -> session.poll(10, 100));
    }

    @Test
    void aSilentNetworkEndsAWaitingReaderWithTheWatchdogsFailure() throws Exception {
        proxy = new SilentTcpProxy(LocalServices.pgHost(), LocalServices.pgPort(), true);
        session = start(proxy.port(), LocalServices.pgSslMode(), 60_000, 1000);
        assertTrue(session.poll(10, 500).isEmpty());
        proxy.silence(); // the watchdog closes the socket under the reader waiting on it
        waitFor(() -> !session.isStreaming(), 10_000);
        ReplicationException e = assertThrows(ReplicationException.class, () -> session.poll(10, 100));
        assertTrue(e.getMessage().contains("No data from the server"), e.getMessage());
        waitFor(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("wal2json-reader-" + slot)), 10_000);
        assertFalse(session.isStreaming());
    }

    /** The one message the insert sends, waiting a bounded time. */
    private List<StreamMessage> pollOne() throws InterruptedException {
        List<StreamMessage> out = new ArrayList<>();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (out.isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "nothing within 30 s");
            out.addAll(session.poll(100, 200));
        }
        assertTrue(session.poll(100, 200).isEmpty());
        return out;
    }

    private static String text(List<StreamMessage> messages) {
        StringBuilder s = new StringBuilder();
        for (StreamMessage m : messages) {
            s.append(new String(m.buffer(), m.offset(), m.length(), StandardCharsets.UTF_8)).append('\n');
        }
        return s.toString();
    }
}
