package io.cdclr.connector.source;

import io.cdclr.connector.envelope.Envelope;
import io.cdclr.connector.envelope.EnvelopeParseException;
import io.cdclr.connector.envelope.EnvelopeParser;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.connector.replication.HeartbeatWriter;
import io.cdclr.connector.replication.IdlePosition;
import io.cdclr.connector.replication.Lsn;
import io.cdclr.connector.replication.ReplicationException;
import io.cdclr.connector.replication.ReplicationSession;
import io.cdclr.connector.replication.ReplicationSettings;
import io.cdclr.connector.replication.ReplicationSlots;
import io.cdclr.connector.replication.SlotException;
import io.cdclr.connector.replication.SlotLostException;
import io.cdclr.connector.replication.SlotState;
import io.cdclr.connector.replication.StreamMessage;
import io.cdclr.connector.snapshot.SnapshotEngine;
import io.cdclr.connector.snapshot.SnapshotProgress;
import io.cdclr.connector.snapshot.SnapshotStatus;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Streams one replication slot: one {@link SourceRecord} per wal2json message, value the message text verbatim.
 *
 * <p>Positions: every record carries a {@link SourceOffset}. On start the task resumes from the stored offset
 * (skipping what it says was delivered, even inside a transaction), else from the slot's confirmed_flush_lsn.
 * The slot is confirmed only in {@link #commit()}, and only up to the offset the host has stored (read back
 * from the offset storage), or, when every returned record is stored and the stream is between transactions,
 * up to the position the server reports as idle so that a quiet captured table does not hold WAL back.
 *
 * <p>Threads: {@code poll()} runs on one thread; {@code commit()} and {@code stop()} may come from others. They
 * only hand positions to the replication session, whose own reader thread talks to the server.
 */
public class Wal2JsonSourceTask extends SourceTask {
    private static final Logger LOG = LoggerFactory.getLogger(Wal2JsonSourceTask.class);
    static final int ERROR_EXCERPT_BYTES = 200;

    private final EnvelopeParser parser = new EnvelopeParser();
    private final TransactionTracker tracker = new TransactionTracker();

    private Wal2JsonSourceConfig config;
    private ReplicationSettings settings;
    /** {@link StreamFilters} fingerprint of the stream options: what a stored index was counted under. */
    private String filters;
    private Map<String, Object> partition;
    private boolean valueAsBytes;
    private volatile ReplicationSession session;
    private volatile boolean stopping;

    /** Everything at or before this position was delivered already (stored offset, or before a reconnect). */
    private SourceOffset skipThrough;
    /** Offset of the last record returned from poll(). */
    private volatile SourceOffset lastReturned;
    /** True when the last offset read back from storage is that of the last returned record. */
    private volatile boolean allReturnedStored = true;
    private final Object positionLock = new Object();
    private long lastSequence;
    private int reconnectAttempts;
    /** The highest position known confirmed to the slot (stored offset, slot at start, commits since), for messages. */
    private volatile Lsn lastConfirmed = Lsn.INVALID;
    private long lastActivityNanos = System.nanoTime();
    private long lastHeartbeatNanos = System.nanoTime();
    private HeartbeatWriter heartbeat;
    private String lastTopicSchema;
    private String lastTopicTable;
    private String lastTopic;
    /** Replication state for the host (JMX): readiness while disconnected or reconnecting. */
    private ReplicationStatus status;
    private volatile long lastReceivedNanos = System.nanoTime();
    private volatile long reconnects;
    /** See {@link ReplicationStatusMBean#getCaughtUpAtEpochMs()}; 0 until the stream was first seen idle. */
    private volatile long caughtUpAtEpochMs;
    /** Incremental snapshots (docs/snapshots.md): driven from poll(), its progress rides in every record's offset. */
    private SnapshotEngine snapshots;
    private SnapshotStatus snapshotStatus;
    /** Offset of the last message read past {@link #skipThrough}: where snapshot rows handed out now sit in the stream. */
    private SourceOffset lastPosition;
    /** While a snapshot has rows queued, poll() waits for the stream at most this long, to come back for them. */
    static final long SNAPSHOT_POLL_WAIT_MS = 10;

