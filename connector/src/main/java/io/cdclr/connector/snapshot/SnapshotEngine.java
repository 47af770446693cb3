package io.cdclr.connector.snapshot;

import io.cdclr.connector.envelope.Envelope;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.connector.replication.ReplicationSettings;
import io.cdclr.connector.replication.ReplicationSlots;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incremental, resumable snapshots interleaved with the stream (Netflix DBLog's watermark algorithm): for each chunk,
 * write a low watermark, read the chunk (keyset, primary-key order), write a high watermark; while the stream is
 * between the two watermarks, drop from the chunk every row whose key a streamed change touched (that change is newer
 * than, or as new as, what the chunk read). When the stream reaches the high watermark the rest of the chunk is queued;
 * queued rows are handed out between streamed changes, and a streamed change that touches a queued key still drops it
 * (the window in effect extends to where each row is handed out). No snapshot row ever follows a newer streamed change
 * of its key, so per-key order holds.
 *
 * <p>Re-read bound: at most one chunk's worth of snapshot rows ({@code chunk_size}) is handed out and not yet stored
 * by the host at any time ({@link #takeRows} stops when that credit is used up; the task's commit() reports what is
 * stored through {@link #stored}). A kill re-reads at most that many rows. The next chunk is read while the queued
 * rows are handed out (at most one chunk queued ahead), so reading and delivering overlap.
 *
 * <p>Driven by the source task on its polling thread: {@link #onMessage} / {@link #onChange} for what the stream
 * brings, {@link #step} to read the next chunk when one is due, {@link #takeRows} for the rows to hand out now.
 * Progress ({@link SnapshotProgress}) as of the last row handed out goes into every record's offset while a snapshot
 * runs; see {@link #offsetProgress}.
 */
public final class SnapshotEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotEngine.class);
    static final long PROGRESS_LOG_INTERVAL_MS = 5_000;
    /** After a database error reading a chunk, wait this long before trying again. */
    static final long RETRY_BACKOFF_MS = 1_000;

    /** A row to emit: its envelope and partition key, and what the record's offset says about the snapshot. */
    public record Row(String table, String schemaName, String tableName, String partitionKey, String envelope,
                      String progressJson) {
    }

    private final ReplicationSettings settings;
    private final Map<String, String> wal2jsonOptions;
    private final TableFilter filter;
    private final int defaultChunkSize;
    private final SnapshotStatus status;
    private final ChunkReader reader = new ChunkReader();

    /** The read position: the next chunk is read after its last key; null when none runs (may be finished while
     *  rows are still queued). */
    private SnapshotProgress progress;
    /** What the offsets say (or will say, once the records carrying it are stored): the progress as of the last row
     *  handed out; null when none runs. */
    private SnapshotProgress emitted;
    private String emittedJson;
    /** Chunks whose window closed, in stream order, with their rows not handed out yet. */
    private final java.util.ArrayDeque<Segment> queue = new java.util.ArrayDeque<>();
    private int queuedRows;
    /** Rows emitted that count as stored before the host reports any (those of a resumed snapshot). */
    private long storedBaseline;
    private ChunkReader.Chunk chunk;
    private boolean inWindow;
    private boolean truncatedInWindow;
    private TableShape shape;
    private RowEnvelopeWriter writer;
    private Connection connection;
    private long lastLogNanos = System.nanoTime();
    private long retryAtNanos;
    private long rowsLeftEstimate = -1;
    /** What the host last stored, read back by the task's commit() (on another thread). */
    private volatile Stored stored = Stored.NONE;

    /** The snapshot progress of the offset the host last stored: snapshot id and rows emitted (id null: none). */
    private record Stored(String id, long rows) {
        static final Stored NONE = new Stored(null, 0);
    }

    /** A chunk whose window closed: its table, the rows not handed out yet (key order), the read position after it. */
    private record Segment(String table, java.util.LinkedHashMap<String, ChunkReader.ChunkRow> rows,
                           SnapshotProgress after) {
    }

    public SnapshotEngine(ReplicationSettings settings, Map<String, String> wal2jsonOptions,
                          Map<String, String> streamOptions, int defaultChunkSize, SnapshotStatus status) {
        this.settings = settings;
        this.wal2jsonOptions = wal2jsonOptions;
        this.filter = new TableFilter(streamOptions);
        this.defaultChunkSize = defaultChunkSize;
        this.status = status;
    }

    /** Whether a logical message with this prefix is the engine's (a request or a watermark), never a record. */
    public static boolean owns(String prefix) {
        return SnapshotRequest.PREFIX.equals(prefix) || Watermarks.PREFIX.equals(prefix);
    }

    /** Resumes what a stored offset says was running: the next chunk after its last key. */
    public void resume(SnapshotProgress stored) {
        if (stored.finished()) {
            return;
        }
        progress = stored.chunkSize() > 0 ? stored : new SnapshotProgress(stored.id(), stored.pending(),
                stored.currentTable(), stored.lastKey(), stored.rowsByTable(), stored.chunks(), defaultChunkSize);
        setEmitted(progress);
        queue.clear();
        queuedRows = 0;
        chunk = null;
        inWindow = false;
        storedBaseline = stored.rowsEmitted();
        this.stored = new Stored(stored.id(), stored.rowsEmitted());
        LOG.info("Resuming snapshot {} at table {} after key {} ({} rows, {} chunks emitted so far)", stored.id(),
                stored.currentTable(), stored.lastKey(), stored.rowsEmitted(), stored.chunks());
        publish();
    }

    public boolean running() {
        return emitted != null;
    }

    /** The progress the record being built now must carry in its offset ({@code snapshot} key), null for none. */
    public String offsetProgress() {
        return emittedJson;
    }

    private void setEmitted(SnapshotProgress p) {
        emitted = p;
        emittedJson = p == null || p.finished() ? null : p.toJson();
    }

    /** A logical message with one of the engine's prefixes ({@link #owns}), with the message's JSON text. */
    public void onMessage(String prefix, String messageJson) {
        String content;
        try {
            Object parsed = SnapshotJson.parse(messageJson);
            content = parsed instanceof Map<?, ?> m && m.get("content") instanceof String s ? s : null;
        } catch (IllegalArgumentException e) {
            content = null;
        }
        if (content == null) {
            LOG.warn("Ignoring a '{}' message without content", prefix);
            return;
        }
        if (Watermarks.PREFIX.equals(prefix)) {
            onWatermark(content);
        } else {
            onRequest(content);
        }
    }

    private void onRequest(String json) {
        SnapshotRequest request;
        try {
            request = SnapshotRequest.parse(json);
        } catch (IllegalArgumentException e) {
            LOG.warn("Ignoring a snapshot request that cannot be read: {}", e.getMessage());
            return;
        }
        if (request.isCancel()) {
            if (emitted == null) {
                LOG.info("Snapshot cancel request {}: no snapshot is running", request.id());
                return;
            }
            LOG.info("event=snapshot_cancelled id={} table={} rows={} chunks={} (request {})", emitted.id(),
                    emitted.currentTable(), emitted.rowsEmitted(), emitted.chunks(), request.id());
            finish(false);
            return;
        }
        if (emitted != null) {
            LOG.warn("Ignoring snapshot request {}: snapshot {} is running (cancel it first)", request.id(), emitted.id());
            return;
        }
        if (!includesPk()) {
            LOG.warn("Ignoring snapshot request {}: it needs wal2json.include-pk=1 (rows are matched to streamed"
                    + " changes by primary key)", request.id());
            return;
        }
        List<String> tables = new ArrayList<>();
        for (String t : request.tables()) {
            String[] st = t.split("\\.", 2);
            if (filter.captures(st[0], st[1])) {
                tables.add(t);
            } else {
                LOG.info("Snapshot request {}: table {} is not captured by this connector's table filter; ignored",
                        request.id(), t);
            }
        }
        if (tables.isEmpty()) {
            return;
        }
        int size = request.chunkSize() > 0 ? request.chunkSize() : defaultChunkSize;
        progress = SnapshotProgress.begin(request.id(), tables, size);
        setEmitted(progress);
        queue.clear();
        queuedRows = 0;
        storedBaseline = 0;
        LOG.info("event=snapshot_started id={} tables={} chunk_size={}", request.id(), tables, size);
        publish();
    }

    private boolean includesPk() {
        String v = wal2jsonOptions.getOrDefault("include-pk", "0").trim().toLowerCase(java.util.Locale.ROOT);
        return List.of("1", "t", "true", "y", "yes", "on").contains(v);
    }

    private void onWatermark(String content) {
        if (chunk == null) {
            return; // of a chunk of an earlier run, or one already emitted (re-sent after a reconnect)
        }
        if (content.equals(chunk.id() + ":low")) {
            inWindow = true;
        } else if (content.equals(chunk.id() + ":high") && inWindow) {
            closeWindow();
        }
    }

    /** Every change the stream brings (before any record is built for it). */
    public void onChange(Envelope e) {
        boolean window = inWindow && chunk != null;
        if (!window && queuedRows == 0) {
            return;
        }
        if (e.isRowChange()) {
            drop(PartitionKey.of(e), window);
            if (e.isKeyChange()) {
                drop(PartitionKey.previous(e), window);
            }
        } else if ("T".equals(e.action())) {
            String table = e.schema() + "." + e.table();
            if (window && progress != null && table.equals(progress.currentTable())) {
                truncatedInWindow = true;
            }
            // Queued rows of a truncated table no longer exist: none of them may follow the truncate.
            for (Segment s : queue) {
                if (s.table().equals(table)) {
                    queuedRows -= s.rows().size();
                    s.rows().clear();
                }
            }
        }
    }

    /** A streamed change of this key is as new as or newer than any chunk row of it read or queued: drop those. */
    private void drop(String key, boolean window) {
        if (window) {
            chunk.rows().remove(key);
        }
        for (Segment s : queue) {
            if (s.rows().remove(key) != null) {
                queuedRows--;
            }
        }
    }

    /**
     * Whether closed chunks wait in the queue (with rows to hand out, or none left but their progress not yet in the
     * offsets): the task then polls the stream briefly and comes back to {@link #takeRows}.
     */
    public boolean rowsQueued() {
        return !queue.isEmpty();
    }

    /**
     * Up to {@code max} queued rows to hand out now, at the current point of the stream (everything the stream brought
     * so far went through {@link #onChange}), in key order; none while the rows handed out and not yet stored make a
     * whole chunk ({@code chunk_size}): the re-read bound.
     */
    public List<Row> takeRows(int max) {
        List<Row> out = new ArrayList<>();
        while (emitted != null && out.size() < max && !queue.isEmpty()) {
            Segment s = queue.peek();
            if (s.rows().isEmpty()) {
                queue.poll();
                completeSegment(s, emitted.rowsByTable());
                continue;
            }
            if (emitted.rowsEmitted() - storedRows() >= emitted.chunkSize()) {
                break; // a chunk's worth handed out and not stored yet: wait for the host to store it
            }
            var it = s.rows().entrySet().iterator();
            Map.Entry<String, ChunkReader.ChunkRow> row = it.next();
            it.remove();
            queuedRows--;
            Map<String, Long> counts = new java.util.LinkedHashMap<>(emitted.rowsByTable());
            counts.merge(s.table(), 1L, Long::sum);
            String[] st = s.table().split("\\.", 2);
            if (s.rows().isEmpty()) {
                // The chunk's last row says the chunk is done ("resume after the chunk's last key read").
                queue.poll();
                out.add(new Row(s.table(), st[0], st[1], row.getKey(), row.getValue().envelope(),
                        completeSegment(s, counts)));
            } else {
                // Each row's offset says "resume after me": a kill after part of the chunk was stored re-reads only
                // what was not stored (from the next key on, in a new window).
                setEmitted(new SnapshotProgress(emitted.id(), emitted.pending(), s.table(), row.getValue().key(), counts,
                        emitted.chunks(), emitted.chunkSize()));
                out.add(new Row(s.table(), st[0], st[1], row.getKey(), row.getValue().envelope(), emittedJson));
            }
        }
        if (!out.isEmpty() && emitted != null) {
            publish();
            logProgressIfDue();
        }
        return out;
    }

    /**
     * Every row of a segment is handed out (or dropped): the offsets now say what its read position says, with the
     * rows actually handed out. Returns the new offset progress (null once the snapshot is finished).
     */
    private String completeSegment(Segment s, Map<String, Long> emittedCounts) {
        SnapshotProgress after = s.after();
        Map<String, Long> counts = new java.util.LinkedHashMap<>(emittedCounts);
        after.rowsByTable().keySet().forEach(t -> counts.putIfAbsent(t, 0L));
        setEmitted(new SnapshotProgress(after.id(), after.pending(), after.currentTable(), after.lastKey(), counts,
                after.chunks(), after.chunkSize()));
        String json = emittedJson;
        if (emitted.finished()) {
            LOG.info("event=snapshot_finished id={} rows={} chunks={} rows_by_table={}", emitted.id(),
                    emitted.rowsEmitted(), emitted.chunks(), emitted.rowsByTable());
            finish(true);
        }
        return json;
    }

    /** Rows emitted by this snapshot that the host has stored (as its commit() last read back). */
    private long storedRows() {
        Stored s = stored;
        return emitted != null && emitted.id().equals(s.id()) ? Math.max(s.rows(), storedBaseline) : storedBaseline;
    }

    /** Queues a closed chunk (maybe without rows) behind the others; chunks without rows pass at once when first. */
    private void enqueue(String table, java.util.LinkedHashMap<String, ChunkReader.ChunkRow> rows, SnapshotProgress after) {
        queue.add(new Segment(table, rows, after));
        queuedRows += rows.size();
        while (emitted != null && !queue.isEmpty() && queue.peek().rows().isEmpty()) {
            completeSegment(queue.poll(), emitted.rowsByTable());
        }
        if (emitted != null) {
            publish();
        }
    }

    private void closeWindow() {
        ChunkReader.Chunk c = chunk;
        chunk = null;
        inWindow = false;
        String table = progress.currentTable();
        if (truncatedInWindow) {
            truncatedInWindow = false;
            LOG.warn("event=snapshot_table_stopped id={} table={} reason=truncated rows={}: the table was truncated"
                    + " during its snapshot; going on with the next table", progress.id(), table,
                    emitted.rowsByTable().getOrDefault(table, 0L));
            progress = progress.nextTable();
            shape = null;
            writer = null;
            enqueue(table, new java.util.LinkedHashMap<>(), progress);
            return;
        }
        SnapshotProgress after = c.lastKey() == null ? progress : progress.afterChunk(c.lastKey(), c.rows().size());
        if (c.rowsRead() < progress.chunkSize()) {
            after = after.nextTable();
        }
        if (!java.util.Objects.equals(after.currentTable(), table)) {
            shape = null; // the next table has its own shape
            writer = null;
        }
        progress = after;
        enqueue(table, c.rows(), after);
        logProgressIfDue();
    }

    private void finish(boolean completed) {
        SnapshotProgress last = emitted;
        progress = null;
        setEmitted(null);
        queue.clear();
        queuedRows = 0;
        chunk = null;
        inWindow = false;
        truncatedInWindow = false;
        shape = null;
        writer = null;
        status.update(last, false, completed ? 0 : -1);
    }

    /** Whether {@link #step} has a chunk to read. */
    public boolean chunkDue() {
        // At most one chunk's rows queued ahead of what is handed out: reading overlaps delivery, memory stays bounded.
        return progress != null && !progress.finished() && chunk == null && queuedRows < progress.chunkSize()
                && System.nanoTime() - retryAtNanos >= 0;
    }

    /**
     * The snapshot progress of the offset the host has stored (the {@code snapshot} value of the offset read back from
     * storage; null when it has none), called by the task's commit() after every offset flush, from any thread.
     */
    public void stored(String progressJson) {
        if (progressJson == null) {
            stored = Stored.NONE;
            return;
        }
        try {
            SnapshotProgress p = SnapshotProgress.fromJson(progressJson);
            stored = new Stored(p.id(), p.rowsEmitted());
        } catch (IllegalArgumentException e) {
            LOG.debug("Unreadable stored snapshot progress: {}", e.getMessage());
        }
    }

    /**
     * Reads the next chunk when one is due: writes its watermarks and keeps its rows until the stream reaches the high
     * watermark. A table that vanished or cannot be snapshotted is skipped with a WARN naming it; any other database
     * error is retried after {@value #RETRY_BACKOFF_MS} ms (the stream goes on meanwhile).
     */
    public void step() {
        while (chunkDue()) {
            String table = progress.currentTable();
            try {
                Connection c = connection();
                if (shape == null) {
                    String[] st = table.split("\\.", 2);
                    shape = TableShape.read(c, st[0], st[1]);
                    writer = new RowEnvelopeWriter(shape, wal2jsonOptions);
                    estimate(c);
                }
                chunk = reader.read(c, shape, writer, progress.lastKey(), progress.chunkSize(),
                        UUID.randomUUID().toString(), progress.id());
                inWindow = false;
                truncatedInWindow = false;
                return;
            } catch (TableShapeException e) {
                LOG.warn("event=snapshot_table_skipped id={} table={} reason={}: {}", progress.id(), table,
                        e.reason(), e.getMessage());
                skipTable();
            } catch (SQLException e) {
                if ("42P01".equals(e.getSQLState()) || "42703".equals(e.getSQLState())) {
                    LOG.warn("event=snapshot_table_stopped id={} table={} reason=dropped_or_altered: {}; going on"
                            + " with the next table", progress.id(), table, e.getMessage());
                    skipTable();
                } else {
                    LOG.warn("Snapshot {}: reading a chunk of {} failed ({}); retrying in {} ms", progress.id(), table,
                            e.getMessage(), RETRY_BACKOFF_MS);
                    closeConnection();
                    shape = null;
                    retryAtNanos = System.nanoTime() + RETRY_BACKOFF_MS * 1_000_000L;
                    return;
                }
            }
        }
    }

    private void skipTable() {
        shape = null;
        writer = null;
        String table = progress.currentTable();
        progress = progress.nextTable();
        enqueue(table, new java.util.LinkedHashMap<>(), progress);
    }

    /** pg_class.reltuples of the tables left, minus what the current one emitted: an estimate, -1 when unknown. */
    private void estimate(Connection c) {
        List<String> tables = new ArrayList<>();
        tables.add(progress.currentTable());
        tables.addAll(progress.pending());
        long sum = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT greatest(c.reltuples, 0)::bigint FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
            for (String t : tables) {
                String[] st = t.split("\\.", 2);
                ps.setString(1, st[0]);
                ps.setString(2, st[1]);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        sum += rs.getLong(1);
                    }
                }
            }
            rowsLeftEstimate = sum;
        } catch (SQLException e) {
            rowsLeftEstimate = -1;
        }
    }

    private long leftEstimate() {
        if (rowsLeftEstimate < 0 || emitted == null) {
            return -1;
        }
        return Math.max(0, rowsLeftEstimate - emitted.rowsByTable().getOrDefault(emitted.currentTable(), 0L));
    }

    private void publish() {
        status.update(emitted, true, leftEstimate());
    }

    private void logProgressIfDue() {
        if (emitted == null) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastLogNanos < PROGRESS_LOG_INTERVAL_MS * 1_000_000L) {
            return;
        }
        lastLogNanos = now;
        LOG.info("event=snapshot_progress id={} table={} rows={} chunks={} left_estimate={} queued={} unstored={}",
                emitted.id(), emitted.currentTable(), emitted.rowsEmitted(), emitted.chunks(), leftEstimate(), queuedRows,
                emitted.rowsEmitted() - storedRows());
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = settings.endpoint().withApplicationName(settings.applicationName() + "-snapshot").open();
            connection.setAutoCommit(true);
            TableShape.prepareSession(connection);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Closing the snapshot connection failed: {}", e.toString());
            }
            connection = null;
        }
    }

    /**
     * Asks for a snapshot of {@code tables} by writing the request into the WAL (so that it is read back from the
     * stream, and survives a crash before it is acted on like any other change). Used for {@code snapshot.tables}.
     */
    public static SnapshotRequest request(ReplicationSettings settings, List<String> tables, int chunkSize) throws SQLException {
        SnapshotRequest request = SnapshotRequest.start(tables, chunkSize);
        try (Connection c = settings.endpoint().withApplicationName(settings.applicationName() + "-snapshot").open();
             PreparedStatement ps = c.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
            ps.setString(1, SnapshotRequest.PREFIX);
            ps.setString(2, request.toJson());
            ps.execute();
        }
        return request;
    }

    /** Whether the slot exists already (then {@code snapshot.tables} is not asked again: it was when it was created). */
    public static boolean slotExists(ReplicationSettings settings) throws SQLException {
        try (Connection c = settings.endpoint().withApplicationName(settings.applicationName() + "-snapshot").open()) {
            return ReplicationSlots.exists(c, settings.slotName());
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
