package io.cdclr.runner.http;

import io.cdclr.runner.config.PostgresConnections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the slot's lag ({@code pg_current_wal_lsn() - confirmed_flush_lsn}) on a schedule, for the metric. */
public final class SlotLagProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SlotLagProbe.class);
    static final String QUERY = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint"
            + " FROM pg_replication_slots WHERE slot_name = ?";

    private final PostgresConnections connections;
    private final String slot;
    private final RunnerMetrics metrics;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cdc-slot-lag");
        t.setDaemon(true);
        return t;
    });
    private Connection connection;
    private boolean warned;

    public SlotLagProbe(PostgresConnections connections, String slot, RunnerMetrics metrics, Duration interval) {
        this.connections = connections;
        this.slot = slot;
        this.metrics = metrics;
        scheduler.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe() {
        try {
            if (connection == null || connection.isClosed()) {
                connection = connections.open();
            }
            try (PreparedStatement ps = connection.prepareStatement(QUERY)) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        metrics.slotLag(rs.getLong(1));
                    }
                }
            }
            warned = false;
        } catch (SQLException e) {
            if (!warned) {
                LOG.warn("event=slot_lag_unavailable slot={} error=\"{}\"", slot, e.getMessage());
                warned = true;
            }
            closeConnection();
        }
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // already broken
        }
        connection = null;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        closeConnection();
    }
}