    @Override
    public String version() {
        return Wal2JsonSourceConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        configure(props);
        registerStatus();
        SourceOffset stored = context == null || context.offsetStorageReader() == null ? null
                : SourceOffset.fromMap(context.offsetStorageReader().offset(partition));
        // An index stored inside a transaction under other filter options would skip the wrong messages.
        SourceOffset resume = StreamFilters.resumeFrom(stored, filters, LOG::warn);
        skipThrough = resume;
        lastReturned = resume;
        lastPosition = resume;
        allReturnedStored = true;
        Lsn start = stored == null ? Lsn.INVALID : stored.confirmLsn();
        lastConfirmed = start;
        resumeSnapshot(context == null || context.offsetStorageReader() == null ? null
                : context.offsetStorageReader().offset(partition));
        boolean askSnapshot = false;
        try {
            askSnapshot = stored == null && !config.snapshotTables().isEmpty() && !SnapshotEngine.slotExists(settings);
        } catch (java.sql.SQLException e) {
            LOG.debug("Cannot tell whether slot '{}' exists yet: {}", config.slotName(), e.getMessage());
        }
        try {
            // A slot is created only on a first start: with a stored offset a missing slot was dropped, and a new
            // one would start at "now", silently skipping every change in between.
            SlotState slot = new ReplicationSlots(settings).ensureUsable(stored == null, start);
            lastConfirmed = Lsn.max(start, slot.confirmedFlushLsn());
            LOG.info("Starting wal2json source task for slot '{}' in database '{}' from {}", config.slotName(),
                    config.database(), stored == null ? "the slot's confirmed_flush_lsn" : "stored offset " + stored);
            session = ReplicationSession.start(settings, start, config.queueCapacity(), config.queueMaxBytes());
        } catch (SlotLostException e) {
            throw slotLost(e);
        }
        if (askSnapshot) {
            requestStartupSnapshot();
        }
        lastSequence = 0;
        tracker.reset();
    }

    /** A snapshot the stored offset says was running goes on at its next chunk. */
    private void resumeSnapshot(Map<String, Object> storedOffset) {
        Object json = storedOffset == null ? null : storedOffset.get(SnapshotProgress.OFFSET_KEY);
        if (json == null) {
            return;
        }
        try {
            snapshots.resume(SnapshotProgress.fromJson(json.toString()));
        } catch (IllegalArgumentException e) {
            throw new ConnectException("The stored offset of slot '" + config.slotName() + "' holds unreadable snapshot"
                    + " progress (" + e.getMessage() + "): " + json);
        }
    }

    /**
     * snapshot.tables on the slot's first start: the request goes into the WAL (after the slot's start, so the stream
     * brings it back) rather than straight into the engine, so that it survives a crash before anything is stored.
     */
    private void requestStartupSnapshot() {
        try {
            var request = SnapshotEngine.request(settings, config.snapshotTables(), config.snapshotChunkSize());
            LOG.info("Requested snapshot {} of {} ({}) for the new slot '{}'", request.id(), config.snapshotTables(),
                    Wal2JsonSourceConfig.SNAPSHOT_TABLES, config.slotName());
        } catch (java.sql.SQLException e) {
            stopping = true;
            closeSession();
            throw new ConnectException("Cannot request the snapshot of " + Wal2JsonSourceConfig.SNAPSHOT_TABLES + " "
                    + config.snapshotTables() + " for the new slot '" + config.slotName() + "': " + e.getMessage(), e);
        }
    }

    private void registerStatus() {
        status = new ReplicationStatus(config.slotName(), () -> {
            ReplicationSession s = session;
            return s != null && s.isStreaming();
        }, () -> {
            ReplicationSession s = session;
            return s != null ? s.lastReceivedNanos() : lastReceivedNanos;
        }, () -> reconnectAttempts, () -> reconnects);
        status.caughtUpAt(() -> caughtUpAtEpochMs);
        status.register();
        snapshotStatus.register();
    }

