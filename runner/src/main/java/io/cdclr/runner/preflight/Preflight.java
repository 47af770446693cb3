package io.cdclr.runner.preflight;

import io.cdclr.connector.replication.Lsn;
import io.cdclr.connector.replication.ReplicationSlots;
import io.cdclr.connector.replication.SlotState;
import io.cdclr.runner.config.PostgresConnections;
import io.cdclr.runner.engine.OffsetStoreCheck;
import io.cdclr.runner.engine.StoredOffsets;
import java.io.IOException;
import io.cdclr.runner.config.RunnerConfig;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The operator's checklist before starting on a slot, as a command. Prints one line per check and ends with
 * {@code GO} (exit 0) or {@code NO-GO: reason} (exit 1).
 */
public final class Preflight {
    private final RunnerConfig config;
    private final PostgresConnections connections;
    private final Function<RunnerConfig, KinesisClient> kinesis;
    private final PrintStream out;
    private final List<String> noGo = new ArrayList<>();
    private final boolean pgoutput;
    private final String plugin;

    public Preflight(RunnerConfig config, Function<RunnerConfig, KinesisClient> kinesis, PrintStream out) {
        this.config = config;
        this.connections = new PostgresConnections(config);
        this.kinesis = kinesis;
        this.out = out;
        this.pgoutput = config.decoder().pgoutput();
        this.plugin = pgoutput ? "pgoutput" : "wal2json";
    }

    /** Runs every check; {@code peek} > 0 also shows that many pending changes without consuming them. */
    public int run(int peek) {
        String slot = config.slotName();
        try (Connection conn = connections.open()) {
            ok("connected to PostgreSQL " + connections.target() + " as " + connections.endpoint().user());
            checkServer(conn);
            SlotState state = ReplicationSlots.findWithWal(conn, slot).orElse(null);
            checkSlot(conn, slot, state);
            if (pgoutput) {
                new PublicationCheck(config.decoder(), this::ok, this::info, this::fail).run(conn);
            }
            if (peek > 0 && state != null && !state.active()) {
                if (pgoutput) {
                    info("--peek shows wal2json slots only; slot " + slot + " uses pgoutput");
                } else {
                    peek(conn, slot, peek);
                }
            }
        } catch (SQLException e) {
            // One line that says TLS, credentials or unreachable, as the run command says it.
            fail(io.cdclr.runner.config.ConnectFailure.of(e, connections.endpoint()).message());
        }
        checkOffsetStore();
        checkStream();
        if (noGo.isEmpty()) {
            out.println("GO");
            return 0;
        }
        out.println("NO-GO: " + String.join("; ", noGo));
        return 1;
    }

    private void checkServer(Connection conn) throws SQLException {
        String walLevel = single(conn, "SHOW wal_level");
        if ("logical".equals(walLevel)) {
            ok("wal_level = logical");
        } else {
            fail("wal_level is '" + walLevel + "', logical replication needs 'logical' (RDS: rds.logical_replication=1)");
        }
        String canReplicate = single(conn, "SELECT (rolreplication OR rolsuper OR EXISTS (SELECT 1 FROM pg_roles r"
                + " WHERE r.rolname = 'rds_replication' AND pg_has_role(current_user, r.oid, 'member')))::text"
                + " FROM pg_roles WHERE rolname = current_user");
        if ("true".equals(canReplicate)) {
            ok("user " + connections.endpoint().user() + " may open replication connections");
        } else {
            fail("user " + connections.endpoint().user() + " lacks REPLICATION (or rds_replication)");
        }
    }

    private void checkSlot(Connection conn, String slot, SlotState state) throws SQLException {
        if (state == null) {
            if (storedOffsetWithoutSlot(slot)) {
                return;
            }
            if (pgoutput || config.source().slotCreateIfMissing()) {
                info("slot " + slot + " does not exist; the runner will create it with " + plugin
                        + (pgoutput ? "" : " (slot.create.if.missing=true)"));
            } else {
                fail("slot " + slot + " does not exist and slot.create.if.missing=false");
            }
            return;
        }
        if (plugin.equals(state.plugin())) {
            ok("slot " + slot + " uses " + plugin + " (database " + state.database() + ")");
        } else {
            fail("slot " + slot + " uses plugin '" + state.plugin() + "', not " + plugin + " (decoder=" + plugin + ")");
        }
        if (!state.database().equals(connections.endpoint().database())) {
            fail("slot " + slot + " belongs to database " + state.database() + ", not " + connections.endpoint().database());
        }
        info("retained WAL " + SizeText.pretty(state.retainedBytes()) + " (restart_lsn " + state.restartLsn()
                + "), unconfirmed " + SizeText.pretty(state.unconfirmedBytes()) + " (confirmed_flush_lsn "
                + state.confirmedFlushLsn() + ")");
        checkWalStatus(slot, state);
        if (state.active()) {
            fail("slot " + slot + " is active: consumed now by " + consumers(conn, state.activePid() == null ? 0 : state.activePid()));
        } else {
            ok("slot " + slot + " is inactive: no other session consumes it");
        }
    }

