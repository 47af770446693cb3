package io.cdclr.runner.engine;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the engine's offsets in a table of the source database, so a container needs no local state.
 *
 * <p>Debezium's own JDBC offset store ({@code debezium-storage-jdbc}) is not published for 3.6.1.Final, and mixing
 * Debezium versions is worse than these few lines on top of Kafka's {@link MemoryOffsetBackingStore}: every flush
 * upserts the (one or few) offset entries in one transaction; a failed write fails the flush, so the engine never
 * calls {@code SourceTask.commit()} and the slot is not confirmed past what is stored.
 */
public final class PostgresOffsetBackingStore extends MemoryOffsetBackingStore {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresOffsetBackingStore.class);
    private static final Pattern TABLE_NAME = Pattern.compile("([a-z_][a-z0-9_]*\\.)?[a-z_][a-z0-9_]*");

    private String table;
    private io.cdclr.connector.replication.PostgresEndpoint endpoint;
    private Connection connection;

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Map<String, Object> originals = config.originals();
        // Pipeline sets it from RunnerSettings, where its default lives.
        Object configured = originals.get(io.cdclr.runner.config.RunnerSettings.OFFSET_TABLE);
        table = configured == null ? "" : String.valueOf(configured);
        if (!TABLE_NAME.matcher(table).matches()) {
            throw new ConnectException(io.cdclr.runner.config.RunnerSettings.OFFSET_TABLE + ": '" + table
                    + "' is not a plain lower-case [schema.]table name");
        }
        // The endpoint every connection is built from (TLS, timeouts, options), from the engine's database.* keys.
        // A silent host fails the flush (and so the commit) after the socket timeout instead of hanging it.
        endpoint = io.cdclr.connector.source.Wal2JsonSourceConfig.endpoint(originals);
        endpoint = endpoint.withApplicationName(endpoint.applicationName() + "-offsets");
    }

    @Override
    public synchronized void start() {
        super.start();
        try {
            Connection conn = connection();
            createIfMissing(conn, table);
            Map<ByteBuffer, ByteBuffer> loaded = new HashMap<>();
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT offset_key, offset_value FROM " + table)) {
                while (rs.next()) {
                    byte[] value = rs.getBytes(2);
                    loaded.put(ByteBuffer.wrap(rs.getBytes(1)), value == null ? null : ByteBuffer.wrap(value));
                }
            }
            data.putAll(loaded);
            LOG.info("event=offset_store_started table={} entries={}", table, loaded.size());
        } catch (SQLException e) {
            throw new ConnectException("offset.storage=postgres: cannot read offsets from table " + table + " ("
                    + e.getMessage() + ")" + OffsetStoreCheck.hint(e), e);
        }
    }

    @Override
    public synchronized void stop() {
        super.stop();
        closeConnection();
    }

    @Override
    protected synchronized void save() {
        try {
            Connection conn = connection();
            conn.setAutoCommit(false);
            try (PreparedStatement ps = conn.prepareStatement(upsertSql(table))) {
                for (Map.Entry<ByteBuffer, ByteBuffer> entry : data.entrySet()) {
                    ps.setBytes(1, bytes(entry.getKey()));
                    ps.setBytes(2, entry.getValue() == null ? null : bytes(entry.getValue()));
                    ps.addBatch();
                }
                ps.executeBatch();
                conn.commit();
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            closeConnection(); // reconnect on the next flush
            throw new ConnectException("cannot store offsets in table " + table + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Creates the table (and its schema) only when missing: CREATE TABLE IF NOT EXISTS would need CREATE on the schema
     * even when the table exists, and a table a DBA created beforehand needs only SELECT, INSERT, UPDATE.
     */
    static void createIfMissing(Connection conn, String table) throws SQLException {
        if (OffsetStoreCheck.exists(conn, "SELECT to_regclass(?) IS NOT NULL", table)) {
            return;
        }
        int dot = table.indexOf('.');
        try (Statement st = conn.createStatement()) {
            if (dot > 0 && !OffsetStoreCheck.exists(conn, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?)",
                    table.substring(0, dot))) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + table.substring(0, dot));
            }
            st.execute(createTableSql(table));
        }
    }

    /** The table's definition, here and in the preflight check. */
    static String createTableSql(String table) {
        return "CREATE TABLE IF NOT EXISTS " + table
                + " (offset_key bytea PRIMARY KEY, offset_value bytea, updated_at timestamptz NOT NULL DEFAULT now())";
    }

    /** The statement every flush runs, here and (rolled back) in the preflight check. */
    static String upsertSql(String table) {
        return "INSERT INTO " + table + " (offset_key, offset_value, updated_at) VALUES (?, ?, now())"
                + " ON CONFLICT (offset_key) DO UPDATE SET offset_value = EXCLUDED.offset_value, updated_at = now()";
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        // Only Kafka Connect's distributed herder asks this; the engine does not.
        return Set.of();
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = endpoint.open();
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing a broken connection
            }
            connection = null;
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