    /** Reads the configuration; separate from start() so the record mapping can be tested without a server. */
    void configure(Map<String, String> props) {
        config = new Wal2JsonSourceConfig(props);
        settings = config.replicationSettings();
        filters = StreamFilters.fingerprint(settings.pluginOptions());
        tracker.filters(filters);
        partition = sourcePartition(config.database(), config.slotName());
        valueAsBytes = config.valueAsBytes();
        lastTopicSchema = null;
        lastTopicTable = null;
        lastTopic = null;
        stopping = false;
        snapshotStatus = new SnapshotStatus(config.slotName());
        snapshots = new SnapshotEngine(settings, config.wal2jsonOptions(), config.streamOptions(),
                config.snapshotChunkSize(), snapshotStatus);
        lastPosition = null;
    }

    public static Map<String, Object> sourcePartition(String database, String slot) {
        // A fixed iteration order: the offset store keys offsets by this map serialized as JSON, and Map.of's order
        // changes from one JVM to the next, so a restart would not find its own offset.
        Map<String, Object> partition = new java.util.LinkedHashMap<>();
        partition.put("database", database);
        partition.put("slot", slot);
        return java.util.Collections.unmodifiableMap(partition);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        if (stopping) {
            return null;
        }
        ReplicationSession current = session;
        if (current == null) {
            reconnect();
            return null;
        }
        int max = config.pollMaxRecords();
        long maxBytes = config.pollMaxBytes();
        List<SourceRecord> records = new ArrayList<>();
        if (snapshots.chunkDue()) {
            snapshots.step(); // writes the chunk's watermarks; its rows come out when the stream reaches the high one
        }
        // A batch with snapshot rows does not linger: the snapshot reads its next chunk only once this one is stored,
        // so a linger per chunk would be added to every chunk's round trip (docs/snapshots.md).
        boolean carriesSnapshotRows = addSnapshotRows(records, max);
        try {
            // Messages that do not become records (B/C when not wanted, skipped duplicates) do not count against
            // the batch, but the loop stops after a bounded number of reads so poll() returns regularly.
            long deadline = System.nanoTime() + config.getLong(Wal2JsonSourceConfig.POLL_TIMEOUT_MS) * 1_000_000L;
            // Bytes taken from the session in this batch (records and skipped messages alike): the engine holds the
            // whole batch until the consumer has handed it on, so a batch is bounded in bytes as well as in records.
            // The first message of a batch is taken whatever its size, so one larger than the bound passes alone.
            long batchBytes = 0;
            // poll.linger.ms: once a batch has its first record, wait that long for more (woken early when the batch
            // would be full) rather than return a few records. Every batch costs the host a hand-off between threads
            // and the writer a call; at a steady trickle a batch per transaction was most of the CPU per change.
            long lingerUntil = 0;
            boolean lingered = config.pollLingerMs() == 0;
            while (records.size() < max && batchBytes < maxBytes && !stopping) {
                long waitMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
                if (snapshots.rowsQueued()) {
                    waitMs = Math.min(waitMs, SNAPSHOT_POLL_WAIT_MS); // the host's next store may free credit for them
                }
                List<StreamMessage> messages = current.poll(max - records.size(), maxBytes - batchBytes,
                        batchBytes == 0, records.isEmpty() ? waitMs : 0);
                if (messages.isEmpty() && !records.isEmpty() && !lingered && !carriesSnapshotRows && !snapshots.rowsQueued()) {
                    lingered = true;
                    current.awaitQueued(max - records.size(), maxBytes - batchBytes, lingerUntil - System.nanoTime());
                    continue;
                }
                if (messages.isEmpty()) {
                    break;
                }
                for (StreamMessage m : messages) {
                    batchBytes += ReplicationSession.sizeOf(m);
                    SourceRecord r = toRecord(m);
                    if (r != null) {
                        records.add(r);
                    }
                }
                if (lingerUntil == 0 && !records.isEmpty()) {
                    lingerUntil = System.nanoTime() + config.pollLingerMs() * 1_000_000L;
                }
                // Queued snapshot rows go out between streamed changes, in slices, not in one burst behind them.
                carriesSnapshotRows |= addSnapshotRows(records, max);
            }
        } catch (ReplicationException e) {
            if (stopping) {
                return null;
            }
            LOG.warn("Lost the replication stream of slot '{}': {}", config.slotName(), e.getMessage());
            closeSession();
            if (!records.isEmpty()) {
                returned(records);
                return records; // hand out what was read; the next poll reconnects
            }
            reconnect();
            return null;
        }
        if (records.isEmpty()) {
            if (stopping) {
                return null;
            }
            flushIdlePosition(current);
            markCaughtUp(current);
            heartbeatIfDue();
            return null;
        }
        returned(records);
        return records;
    }

