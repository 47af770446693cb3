package io.cdclr.runner.http;

import io.cdclr.connector.replication.ReplicationSlots;
import io.cdclr.connector.replication.SlotState;
import io.cdclr.runner.config.PostgresConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the slot on a schedule for the metrics: lag ({@code pg_current_wal_lsn() - confirmed_flush_lsn}), retained
 * WAL ({@code pg_current_wal_lsn() - restart_lsn}), {@code wal_status} and {@code safe_wal_size}. Warns when
 * safe_wal_size runs low, and reports {@code wal_status = 'lost'} at once so readiness turns off before the stream
 * itself notices (it does on its next reconnect).
 */
public final class SlotLagProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SlotLagProbe.class);
    private final PostgresConnections connections;
    private final String slot;
    private final RunnerMetrics metrics;
    private final long safeWalSizeWarnBytes;
    private final Runnable onLost;
    private final Runnable onMissing;
    /** The slot has been seen: from then on its absence means it was dropped. */
    private boolean seen;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cdc-slot-lag");
        t.setDaemon(true);
        return t;
    });
    private Connection connection;
    private boolean warned;
    private boolean safeWalLow;
    private String lastStatus;

    public SlotLagProbe(PostgresConnections connections, String slot, RunnerMetrics metrics, Duration interval) {
        this(connections, slot, metrics, interval, 0, () -> { });
    }

    /**
     * @param safeWalSizeWarnBytes warn when safe_wal_size is below this (0: never)
     * @param onLost               called (once per probe that sees it) when the slot's wal_status is 'lost'
     */
    public SlotLagProbe(PostgresConnections connections, String slot, RunnerMetrics metrics, Duration interval,
                        long safeWalSizeWarnBytes, Runnable onLost) {
        this(connections, slot, metrics, interval, safeWalSizeWarnBytes, onLost, () -> { });
    }

    /** @param onMissing called (once per probe that sees it) when the slot, seen before, no longer exists */
    public SlotLagProbe(PostgresConnections connections, String slot, RunnerMetrics metrics, Duration interval,
                        long safeWalSizeWarnBytes, Runnable onLost, Runnable onMissing) {
        this.onMissing = onMissing;
        this.connections = connections;
        this.slot = slot;
        this.metrics = metrics;
        this.safeWalSizeWarnBytes = safeWalSizeWarnBytes;
        this.onLost = onLost;
        scheduler.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe() {
        try {
            if (connection == null || connection.isClosed()) {
                connection = connections.open();
            }
            SlotState state = ReplicationSlots.findWithWal(connection, slot).orElse(null);
            if (state != null) {
                if (state.unconfirmedBytes() != null) {
                    metrics.slotLag(state.unconfirmedBytes());
                }
                metrics.slotWal(state.walStatus(), state.safeWalSize(), state.retainedBytes());
                observe(state.walStatus(), state.safeWalSize());
                seen = true;
            } else {
                metrics.slotWal(null, null, null);
                if (seen) {
                    onMissing.run();
                }
            }
            warned = false;
        } catch (SQLException e) {
            if (!warned) {
                LOG.warn("event=slot_lag_unavailable slot={} error=\"{}\"", slot, e.getMessage());
                warned = true;
            }
            closeConnection();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: keep probing.
            LOG.warn("event=slot_lag_unavailable slot={} error=\"{}\"", slot, e);
        }
    }

    private void observe(String status, Long safeWalSize) {
        if ("lost".equals(status)) {
            if (!"lost".equals(lastStatus)) {
                LOG.error("event=slot_invalidated slot={} wal_status=lost note=\"the server removed WAL the slot needs; "
                        + "readiness is off and the runner stops when the stream notices\"", slot);
            }
            onLost.run();
        } else if (status != null && !status.equals(lastStatus) && lastStatus != null) {
            if ("unreserved".equals(status)) {
                LOG.warn("event=slot_wal_status slot={} wal_status=unreserved safe_wal_size_bytes={} note=\"the slot "
                        + "will be invalidated at the next checkpoint unless it catches up\"", slot, safeWalSize);
            } else {
                LOG.info("event=slot_wal_status slot={} wal_status={} previous={}", slot, status, lastStatus);
            }
        }
        lastStatus = status;
        boolean low = safeWalSize != null && safeWalSizeWarnBytes > 0 && safeWalSize < safeWalSizeWarnBytes;
        if (low && !safeWalLow) {
            LOG.warn("event=slot_safe_wal_size_low slot={} safe_wal_size_bytes={} threshold_bytes={} wal_status={}"
                    + " note=\"the slot is invalidated when this reaches 0 (max_slot_wal_keep_size)\"",
                    slot, safeWalSize, safeWalSizeWarnBytes, status);
        } else if (!low && safeWalLow && safeWalSize != null) {
            LOG.info("event=slot_safe_wal_size_ok slot={} safe_wal_size_bytes={} threshold_bytes={}",
                    slot, safeWalSize, safeWalSizeWarnBytes);
        }
        safeWalLow = low;
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
