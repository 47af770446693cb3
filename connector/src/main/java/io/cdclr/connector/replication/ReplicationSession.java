package io.cdclr.connector.replication;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One streaming session on a replication connection. A single reader thread owns the PgJDBC stream (which is
 * not thread-safe): it reads messages into a bounded queue, applies confirmations, and sends status updates
 * even while the queue is full, so the walsender never times out however slowly the host consumes. Memory is
 * bounded by the queue, in messages and in bytes ({@link MessageQueue}): a huge transaction, or a backlog of large
 * rows, streams through message by message.
 */
public final class ReplicationSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSession.class);
    /**
     * The longest the reader waits on a quiet socket before it looks around again. Confirmations asked for by other
     * threads are sent only by the reader (it owns the stream), and {@link #close()} waits for the reader to leave:
     * both may wait this long. 100 ms keeps a confirm of an idle stream and a close quick, and no longer than the
     * shortest status interval (100 ms); an idle reader wakes 10 times a second (each wake-up on an idle stream
     * costs about 0.2 ms of CPU, the code being cold: measured with ReaderCpuMeasurement at 0 transactions/s).
     */
    private static final int IDLE_WAIT_MS = 100;

    private final ReplicationSettings settings;
    private final Connection connection;
    private final PGReplicationStream stream;
    private final MessageQueue queue;
    /** The reader's pauses between rounds while messages come. */
    private final ReadPacer pacer;
    private final Thread reader;
    private final AtomicReference<Lsn> confirmRequest = new AtomicReference<>(Lsn.INVALID);
    private final AtomicReference<IdlePosition> idle = new AtomicReference<>(new IdlePosition(0, Lsn.INVALID));
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile Lsn confirmed = Lsn.INVALID;
    /** The replication socket: when the server last sent a byte; closes it under a blocked reader. */
    private final SocketWatch watch;
    /** While the reader waits for the host to take messages it reads nothing: that silence is ours, not the server's. */
    private volatile long hostBusyNanos = System.nanoTime();
    private long lastReplyRequestNanos;
    /** When the reader last sent a status update itself (confirm, reply request, or one due while not reading). */
    private long lastStatusNanos;
    private Thread watchdog;

    private ReplicationSession(ReplicationSettings settings, Connection connection, PGReplicationStream stream,
                               int queueCapacity, long queueMaxBytes, SocketWatch watch) {
        this.settings = settings;
        this.connection = connection;
        this.stream = stream;
        this.queue = new MessageQueue(Math.max(1, queueCapacity), Math.max(1, queueMaxBytes));
        this.pacer = new ReadPacer(queue::lingerDeadline, System::nanoTime);
        this.reader = new Thread(this::readLoop, "wal2json-reader-" + settings.slotName());
        this.reader.setDaemon(true);
        this.watch = watch;
        this.lastReplyRequestNanos = System.nanoTime();
        this.lastStatusNanos = System.nanoTime();
    }

    /**
     * Opens a replication connection and starts streaming from the slot.
     *
     * @param start where to start; {@link Lsn#INVALID} means the slot's confirmed_flush_lsn. The server never
     *              starts before confirmed_flush_lsn whatever is asked.
     * @param queueCapacity most messages read and not yet polled
     * @param queueMaxBytes most bytes of messages read and not yet polled (one larger message still passes, alone)
     */
    public static ReplicationSession start(ReplicationSettings settings, Lsn start, int queueCapacity,
                                           long queueMaxBytes) {
        Connection connection = null;
        SocketWatch watch = SocketWatch.register(keepAliveIdleSeconds(settings));
        try {
            connection = DriverManager.getConnection(settings.endpoint().jdbcUrl(),
                    replicationProperties(settings, watch));
            pinSearchPath(connection);
            ChainedLogicalStreamBuilder builder = connection.unwrap(PGConnection.class).getReplicationAPI()
                    .replicationStream().logical()
                    .withSlotName(settings.slotName())
                    .withStartPosition(LogSequenceNumber.valueOf(start.value()))
                    // PgJDBC would otherwise confirm keepalive positions by itself whenever the last explicit flush
                    // is at or past the start of the last message, which inside a transaction (changes have LSNs
                    // below the commit LSN we confirm) would pass changes whose offsets are not stored.
                    .withAutomaticFlush(false)
                    .withStatusInterval((int) Math.max(1, settings.statusIntervalMs()), TimeUnit.MILLISECONDS);
            for (Map.Entry<String, String> option : settings.pluginOptions().entrySet()) {
                builder = builder.withSlotOption(option.getKey(), option.getValue());
            }
            PGReplicationStream stream = builder.start();
            // Streaming: from here on no socket timeout (see ConnectionTimeouts); the watchdog bounds silence instead.
            connection.setNetworkTimeout(Runnable::run, 0);
            ReplicationSession session = new ReplicationSession(settings, connection, stream, queueCapacity,
                    queueMaxBytes, watch);
            session.reader.start();
            session.startWatchdog();
            LOG.info("Streaming from replication slot '{}' starting at {} with options {}", settings.slotName(),
                    start.isValid() ? start : "confirmed_flush_lsn", settings.pluginOptions());
            return session;
        } catch (SQLException e) {
            closeQuietly(connection);
            watch.abort();
            if ("55006".equals(e.getSQLState())) { // object_in_use: active for another PID
                throw new SlotException("Replication slot '" + settings.slotName() + "' is active in another session: "
                        + e.getMessage(), e);
            }
            if ("42704".equals(e.getSQLState())) { // undefined_object: checked just before, so it was dropped since
                throw new SlotLostException(settings.slotName(), "does not exist (dropped just before streaming"
                        + " started)", start, e);
            }
            if ("55000".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("can no longer get changes")) {
                // object_not_in_prerequisite_state: the slot was invalidated (WAL removed past max_slot_wal_keep_size)
                throw new SlotLostException(settings.slotName(), "has been invalidated by the server (\"can no longer"
                        + " get changes from replication slot\")", start, e);
            }
            throw new ReplicationException("Cannot start streaming from replication slot '" + settings.slotName()
                    + "' on " + settings.endpoint().target() + ": " + e.getMessage(), e);
        } finally {
            watch.unregister(); // the factory has attached the socket, or never will
        }
    }

    /**
     * wal2json names a user-defined type as format_type does: unqualified when its schema is on the session's
     * search_path. The walsender would keep the role's default ("$user", public), so a type in public would arrive
     * as {@code mood} here but as {@code public.mood} from pg_recvlogical, the pgoutput decoder's catalog and a
     * peek in a session with an empty search_path. Pinned empty exactly as pg_recvlogical does (same statement, on
     * the replication connection before START_REPLICATION), so every user type is schema-qualified whatever the
     * role, the database's settings or the user's server options say.
     */
    static void pinSearchPath(Connection connection) throws SQLException {
        try (java.sql.Statement st = connection.createStatement()) {
            st.execute("SELECT pg_catalog.set_config('search_path', '', false)");
        }
    }

    static Properties replicationProperties(ReplicationSettings settings) {
        return replicationProperties(settings, null);
    }

    static Properties replicationProperties(ReplicationSettings settings, SocketWatch watch) {
        // connectTimeout, loginTimeout, tcpKeepAlive as on every connection; the socket timeout bounds the login and
        // START_REPLICATION only and is lifted once streaming (start()).
        Properties p = settings.endpoint().replicationProperties();
        // The stream is read in bulk for as long as the session lives: fewer read system calls (see the factory).
        PGProperty.SOCKET_FACTORY.set(p, BufferedReadSocketFactory.class.getName());
        if (watch != null) {
            PGProperty.SOCKET_FACTORY_ARG.set(p, watch.token());
        }
        return p;
    }

    /** TCP keepalive on the replication socket: probes start after a third of the silence timeout (at least 10 s). */
    private static int keepAliveIdleSeconds(ReplicationSettings settings) {
        long silence = settings.silenceTimeoutMs();
        return silence <= 0 ? 0 : (int) Math.max(10, Math.min(7200, silence / 3000));
    }

    /**
     * Takes up to {@code max} messages, waiting up to {@code timeoutMs} for the first one.
     *
     * @throws ReplicationException once every message read before the connection failed has been taken
     */
    public List<StreamMessage> poll(int max, long timeoutMs) throws InterruptedException {
        return poll(max, Long.MAX_VALUE, true, timeoutMs);
    }

    /**
     * Takes up to {@code max} messages whose sizes ({@link MessageQueue#sizeOf}) add up to at most {@code maxBytes},
     * waiting up to {@code timeoutMs} for the first one. With {@code firstAlwaysFits} the first message is taken
     * whatever its size, so one message larger than any budget still gets through, alone.
     *
     * @throws ReplicationException once every message read before the connection failed has been taken
     */
    public List<StreamMessage> poll(int max, long maxBytes, boolean firstAlwaysFits, long timeoutMs)
            throws InterruptedException {
        List<StreamMessage> out = new ArrayList<>(Math.min(max, 256));
        if (queue.drainTo(out, max, maxBytes, firstAlwaysFits, 0) == 0) {
            throwIfFailed();
            if (queue.drainTo(out, max, maxBytes, firstAlwaysFits, timeoutMs) == 0) {
                throwIfFailed();
            }
        }
        return out;
    }

    /**
     * Lingers for a fuller batch: waits up to {@code timeoutNanos} until {@code messages} messages or {@code bytes} bytes
     * are queued, woken once rather than for every message. Takes nothing; {@link #poll} does.
     */
    public void awaitQueued(int messages, long bytes, long timeoutNanos) throws InterruptedException {
        if (failure.get() == null && timeoutNanos > 0) {
            queue.awaitAtLeast(messages, bytes, timeoutNanos);
        }
    }

    /** How many bytes a message counts for against {@code queue.max.bytes} and {@code poll.max.bytes}. */
    public static long sizeOf(StreamMessage message) {
        return MessageQueue.sizeOf(message);
    }

    private void throwIfFailed() {
        Throwable t = failure.get();
        if (t != null && queue.isEmpty()) {
            throw new ReplicationException("Replication stream from slot '" + settings.slotName() + "' failed: "
                    + t.getMessage(), t);
        }
    }

    /** Asks the reader to confirm {@code lsn} as flushed to the slot (never moves backwards). */
    public void confirm(Lsn lsn) {
        confirmRequest.accumulateAndGet(lsn, Lsn::max);
    }

    /** The highest LSN confirmed to the server in this session. */
    public Lsn confirmed() {
        return confirmed;
    }

    public IdlePosition idlePosition() {
        return idle.get();
    }

    public boolean isQueueEmpty() {
        return queue.isEmpty();
    }

    /** True while the reader streams: the session has neither failed nor been closed. */
    public boolean isStreaming() {
        return running && failure.get() == null;
    }

    /** System.nanoTime() of the last byte received from the server on the replication connection. */
    public long lastReceivedNanos() {
        return watch.lastReceivedNanos();
    }

    /**
     * How long the server has said nothing while the reader was waiting for it. Time the reader spent waiting for the
     * host to take messages does not count: it was not reading, and the server's bytes wait in the socket.
     */
    long silentNanos() {
        return System.nanoTime() - Math.max(watch.lastReceivedNanos(), hostBusyNanos);
    }

    /**
     * The watchdog (issue 19, silent networks): a host or route that stops answering without closing the connection
     * leaves the reader polling forever, or blocked inside PgJDBC in the middle of a message. After half the silence
     * timeout the reader asks the server for a reply (a status update with reply-requested, which the walsender
     * answers with a keepalive); when the whole timeout passes with nothing received, this thread fails the session
     * and closes the socket under the reader, and the task reconnects.
     */
    private void startWatchdog() {
        long timeoutMs = settings.silenceTimeoutMs();
        if (timeoutMs <= 0) {
            return;
        }
        long checkMs = Math.max(50, Math.min(1000, timeoutMs / 10));
        watchdog = new Thread(() -> {
            try {
                while (running) {
                    Thread.sleep(checkMs);
                    if (running && silentNanos() >= timeoutMs * 1_000_000L) {
                        silenceExceeded(timeoutMs);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "wal2json-watchdog-" + settings.slotName());
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void silenceExceeded(long timeoutMs) {
        ReplicationException e = new ReplicationException("No data from the server on the replication connection of slot '"
                + settings.slotName() + "' for " + silentNanos() / 1_000_000L + " ms, not even an answer to a reply"
                + " request (replication.silence.timeout.ms=" + timeoutMs + "): the host or the network went silent", null);
        if (failure.compareAndSet(null, e)) {
            LOG.warn("{}; closing the connection to reconnect", e.getMessage());
            running = false;
            watch.abort(); // releases a reader blocked in a read or a write
        }
    }

    /** Called by the reader while it waits for the server: asks for a reply once the silence reaches half the timeout. */
    private void requestReplyIfQuiet() throws SQLException {
        long timeoutNanos = settings.silenceTimeoutMs() * 1_000_000L;
        if (timeoutNanos <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (silentNanos() >= timeoutNanos / 2 && now - lastReplyRequestNanos >= timeoutNanos / 4) {
            lastReplyRequestNanos = now;
            LOG.debug("Nothing from the server for {} ms on slot '{}': requesting a reply", silentNanos() / 1_000_000L,
                    settings.slotName());
            forceUpdateStatus(); // reply-requested = 1
        }
    }

    /**
     * The reader: reads every message the server has; then, while messages keep coming, pauses ({@link ReadPacer})
     * and reads again; once a round brought nothing, waits on the socket itself ({@link SocketWatch#awaitBytes}) and
     * calls {@code readPending()} again only when bytes came. At each turn it does what {@code readPending()} would
     * otherwise do for it: confirmations, status updates, reply requests.
     *
     * <p>Why (measured at 100 transactions/s of 20 rows): when nothing is pending, PgJDBC's {@code readPending()}
     * finds out with a 1 ms timed socket read ending in an exception; with a 10 ms pause between calls that was the
     * reader's main cost between messages, and it went on at 100 rounds a second however idle the stream. Now such a
     * round costs no wait and no stack trace ({@link BufferedReadSocketFactory#PGJDBC_POLL_TIMEOUT_MS}), and an idle
     * stream costs a wake-up every {@link #IDLE_WAIT_MS}. The pause while messages come is kept: waking at every
     * burst of bytes instead (the walsender sends a transaction's messages in several bursts) cost more than the
     * pause, and the pause bounds the added latency to 10 ms as before.
     */
    private void readLoop() {
        long sequence = 0;
        boolean readable = true; // false: the last wait on the socket timed out, so nothing can be pending
        long sequenceAtWait = 0;
        try {
            while (running) {
                applyConfirm();
                ByteBuffer buffer = readable ? stream.readPending() : null;
                if (buffer == null) {
                    if (readable) {
                        markIdle(sequence);
                    }
                    requestReplyIfQuiet();
                    sendStatusIfDue();
                    readable = awaitData(sequence != sequenceAtWait);
                    sequenceAtWait = sequence;
                    continue;
                }
                StreamMessage message = message(buffer, lsn(stream.getLastReceiveLSN()), ++sequence);
                pacer.read(MessageQueue.sizeOf(message));
                if (!queue.offer(message, 0, TimeUnit.MILLISECONDS)) {
                    offerWhileHostBusy(message);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (running) {
                // With its causes: PgJDBC's message alone ("Database connection failed when reading from copy") hides them.
                LOG.warn("Replication stream from slot '{}' failed: {}", settings.slotName(), withCauses(t));
                failure.compareAndSet(null, t);
            }
        } finally {
            running = false;
        }
    }

    /**
     * Between rounds of {@code readPending()}: pauses when messages are coming, else waits for the server's next bytes,
     * at most {@link #IDLE_WAIT_MS}.
     *
     * @param messagesCame the last round brought messages
     * @return true when {@code readPending()} may find something
     */
    private boolean awaitData(boolean messagesCame) throws IOException, InterruptedException {
        // Bytes still buffered below PgJDBC after readPending() returned nothing are bytes it holds back for reasons of
        // its own (the end of the copy): pause as on a socket that is not ours, rather than spin on them.
        if (messagesCame || watch == null || !watch.canAwaitBytes() || watch.hasBufferedBytes()) {
            TimeUnit.NANOSECONDS.sleep(pacer.nextPauseNanos());
            return true;
        }
        pacer.awaitingBytes();
        return watch.awaitBytes(IDLE_WAIT_MS);
    }

    /** The stream has nothing more to read: publishes where it stands (a new position only when it moved). */
    private void markIdle(long sequence) {
        Lsn received = lsn(stream.getLastReceiveLSN());
        IdlePosition current = idle.get();
        if (current.sequence() != sequence || !current.lsn().equals(received)) {
            idle.set(new IdlePosition(sequence, received));
        }
    }

    /**
     * The host is busy and the queue is full: wait for room, and meanwhile keep confirming and reporting status
     * ourselves so the walsender does not time out (readPending() would otherwise do it).
     */
    private void offerWhileHostBusy(StreamMessage message) throws InterruptedException, SQLException {
        hostBusyNanos = System.nanoTime();
        while (running && !queue.offer(message, 100, TimeUnit.MILLISECONDS)) {
            applyConfirm();
            sendStatusIfDue();
            hostBusyNanos = System.nanoTime();
        }
        hostBusyNanos = System.nanoTime();
    }

    /**
     * A status update when none was sent for {@code status.interval.ms}: PgJDBC sends them from inside
     * {@code readPending()}, which the reader does not call while it waits for the host or for the socket.
     */
    private void sendStatusIfDue() throws SQLException {
        if (System.nanoTime() - lastStatusNanos >= settings.statusIntervalMs() * 1_000_000L) {
            forceUpdateStatus();
        }
    }

    private void forceUpdateStatus() throws SQLException {
        stream.forceUpdateStatus();
        lastStatusNanos = System.nanoTime();
    }

    private static String withCauses(Throwable t) {
        StringBuilder text = new StringBuilder(t.toString());
        Throwable cause = t.getCause();
        for (int depth = 0; cause != null && depth < 10; depth++, cause = cause.getCause()) {
            text.append("; caused by ").append(cause);
        }
        return text.toString();
    }

    /**
     * PgJDBC reads every message into an array of its own and hands out a view of it past the XLogData header:
     * keep that array instead of copying the payload out of it.
     */
    private static StreamMessage message(ByteBuffer payload, Lsn lsn, long sequence) {
        if (payload.hasArray()) {
            return new StreamMessage(lsn, payload.array(), payload.arrayOffset() + payload.position(), payload.remaining(),
                    sequence);
        }
        byte[] data = new byte[payload.remaining()];
        payload.get(data);
        return new StreamMessage(lsn, data, sequence);
    }

    private void applyConfirm() throws SQLException {
        Lsn wanted = confirmRequest.get();
        if (wanted.compareTo(confirmed) > 0) {
            LogSequenceNumber pg = LogSequenceNumber.valueOf(wanted.value());
            stream.setFlushedLSN(pg);
            stream.setAppliedLSN(pg);
            forceUpdateStatus();
            confirmed = wanted;
            LOG.debug("Confirmed {} to replication slot '{}'", wanted, settings.slotName());
        }
    }

    private static Lsn lsn(LogSequenceNumber pg) {
        return pg == null ? Lsn.INVALID : new Lsn(pg.asLong());
    }

    /**
     * Sends a last status update with what has been confirmed, then closes the connection, which makes the slot
     * inactive. Does not wait for the server to finish sending (closing the stream politely could block while
     * the server streams a large transaction).
     */
    @Override
    public void close() {
        running = false;
        if (watchdog != null) {
            watchdog.interrupt();
        }
        reader.interrupt();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!reader.isAlive()) {
            try {
                applyConfirm();
            } catch (SQLException | RuntimeException e) {
                LOG.debug("Final status update to slot '{}' failed: {}", settings.slotName(), e.toString());
            }
        } else {
            watch.abort(); // the reader is stuck on a silent socket: release it, never wait on it
        }
        closeQuietly(connection);
        queue.clear();
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException e) {
                LOG.debug("Closing the replication connection failed: {}", e.toString());
            }
        }
    }
}