    /**
     * Hands out queued snapshot rows at this point of the stream (up to half the room left in the batch, at least one):
     * every message read so far went through the engine's window first, and the rows carry the offset of the last one.
     */
    /** Adds queued snapshot rows, at most half of the room left; true when it added any. */
    private boolean addSnapshotRows(List<SourceRecord> records, int max) {
        if (lastPosition == null || !snapshots.rowsQueued()) {
            return false;
        }
        int before = records.size();
        for (SnapshotEngine.Row row : snapshots.takeRows(Math.max(1, (max - records.size()) / 2))) {
            records.add(snapshotRecord(row, lastPosition));
        }
        return records.size() > before;
    }

    private void returned(List<SourceRecord> records) {
        lastActivityNanos = System.nanoTime();
        synchronized (positionLock) {
            lastReturned = SourceOffset.fromMap(records.get(records.size() - 1).sourceOffset());
            allReturnedStored = false;
        }
    }

    SourceRecord toRecord(StreamMessage m) {
        lastSequence = m.sequence();
        Envelope envelope;
        SourceOffset offset;
        try {
            envelope = parser.parse(m.buffer(), m.offset(), m.length());
            offset = tracker.next(envelope, m.lsn());
        } catch (EnvelopeParseException | IllegalArgumentException | IllegalStateException e) {
            throw unparsable(m, e);
        }
        if (skipThrough != null) {
            if (offset.compareTo(skipThrough) <= 0) {
                return null; // delivered before the restart or reconnect
            }
            skipThrough = null;
        }
        lastPosition = offset;
        if (envelope.isTransactionBoundary() && !config.emitTransactionBoundaries()) {
            return null;
        }
        if ("M".equals(envelope.action()) && isHeartbeat(envelope)) {
            return null;
        }
        if ("M".equals(envelope.action()) && SnapshotEngine.owns(envelope.prefix())) {
            // Snapshot requests and watermarks are the connector's own, never records.
            snapshots.onMessage(envelope.prefix(), m.text());
            return null;
        }
        snapshots.onChange(envelope);
        // The message verbatim, as text or (value.format=bytes) as the bytes wal2json wrote, not decoded at all.
        SourceRecord record = new SourceRecord(partition, offsetMap(offset, snapshots.offsetProgress()), topic(envelope), null,
                Schema.STRING_SCHEMA, PartitionKey.of(envelope),
                valueAsBytes ? Schema.BYTES_SCHEMA : Schema.STRING_SCHEMA, valueAsBytes ? m.bytes() : m.text());
        if (envelope.isKeyChange()) {
            // The row's old key too: the writer orders the update against both keys (docs/envelope.md).
            record.headers().addString(PartitionKey.PREVIOUS_KEY_HEADER, PartitionKey.previous(envelope));
        }
        return record;
    }

    /**
     * A snapshot row, at the position of the last message read: everything the stream brought before it was handed out
     * already, and the offset's {@code snapshot} progress says where a restart reads next.
     */
    private SourceRecord snapshotRecord(SnapshotEngine.Row row, SourceOffset at) {
        return new SourceRecord(partition, offsetMap(at, row.progressJson()),
                tableTopic(config.topicPrefix(), row.schemaName(), row.tableName()), null, Schema.STRING_SCHEMA,
                row.partitionKey(), valueAsBytes ? Schema.BYTES_SCHEMA : Schema.STRING_SCHEMA,
                valueAsBytes ? row.envelope().getBytes(StandardCharsets.UTF_8) : row.envelope());
    }

    /** The offset map, with the running snapshot's progress under {@code snapshot} (absent when none runs). */
    private static Map<String, Object> offsetMap(SourceOffset offset, String snapshotProgress) {
        Map<String, Object> map = offset.toMap();
        if (snapshotProgress == null) {
            return map;
        }
        Map<String, Object> withSnapshot = new java.util.HashMap<>(map);
        withSnapshot.put(SnapshotProgress.OFFSET_KEY, snapshotProgress);
        return withSnapshot;
    }

