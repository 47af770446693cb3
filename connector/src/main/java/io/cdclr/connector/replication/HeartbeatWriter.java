package io.cdclr.connector.replication;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Writes a small non-transactional logical decoding message so that an otherwise idle database still produces
 * WAL the slot can be advanced over. Keeps one ordinary connection open between heartbeats.
 */
public final class HeartbeatWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatWriter.class);

    private final ReplicationSettings settings;
    private final String prefix;
    private Connection connection;

    public HeartbeatWriter(ReplicationSettings settings, String prefix) {
        this.settings = settings;
        this.prefix = prefix;
    }

    /** Best effort: a failure is logged and the connection reopened next time. */
    public void beat() {
        try {
            if (connection == null || connection.isClosed()) {
                connection = settings.endpoint().withApplicationName(settings.applicationName() + "-heartbeat").open();
                connection.setAutoCommit(true);
            }
            try (PreparedStatement ps = connection.prepareStatement("SELECT pg_logical_emit_message(false, ?, '')")) {
                ps.setString(1, prefix);
                ps.execute();
            }
        } catch (SQLException e) {
            LOG.warn("Heartbeat for slot '{}' failed: {}", settings.slotName(), e.getMessage());
            close();
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Closing the heartbeat connection failed: {}", e.toString());
            }
            connection = null;
        }
    }
}
