package io.cdclr.connector.replication;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The queries of {@code pg_replication_slots}, for the connector and the runner alike ({@link #find},
 * {@link #findWithWal}, {@link #exists}, {@link #dropIfInactive}); and the check before streaming starts.
 *
 * <p>Checks, and if allowed creates, the logical replication slot before streaming starts. A slot held by another
 * session is never taken over: we fail, naming who holds it, or wait for it to be released. A slot is created only
 * on a first start; one that vanished or was invalidated later is a {@link SlotLostException}, never re-created.
 */
public final class ReplicationSlots {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSlots.class);
    private static final String DUPLICATE_OBJECT = "42710";

    private final ReplicationSettings settings;

    public ReplicationSlots(ReplicationSettings settings) {
        this.settings = settings;
    }

    Connection connect() throws SQLException {
        return settings.endpoint().open();
    }

    public Optional<SlotState> find() {
        try (Connection c = connect()) {
            return find(c, settings.slotName());
        } catch (SQLException e) {
            throw new ReplicationException("Cannot read replication slot '" + settings.slotName() + "': " + e.getMessage(), e);
        }
    }

    // wal_status, safe_wal_size (PostgreSQL 13+) and conflicting (16+) are read through jsonb so older servers give
    // null.
    private static final String SLOT_COLUMNS = "SELECT s.slot_name, s.plugin, s.slot_type, s.database, s.active,"
            + " s.active_pid, a.application_name, s.confirmed_flush_lsn::text, to_jsonb(s) ->> 'wal_status',"
            + " s.restart_lsn::text, coalesce(to_jsonb(s) ->> 'conflicting', 'false'),"
            + " (to_jsonb(s) ->> 'safe_wal_size')::bigint";
    private static final String SLOT_FROM = " FROM pg_replication_slots s"
            + " LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid WHERE s.slot_name = ?";
    /** Sizes against the current WAL position: pg_current_wal_lsn() works on a primary only. */
    private static final String WAL_COLUMNS = ", pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint,"
            + " pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint";

    /** The slot, or empty when there is none; without the WAL sizes (works on a standby too). */
    public static Optional<SlotState> find(Connection c, String slot) throws SQLException {
        return read(c, slot, false);
    }

    /** The slot with its lag and retained WAL in bytes ({@code pg_current_wal_lsn()}: on a primary). */
    public static Optional<SlotState> findWithWal(Connection c, String slot) throws SQLException {
        return read(c, slot, true);
    }

    private static Optional<SlotState> read(Connection c, String slot, boolean withWal) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SLOT_COLUMNS + (withWal ? WAL_COLUMNS : "") + SLOT_FROM)) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SlotState(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getBoolean(5), integer(rs, 6), rs.getString(7), lsn(rs.getString(8)), rs.getString(9),
                        lsn(rs.getString(10)), Boolean.parseBoolean(rs.getString(11)), bigint(rs, 12),
                        withWal ? bigint(rs, 13) : null, withWal ? bigint(rs, 14) : null));
            }
        }
    }

    /** Whether the slot exists. */
    public static boolean exists(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Drops the slot if it exists and no session streams from it; whether it did. */
    public static boolean dropIfInactive(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name)"
                + " FROM pg_catalog.pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Integer integer(ResultSet rs, int column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }

    private static Long bigint(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static Lsn lsn(String text) {
        return text == null ? Lsn.INVALID : Lsn.parse(text);
    }

    /**
     * Makes sure the slot exists with the wal2json plugin in the configured database, has not been invalidated,
     * and is not streaming to another session (waiting up to {@code slotActiveWaitMs} for it to be released).
     *
     * @param mayCreate     whether a missing slot may be created: only on a first start, with no stored offset and
     *                      before this task streamed anything. Otherwise a missing slot was dropped (by an operator,
     *                      or a failover to a server without it) and creating a new one would silently skip every
     *                      change in between.
     * @param lastConfirmed the last position known to be confirmed (stored offset, or what this task confirmed), for
     *                      the message when the slot is lost
     * @return the slot as it stands, ready to stream from
     * @throws SlotLostException when the slot is missing and may not be created because a position is known, or
     *                           has been invalidated (wal_status 'lost')
     * @throws SlotException     when the slot is missing on a first start with slot.create.if.missing=false, has
     *                           another plugin, belongs to another database, or stays active in another session
     */
    public SlotState ensureUsable(boolean mayCreate, Lsn lastConfirmed) {
        try (Connection c = connect()) {
            SlotState slot = find(c, settings.slotName()).orElse(null);
            if (slot == null) {
                if (!mayCreate) {
                    throw new SlotLostException(settings.slotName(), "does not exist in database '" + settings.database()
                            + "' although this connector has a position in it (dropped, or a failover to a server"
                            + " without it)", lastConfirmed);
                }
                if (!settings.createSlotIfMissing()) {
                    throw new SlotException("Replication slot '" + settings.slotName() + "' does not exist in database '"
                            + settings.database() + "' and slot.create.if.missing is false: create it with"
                            + " SELECT pg_create_logical_replication_slot('" + settings.slotName() + "', 'wal2json')"
                            + " or allow the connector to create it");
                }
                slot = create(c);
            }
            checkPluginAndDatabase(slot);
            checkNotLost(slot, lastConfirmed);
            long deadline = System.nanoTime() + settings.slotActiveWaitMs() * 1_000_000L;
            while (slot.active()) {
                if (System.nanoTime() - deadline >= 0) {
                    throw activeElsewhere(slot);
                }
                LOG.info("Replication slot '{}' is active in another session (pid {}, application '{}'); waiting for it"
                        + " to be released", slot.name(), slot.activePid(), slot.activeApplication());
                sleep(Math.min(1000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000L)));
                slot = find(c, settings.slotName()).orElseThrow(() -> mayCreate
                        ? new SlotException("Replication slot '" + settings.slotName()
                                + "' was dropped while waiting for it to be released")
                        : new SlotLostException(settings.slotName(), "was dropped while waiting for it to be released",
                                lastConfirmed));
                checkNotLost(slot, lastConfirmed);
            }
            return slot;
        } catch (SQLException e) {
            throw new ReplicationException("Cannot check replication slot '" + settings.slotName() + "' on "
                    + settings.endpoint().target() + ": " + e.getMessage(), e);
        }
    }

    private void checkNotLost(SlotState slot, Lsn lastConfirmed) {
        if (slot.lost()) {
            throw new SlotLostException(slot.name(), "has been invalidated by the server (wal_status 'lost': WAL it"
                    + " needed was removed, e.g. past max_slot_wal_keep_size)", Lsn.max(lastConfirmed == null
                    ? Lsn.INVALID : lastConfirmed, slot.confirmedFlushLsn()));
        }
    }

    SlotException activeElsewhere(SlotState slot) {
        return new SlotException("Replication slot '" + slot.name() + "' is active in another session: pid "
                + slot.activePid() + ", application '" + (slot.activeApplication() == null ? "" : slot.activeApplication())
                + "'. The connector does not take over a slot in use; stop the other consumer"
                + (settings.slotActiveWaitMs() > 0 ? "" : " or set slot.active.wait.ms to wait for it"));
    }

    private void checkPluginAndDatabase(SlotState slot) {
        if (!"logical".equals(slot.slotType())) {
            throw new SlotException("Replication slot '" + slot.name() + "' is a " + slot.slotType()
                    + " slot, not a logical slot with the wal2json plugin");
        }
        if (!ReplicationSettings.PLUGIN.equals(slot.plugin())) {
            throw new SlotException("Replication slot '" + slot.name() + "' uses plugin '" + slot.plugin()
                    + "', not 'wal2json'. Use another slot.name, or drop the slot and let the connector create it");
        }
        if (!settings.database().equals(slot.database())) {
            throw new SlotException("Replication slot '" + slot.name() + "' belongs to database '" + slot.database()
                    + "', not '" + settings.database() + "'");
        }
    }

    private SlotState create(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT lsn::text FROM pg_create_logical_replication_slot(?, ?)")) {
            ps.setString(1, settings.slotName());
            ps.setString(2, ReplicationSettings.PLUGIN);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                LOG.info("Created replication slot '{}' with plugin wal2json at {}", settings.slotName(), rs.getString(1));
            }
        } catch (SQLException e) {
            if (!DUPLICATE_OBJECT.equals(e.getSQLState())) {
                throw e;
            }
            // created concurrently by someone else: check what it is like below
        }
        return find(c, settings.slotName()).orElseThrow(() -> new SlotException(
                "Replication slot '" + settings.slotName() + "' vanished right after it was created"));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlotException("Interrupted while waiting for the replication slot to be released", e);
        }
    }
}