    private boolean isHeartbeat(Envelope e) {
        return config.getLong(Wal2JsonSourceConfig.HEARTBEAT_INTERVAL_MS) > 0
                && config.getString(Wal2JsonSourceConfig.HEARTBEAT_MESSAGE_PREFIX).equals(e.prefix());
    }

    private ConnectException unparsable(StreamMessage m, Exception cause) {
        byte[] head = m.head(ERROR_EXCERPT_BYTES);
        ConnectException e = new ConnectException("Unparsable wal2json message at LSN " + m.lsn() + " from slot '"
                + config.slotName() + "' (" + cause.getMessage() + "); first " + head.length + " of " + m.length()
                + " bytes: " + new String(head, StandardCharsets.UTF_8), cause);
        // Nothing past the stored offsets is confirmed; stop reading so nothing more is handed out either.
        stopping = true;
        closeSession();
        return e;
    }

    private String topic(Envelope e) {
        String prefix = config.topicPrefix();
        return switch (e.action()) {
            case "B", "C" -> prefix + ".transactions";
            case "M" -> prefix + ".messages";
            default -> tableTopic(prefix, e.schema(), e.table());
        };
    }

    /** Changes come in runs of one table (a transaction, a statement): the last table's topic is kept, not rebuilt. */
    private String tableTopic(String prefix, String schema, String table) {
        if (!java.util.Objects.equals(schema, lastTopicSchema) || !java.util.Objects.equals(table, lastTopicTable)) {
            lastTopicSchema = schema;
            lastTopicTable = table;
            lastTopic = prefix + "." + schema + "." + table;
        }
        return lastTopic;
    }

    /**
     * Nothing to hand out: when every returned record is stored and the stream is between transactions, confirm
     * the server's idle position, so that WAL written for tables we do not capture is released.
     */
    private void flushIdlePosition(ReplicationSession current) {
        IdlePosition idle = current.idlePosition();
        // While a snapshot runs, its progress reaches the offsets only with records: confirming past a request or a
        // chunk no stored offset records would lose it in a crash.
        if (allReturnedStored && !tracker.inTransaction() && current.isQueueEmpty() && !snapshots.running()
                && idle.sequence() == lastSequence && idle.lsn().isValid()) {
            current.confirm(idle.lsn());
        }
    }

    /**
     * Nothing to hand out and every message the server sent already handed out: the task is caught up with the
     * server as of the server's last message, data or keepalive (heartbeats, when on, arrive as messages too). The
     * runner's replication lag reads this while it holds nothing unacknowledged, so the lag stays bounded while
     * nothing changes.
     */
    private void markCaughtUp(ReplicationSession current) {
        if (current.isQueueEmpty() && current.idlePosition().sequence() == lastSequence) {
            caughtUpAtEpochMs = System.currentTimeMillis() - (System.nanoTime() - current.lastReceivedNanos()) / 1_000_000L;
        }
    }

    private void heartbeatIfDue() {
        long interval = config.getLong(Wal2JsonSourceConfig.HEARTBEAT_INTERVAL_MS);
        long now = System.nanoTime();
        if (interval <= 0 || now - lastActivityNanos < interval * 1_000_000L
                || now - lastHeartbeatNanos < interval * 1_000_000L) {
            return;
        }
        lastHeartbeatNanos = now;
        if (heartbeat == null) {
            heartbeat = new HeartbeatWriter(settings, config.getString(Wal2JsonSourceConfig.HEARTBEAT_MESSAGE_PREFIX));
        }
        heartbeat.beat();
    }

