package io.cdclr.runner.cli;

import io.cdclr.connector.replication.Lsn;
import io.cdclr.connector.replication.ReplicationSlots;
import io.cdclr.connector.replication.SlotState;
import io.cdclr.runner.config.PostgresConnections;
import io.cdclr.runner.config.RunnerConfig;
import io.cdclr.runner.engine.StoredOffsets;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;

/**
 * {@code reset [--force]}: starts over on purpose after the slot was lost (dropped, or invalidated by the server).
 * Forgets this runner's stored offset, drops the slot if it exists and is lost, creates a new one, and says which
 * changes were not captured. The runner itself never does this: a slot that vanishes stops it (exit code 4) so the
 * loss is noticed, not papered over.
 *
 * <p>Refuses a slot that is active (someone streams from it: stop that first) and a healthy slot unless
 * {@code --force}: dropping a healthy slot throws away the changes it still holds.
 */
final class ResetCommand {
    private final RunnerConfig config;
    private final PrintStream out;
    private final PrintStream err;

    ResetCommand(RunnerConfig config, PrintStream out, PrintStream err) {
        this.config = config;
        this.out = out;
        this.err = err;
    }

    int run(boolean force) throws Exception {
        String slotName = config.slotName();
        String plugin = config.decoder().pgoutput() ? "pgoutput" : "wal2json";
        PostgresConnections connections = new PostgresConnections(config);
        StoredOffsets offsets = new StoredOffsets(config);
        try (Connection c = connections.open()) {
            SlotState slot = ReplicationSlots.find(c, slotName).orElse(null);
            if (slot != null && slot.active()) {
                err.println("error: reset refused: slot '" + slotName + "' is active in session pid " + slot.activePid()
                        + " (application '" + (slot.activeApplication() == null ? "" : slot.activeApplication())
                        + "'); stop that consumer (the runner) first");
                return 1;
            }
            if (slot != null && !slot.invalid() && !force) {
                err.println("error: reset refused: slot '" + slotName + "' is healthy (wal_status " + slot.walStatus()
                        + ", confirmed_flush_lsn " + slot.confirmedFlushLsn() + "); dropping it would throw away the"
                        + " changes it still holds. Start the runner instead, or pass --force to drop it anyway");
                return 1;
            }
            Lsn oldConfirmed = slot == null ? Lsn.INVALID : slot.confirmedFlushLsn();

            List<StoredOffsets.Entry> cleared = offsets.clear();
            for (StoredOffsets.Entry entry : cleared) {
                oldConfirmed = Lsn.max(oldConfirmed, entry.confirmLsn());
            }
            out.println(cleared.isEmpty()
                    ? "reset: no stored offset of runner '" + config.settings().name() + "' in " + offsets.where()
                    : "reset: cleared the stored offset of runner '" + config.settings().name() + "' in " + offsets.where()
                            + " (confirm LSN " + text(oldConfirmed) + ")");
            if (slot != null) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                    ps.setString(1, slotName);
                    ps.execute();
                }
                out.println("reset: dropped slot '" + slotName + "' (" + (slot.invalid() ? "invalidated" : "healthy, --force")
                        + ", wal_status " + slot.walStatus() + ", confirmed_flush_lsn " + slot.confirmedFlushLsn() + ")");
            } else {
                out.println("reset: slot '" + slotName + "' did not exist");
            }
            Lsn created;
            try (PreparedStatement ps = c.prepareStatement("SELECT lsn::text FROM pg_create_logical_replication_slot(?, ?)")) {
                ps.setString(1, slotName);
                ps.setString(2, plugin);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    created = Lsn.parse(rs.getString(1));
                }
            }
            out.println("reset: created slot '" + slotName + "' with " + plugin + " at " + created);
            out.println("reset: changes between " + text(oldConfirmed) + " and " + created + " were not captured;"
                    + " the next run streams from " + created);
            return 0;
        }
    }

    private static String text(Lsn lsn) {
        return lsn.isValid() ? lsn.toString() : "(unknown)";
    }
}
