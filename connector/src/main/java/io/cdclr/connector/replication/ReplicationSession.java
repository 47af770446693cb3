package io.cdclr.connector.replication;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One streaming session on a replication connection. A single reader thread owns the PgJDBC stream (which is
 * not thread-safe): it reads messages into a bounded queue, applies confirmations, and sends status updates
 * even while the queue is full, so the walsender never times out however slowly the host consumes. Memory is
 * bounded by the queue: a huge transaction streams through message by message.
 */
public final class ReplicationSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSession.class);
    private static final long IDLE_SLEEP_MS = 10;

    private final ReplicationSettings settings;
    private final Connection connection;
    private final PGReplicationStream stream;
    private final BlockingQueue<StreamMessage> queue;
    private final Thread reader;
    private final AtomicReference<Lsn> confirmRequest = new AtomicReference<>(Lsn.INVALID);
    private final AtomicReference<IdlePosition> idle = new AtomicReference<>(new IdlePosition(0, Lsn.INVALID));
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile Lsn confirmed = Lsn.INVALID;

    private ReplicationSession(ReplicationSettings settings, Connection connection, PGReplicationStream stream,
                               int queueCapacity) {
        this.settings = settings;
        this.connection = connection;
        this.stream = stream;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, queueCapacity));
        this.reader = new Thread(this::readLoop, "wal2json-reader-" + settings.slotName());
        this.reader.setDaemon(true);
    }

    /**
     * Opens a replication connection and starts streaming from the slot.
     *
     * @param start where to start; {@link Lsn#INVALID} means the slot's confirmed_flush_lsn. The server never
     *              starts before confirmed_flush_lsn whatever is asked.
     */
    public static ReplicationSession start(ReplicationSettings settings, Lsn start, int queueCapacity) {
        Connection connection = null;
        try {
            connection = DriverManager.getConnection(settings.jdbcUrl(), replicationProperties(settings));
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
            ReplicationSession session = new ReplicationSession(settings, connection, stream, queueCapacity);
            session.reader.start();
            LOG.info("Streaming from replication slot '{}' starting at {} with options {}", settings.slotName(),
                    start.isValid() ? start : "confirmed_flush_lsn", settings.pluginOptions());
            return session;
        } catch (SQLException e) {
            closeQuietly(connection);
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
                    + "' on " + settings.host() + ":" + settings.port() + "/" + settings.database() + ": " + e.getMessage(), e);
        }
    }

    static Properties replicationProperties(ReplicationSettings settings) {
        Properties p = settings.connectionProperties();
        PGProperty.REPLICATION.set(p, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        // The stream is read in bulk for as long as the session lives: fewer read system calls (see the factory).
        PGProperty.SOCKET_FACTORY.set(p, BufferedReadSocketFactory.class.getName());
        return p;
    }

    /**
     * Takes up to {@code max} messages, waiting up to {@code timeoutMs} for the first one.
     *
     * @throws ReplicationException once every message read before the connection failed has been taken
     */
    public List<StreamMessage> poll(int max, long timeoutMs) throws InterruptedException {
        List<StreamMessage> out = new ArrayList<>(Math.min(max, 256));
        queue.drainTo(out, max);
        if (out.isEmpty()) {
            throwIfFailed();
            StreamMessage first = queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (first != null) {
                out.add(first);
                queue.drainTo(out, max - 1);
            } else {
                throwIfFailed();
            }
        }
        return out;
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

    private void readLoop() {
        long sequence = 0;
        try {
            while (running) {
                applyConfirm();
                ByteBuffer buffer = stream.readPending();
                if (buffer == null) {
                    idle.set(new IdlePosition(sequence, Lsn.INVALID.equals(lsn(stream.getLastReceiveLSN()))
                            ? Lsn.INVALID : lsn(stream.getLastReceiveLSN())));
                    Thread.sleep(IDLE_SLEEP_MS);
                    continue;
                }
                StreamMessage message = message(buffer, lsn(stream.getLastReceiveLSN()), ++sequence);
                long lastStatus = System.nanoTime();
                while (running && !queue.offer(message, 100, TimeUnit.MILLISECONDS)) {
                    // The host is busy and we are not reading: keep confirming and reporting status ourselves so
                    // the walsender does not time out (readPending() would otherwise do it).
                    applyConfirm();
                    if (System.nanoTime() - lastStatus >= settings.statusIntervalMs() * 1_000_000L) {
                        stream.forceUpdateStatus();
                        lastStatus = System.nanoTime();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (running) {
                // With its causes: PgJDBC's message alone ("Database connection failed when reading from copy") hides them.
                LOG.warn("Replication stream from slot '{}' failed: {}", settings.slotName(), withCauses(t));
                failure.set(t);
            }
        } finally {
            running = false;
        }
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
            stream.forceUpdateStatus();
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