    private void reconnect() throws InterruptedException {
        int maxAttempts = config.getInt(Wal2JsonSourceConfig.RECONNECT_MAX_ATTEMPTS);
        if (maxAttempts >= 0 && reconnectAttempts >= maxAttempts) {
            throw new ConnectException("Replication stream of slot '" + config.slotName() + "' lost and "
                    + reconnectAttempts + " reconnect attempts failed (" + Wal2JsonSourceConfig.RECONNECT_MAX_ATTEMPTS + ")");
        }
        reconnectAttempts++;
        long initial = config.getLong(Wal2JsonSourceConfig.RECONNECT_BACKOFF_INITIAL_MS);
        long cap = config.getLong(Wal2JsonSourceConfig.RECONNECT_BACKOFF_MAX_MS);
        long backoff = Math.min(cap, initial << Math.min(20, reconnectAttempts - 1));
        LOG.info("Reconnecting to slot '{}' in {} ms (attempt {})", config.slotName(), backoff, reconnectAttempts);
        long until = System.nanoTime() + backoff * 1_000_000L;
        while (!stopping && System.nanoTime() < until) {
            Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000L)));
        }
        if (stopping) {
            return;
        }
        // Whatever was returned before the loss must not be returned again; the server re-sends from the slot's
        // confirmed position, which never passes a stored offset.
        skipThrough = lastReturned;
        tracker.reset();
        lastSequence = 0;
        try {
            // Never creates: this task streamed from the slot already, so a missing one was dropped.
            new ReplicationSlots(settings).ensureUsable(false, lastConfirmed);
            session = ReplicationSession.start(settings, Lsn.INVALID, config.queueCapacity(), config.queueMaxBytes());
            reconnectAttempts = 0;
            reconnects++;
            if (stopping) {
                closeSession(); // stop() came while reconnecting
                return;
            }
            LOG.info("Reconnected to slot '{}'", config.slotName());
            commit(); // confirm what the host stored while the connection was down
        } catch (SlotLostException e) {
            // Dropped or invalidated (the checkpointer terminates the walsender of a slot it invalidates, which is
            // how a mid-stream loss shows up here): retrying cannot bring the changes back.
            throw slotLost(e);
        } catch (ReplicationException | SlotException e) {
            // SlotException too: the old walsender may not have noticed the lost connection yet.
            LOG.warn("Reconnect to slot '{}' failed: {}", config.slotName(), e.getMessage());
        }
    }

    /**
     * Confirms to the slot what the host has stored: the offset is read back from the offset storage, not taken
     * from commitRecord, so the slot never passes a change whose offset could be lost.
     */
    @Override
    public void commit() {
        ReplicationSession current = session;
        if (current == null || context == null || context.offsetStorageReader() == null) {
            return;
        }
        SourceOffset returnedBefore = lastReturned;
        Map<String, Object> storedMap = context.offsetStorageReader().offset(partition);
        SourceOffset stored = SourceOffset.fromMap(storedMap);
        if (stored == null) {
            return;
        }
        // The snapshot reads its next chunk only once every row it handed out is stored (docs/snapshots.md).
        Object storedProgress = storedMap.get(SnapshotProgress.OFFSET_KEY);
        snapshots.stored(storedProgress == null ? null : storedProgress.toString());
        current.confirm(stored.confirmLsn());
        lastConfirmed = Lsn.max(lastConfirmed, stored.confirmLsn());
        synchronized (positionLock) {
            if (returnedBefore != null && stored.compareTo(returnedBefore) >= 0 && lastReturned == returnedBefore) {
                allReturnedStored = true;
            }
        }
    }

    /** Non-retryable: the task fails with the one-line message naming the slot and the last confirmed LSN. */
    private ConnectException slotLost(SlotLostException e) {
        SlotLostException lost = e.withLastConfirmed(lastConfirmed);
        LOG.error("{}", lost.getMessage());
        stopping = true;
        closeSession();
        return new ConnectException(lost.getMessage(), lost);
    }

    @Override
    public void stop() {
        stopping = true;
        closeSession();
        closeHeartbeat();
        if (status != null) {
            status.unregister();
        }
        if (snapshots != null) {
            snapshots.close();
        }
        if (snapshotStatus != null) {
            snapshotStatus.unregister();
        }
    }

    private void closeSession() {
        ReplicationSession s = session;
        session = null;
        if (s != null) {
            lastReceivedNanos = s.lastReceivedNanos();
            s.close();
        }
    }

    private void closeHeartbeat() {
        if (heartbeat != null) {
            heartbeat.close();
            heartbeat = null;
        }
    }
}
