package io.cdclr.connector.snapshot;

import io.cdclr.connector.envelope.Envelope;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.connector.replication.ReplicationSettings;
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
 * than, or as new as, what the chunk read); when the stream reaches the high watermark, emit the rest of the chunk
 * there. No snapshot row ever follows a newer streamed change of its key, so per-key order holds.
 *
 * <p>Driven by the source task on its polling thread: {@link #onMessage} / {@link #onChange} for what the stream
 * brings, {@link #step} to read the next chunk when one is due, {@link #takeRows} for the rows to emit at a high
 * watermark. Progress ({@link SnapshotProgress}) goes into every record's offset while a snapshot runs; see
 * {@link #offsetProgress}.
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

    /** What the stored offsets say (or will say, once the records carrying it are stored); null when none runs. */
    private SnapshotProgress progress;
    private ChunkReader.Chunk chunk;
    private boolean inWindow;
    private boolean truncatedInWindow;
    private TableShape shape;
    private RowEnvelopeWriter writer;
    private Connection connection;
    private final List<Row> ready = new ArrayList<>();
    private long lastLogNanos = System.nanoTime();
    private long retryAtNanos;
    private long rowsLeftEstimate = -1;
    /**
     * Progress ({@link SnapshotProgress#rowsEmitted()}) of the last snapshot row handed out: the host must have stored an
     * offset at or past it before the next chunk is read. That bounds what a kill re-reads to one chunk: rows handed out
     * but not stored yet all belong to the last chunk emitted.
     */
    private long handedOut;
    /** What the host last stored, read back by the task's commit() (on another thread). */
    private volatile Stored stored = Stored.NONE;

    /** The snapshot progress of the offset the host last stored: snapshot id and rows emitted (id null: none). */
    private record Stored(String id, long rows) {
        static final Stored NONE = new Stored(null, 0);
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
        chunk = null;
        inWindow = false;
        handedOut = stored.rowsEmitted();
        this.stored = new Stored(stored.id(), stored.rowsEmitted());
        LOG.info("Resuming snapshot {} at table {} after key {} ({} rows, {} chunks emitted so far)", stored.id(),
                stored.currentTable(), stored.lastKey(), stored.rowsEmitted(), stored.chunks());
        publish();
    }

    public boolean running() {
        return progress != null;
    }

    /** The progress the record being built now must carry in its offset ({@code snapshot} key), null for none. */
    public String offsetProgress() {
        return progress == null ? null : progress.toJson();
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
            if (progress == null) {
                LOG.info("Snapshot cancel request {}: no snapshot is running", request.id());
                return;
            }
            LOG.info("event=snapshot_cancelled id={} table={} rows={} chunks={} (request {})", progress.id(),
                    progress.currentTable(), progress.rowsEmitted(), progress.chunks(), request.id());
            finish(false);
            return;
        }
        if (progress != null) {
            LOG.warn("Ignoring snapshot request {}: snapshot {} is running (cancel it first)", request.id(), progress.id());
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
        handedOut = 0;
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
        if (!inWindow || chunk == null) {
            return;
        }
        if (e.isRowChange()) {
            chunk.rows().remove(PartitionKey.of(e));
            if (e.isKeyChange()) {
                chunk.rows().remove(PartitionKey.previous(e));
            }
        } else if ("T".equals(e.action()) && progress != null
                && (e.schema() + "." + e.table()).equals(progress.currentTable())) {
            truncatedInWindow = true;
        }
    }

    /** Rows to emit now (at the high watermark just seen), in key order; empty most of the time. */
    public List<Row> takeRows() {
        if (ready.isEmpty()) {
            return List.of();
        }
        List<Row> rows = new ArrayList<>(ready);
        ready.clear();
        return rows;
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
                    progress.rowsByTable().getOrDefault(table, 0L));
            progress = progress.nextTable();
            shape = null;
            writer = null;
            afterProgress();
            return;
        }
        SnapshotProgress before = progress;
        SnapshotProgress after = c.lastKey() == null ? progress : progress.afterChunk(c.lastKey(), c.rows().size());
        if (c.rowsRead() < before.chunkSize()) {
            after = after.nextTable();
        }
        String[] st = table.split("\\.", 2);
        int n = c.rows().size();
        int i = 0;
        long tableRows = before.rowsByTable().getOrDefault(table, 0L);
        for (Map.Entry<String, ChunkReader.ChunkRow> row : c.rows().entrySet()) {
            // Each row's offset says "resume after me": a kill after part of the chunk was stored re-reads only what
            // was not stored (from the next key on, in a new window). The chunk's last row says the chunk is done.
            boolean last = ++i == n;
            String json;
            if (last) {
                json = after.finished() ? null : after.toJson();
            } else {
                Map<String, Long> counts = new java.util.LinkedHashMap<>(before.rowsByTable());
                counts.put(table, tableRows + i);
                json = new SnapshotProgress(before.id(), before.pending(), table, row.getValue().key(), counts,
                        before.chunks(), before.chunkSize()).toJson();
            }
            ready.add(new Row(table, st[0], st[1], row.getKey(), row.getValue().envelope(), json));
        }
        if (n > 0) {
            handedOut = after.rowsEmitted();
        }
        if (!java.util.Objects.equals(after.currentTable(), table)) {
            shape = null; // the next table has its own shape
            writer = null;
        }
        progress = after;
        afterProgress();
    }

    private void afterProgress() {
        if (progress.finished()) {
            LOG.info("event=snapshot_finished id={} rows={} chunks={} rows_by_table={}", progress.id(),
                    progress.rowsEmitted(), progress.chunks(), progress.rowsByTable());
            finish(true);
            return;
        }
        publish();
        logProgressIfDue();
    }

    private void finish(boolean completed) {
        SnapshotProgress last = progress;
        progress = null;
        chunk = null;
        inWindow = false;
        truncatedInWindow = false;
        shape = null;
        writer = null;
        status.update(last, false, completed ? 0 : -1);
    }

    /** Whether {@link #step} has a chunk to read. */
    public boolean chunkDue() {
        return progress != null && chunk == null && System.nanoTime() - retryAtNanos >= 0 && storedCoversHandedOut();
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
     * Every snapshot row handed out is stored: the next chunk may be read. Until then the stream goes on (streamed
     * changes are handed out as usual and their offsets flushed, which stores the chunk's rows before them too).
     */
    boolean storedCoversHandedOut() {
        if (handedOut == 0) {
            return true;
        }
        Stored s = stored;
        return progress != null && progress.id().equals(s.id()) && s.rows() >= handedOut;
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
        progress = progress.nextTable();
        if (progress.finished()) {
            afterProgress();
        } else {
            publish();
        }
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
        if (rowsLeftEstimate < 0 || progress == null) {
            return -1;
        }
        return Math.max(0, rowsLeftEstimate - progress.rowsByTable().getOrDefault(progress.currentTable(), 0L));
    }

    private void publish() {
        status.update(progress, true, leftEstimate());
    }

    private void logProgressIfDue() {
        long now = System.nanoTime();
        if (now - lastLogNanos < PROGRESS_LOG_INTERVAL_MS * 1_000_000L) {
            return;
        }
        lastLogNanos = now;
        LOG.info("event=snapshot_progress id={} table={} rows={} chunks={} left_estimate={}", progress.id(),
                progress.currentTable(), progress.rowsEmitted(), progress.chunks(), leftEstimate());
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
        try (Connection c = settings.endpoint().withApplicationName(settings.applicationName() + "-snapshot").open();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, settings.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