    /** wal_status 'lost' can never stream again; 'unreserved' is lost at the next checkpoint unless it catches up. */
    private void checkWalStatus(String slot, SlotState state) {
        String safe = state.safeWalSize() != null ? SizeText.pretty(state.safeWalSize())
                : "lost".equals(state.walStatus()) ? "none (slot lost)" : "unlimited (max_slot_wal_keep_size = -1)";
        info("wal_status " + (state.walStatus() == null ? "(not reported)" : state.walStatus()) + ", safe_wal_size " + safe);
        if ("lost".equals(state.walStatus())) {
            fail("slot " + slot + " has been invalidated (wal_status lost): the server removed WAL it needs, changes after"
                    + " its confirmed_flush_lsn " + state.confirmedFlushLsn() + " may be lost; the runner would stop with"
                    + " exit code 4. To start over on purpose: java -jar cdc-runner.jar reset");
        } else if ("unreserved".equals(state.walStatus())) {
            fail("slot " + slot + " has wal_status unreserved: it retains more than max_slot_wal_keep_size and is"
                    + " invalidated at the next checkpoint unless it catches up");
        }
    }

    /** A stored offset and no slot: the slot was dropped (or lost in a failover); the runner refuses to re-create it. */
    private boolean storedOffsetWithoutSlot(String slot) {
        StoredOffsets offsets = new StoredOffsets(config);
        try {
            List<StoredOffsets.Entry> stored = offsets.read();
            if (stored.isEmpty()) {
                return false;
            }
            Lsn confirm = Lsn.INVALID;
            for (StoredOffsets.Entry entry : stored) {
                confirm = Lsn.max(confirm, entry.confirmLsn());
            }
            fail("slot " + slot + " does not exist but an offset is stored in " + offsets.where() + " (confirm LSN "
                    + (confirm.isValid() ? confirm : "unknown") + "): the slot was dropped and changes after that LSN may"
                    + " be lost; " + (pgoutput ? "Debezium's connector would create a new slot and skip them"
                    : "the runner would stop with exit code 4 rather than re-create it") + ". To start over on purpose:"
                    + " java -jar cdc-runner.jar reset");
            return true;
        } catch (IOException | SQLException e) {
            info("cannot read the stored offset from " + offsets.where() + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
            return false;
        }
    }

    private String consumers(Connection conn, int pid) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT application_name, client_addr::text, backend_start::text"
                + " FROM pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return "pid " + pid + " (application '" + rs.getString(1) + "', client " + rs.getString(2)
                            + ", since " + rs.getString(3) + ")";
                }
            }
        }
        return "pid " + pid;
    }

    private void peek(Connection conn, String slot, int count) throws SQLException {
        info("next " + count + " changes (peeked, not consumed):");
        // As the runner's replication session: an empty search_path, so user-defined types are schema-qualified.
        try (var st = conn.createStatement()) {
            st.execute("SELECT pg_catalog.set_config('search_path', '', false)");
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT lsn::text, data FROM pg_logical_slot_peek_changes(?, NULL, ?,"
                + " 'format-version', '2', 'include-pk', '1', 'include-lsn', '1', 'include-timestamp', '1')")) {
            ps.setString(1, slot);
            ps.setInt(2, count);
            try (ResultSet rs = ps.executeQuery()) {
                int n = 0;
                while (rs.next()) {
                    out.println("       " + rs.getString(1) + " " + rs.getString(2));
                    n++;
                }
                if (n == 0) {
                    out.println("       (nothing pending)");
                }
            }
        }
    }

    /** The offset store can be read and written (offset.storage): a missing grant is a NO-GO naming it. */
    private void checkOffsetStore() {
        try {
            ok(new OffsetStoreCheck(config).check());
        } catch (OffsetStoreCheck.Problem e) {
            fail(e.getMessage());
        }
    }

    private void checkStream() {
        String stream = config.writer().stream();
        try (KinesisClient client = kinesis.apply(config)) {
            var summary = client.describeStreamSummary(b -> b.streamName(stream)).streamDescriptionSummary();
            if (summary.streamStatus() == StreamStatus.ACTIVE || summary.streamStatus() == StreamStatus.UPDATING) {
                ok("Kinesis stream " + stream + " is " + summary.streamStatus() + " with " + summary.openShardCount() + " open shard(s)");
            } else {
                fail("Kinesis stream " + stream + " is " + summary.streamStatus());
            }
        } catch (RuntimeException e) {
            fail("Kinesis stream " + stream + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    private static String single(Connection conn, String sql) throws SQLException {
        try (var st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    void ok(String line) {
        out.println("ok     " + line);
    }

    void info(String line) {
        out.println("info   " + line);
    }

    void fail(String line) {
        out.println("FAIL   " + line);
        noGo.add(line);
    }
}
