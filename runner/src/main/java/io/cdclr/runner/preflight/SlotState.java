package io.cdclr.runner.preflight;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** One row of {@code pg_replication_slots}, with the sizes an operator reads before starting. */
record SlotState(String plugin, String database, boolean active, int activePid, String restartLsn,
                 String confirmedFlushLsn, String retainedPretty, String unconfirmedPretty, String walStatus,
                 String safeWalSizePretty) {

    static SlotState read(Connection conn, String slot) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT plugin, database, active, coalesce(active_pid, 0),"
                + " restart_lsn::text, confirmed_flush_lsn::text,"
                + " pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)),"
                + " pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)),"
                // wal_status and safe_wal_size exist from PostgreSQL 13 on: read through jsonb so older servers give null.
                + " to_jsonb(s) ->> 'wal_status', pg_size_pretty((to_jsonb(s) ->> 'safe_wal_size')::bigint)"
                + " FROM pg_replication_slots s WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new SlotState(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getInt(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10));
            }
        }
    }
}
