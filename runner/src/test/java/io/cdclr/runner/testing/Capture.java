package io.cdclr.runner.testing;

import io.cdclr.testsupport.Wal2JsonPeek;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A schema with a runner slot and an oracle slot on one database, created at the same point: what wal2json emits on
 * the oracle slot ({@code pg_logical_slot_peek_changes}, same options) is the database's own record of every committed
 * change the runner must deliver. Rolled back work never appears there.
 */
public final class Capture implements AutoCloseable {
    public final Db db;
    public final String schema;
    /** The wal2json add-tables value, as passed to both slots. */
    public final String addTables;
    public final String runnerSlot;
    public final String oracleSlot;
    /** The only logical-message prefix captured (other tests emit messages on the shared database). */
    public final String messagePrefix;
    private final List<String> alsoDrop = new ArrayList<>();

    /**
     * @param quotedSchema the schema as an SQL identifier (quoted if needed)
     * @param addTables    its wal2json add-tables pattern (special characters escaped with a backslash)
     */
    public Capture(Db db, String id, String quotedSchema, String addTables, String... ddl) throws SQLException {
        this.db = db;
        this.schema = quotedSchema;
        this.addTables = addTables;
        this.runnerSlot = "fault_runner_" + id;
        this.oracleSlot = "fault_oracle_" + id;
        this.messagePrefix = "fault_" + id;
        try (Connection conn = db.connect(); Statement st = conn.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
            st.execute("SET search_path = " + schema);
            st.execute("SET lock_timeout = '10s'");
            for (String statement : ddl) {
                st.execute(statement);
            }
            st.execute("SELECT pg_create_logical_replication_slot('" + runnerSlot + "', 'wal2json')");
            st.execute("SELECT pg_create_logical_replication_slot('" + oracleSlot + "', 'wal2json')");
        }
    }

    /** Another schema the test created, dropped (cascade) on close. */
    public void alsoDrop(String otherSchema) {
        alsoDrop.add(otherSchema);
    }

    public static Capture plain(Db db, String id, String... ddl) throws SQLException {
        String schema = "fault_" + id;
        return new Capture(db, id, schema, schema + ".*", ddl);
    }

    /** A capture of its own on the shared test database. */
    public static Capture shared(String... ddl) throws SQLException {
        return plain(Db.shared(), TestEnv.unique(), ddl);
    }

    public void execute(String... statements) throws SQLException {
        try (Connection conn = db.connect(); Statement st = conn.createStatement()) {
            st.execute("SET search_path = " + schema);
            for (String statement : statements) {
                st.execute(statement);
            }
        }
    }

    /**
     * The runner's environment for this capture: its database, slot, tables and message prefix, Kinesis at
     * {@code kinesisEndpoint} (CBOR off, as the emulator needs), offsets in {@code offsetsFile}.
     */
    public Map<String, String> runnerEnv(String kinesisEndpoint, String stream, Path offsetsFile) {
        Map<String, String> env = TestEnv.runnerEnv();
        db.putInto(env);
        env.put("CBOR_ENABLED", "false");
        env.put("KINESIS_ENDPOINT", kinesisEndpoint);
        env.put("KINESIS_STREAM", stream);
        env.put("REPLICATION_SLOT", runnerSlot);
        env.put("CDC_WAL2JSON_ADD_TABLES", addTables);
        env.put("CDC_WAL2JSON_ADD_MSG_PREFIXES", messagePrefix);
        // The JVM decodes environment variables with the locale's charset: without a UTF-8 locale a non-ASCII table
        // name in CDC_WAL2JSON_ADD_TABLES arrives as '?' and matches nothing (the container image sets one).
        env.put("LANG", "C.UTF-8");
        env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", offsetsFile.toString());
        return env;
    }

    /** Waits until everything inserted into the WAL so far is flushed (the WAL writer does it within a second). */
    private static void awaitWalFlushed(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_current_wal_insert_lsn()::text")) {
            rs.next();
            String inserted = rs.getString(1);
            for (int i = 0; i < 100; i++) {
                try (ResultSet f = st.executeQuery("SELECT pg_catalog.pg_current_wal_flush_lsn() >= '" + inserted + "'::pg_lsn")) {
                    f.next();
                    if (f.getBoolean(1)) {
                        return;
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while waiting for the WAL flush", e);
                }
            }
            throw new SQLException("WAL not flushed up to " + inserted + " after 5 s");
        }
    }

    /** Every committed change of the captured tables, in commit order, peeked (not consumed) from the oracle slot. */
    public List<String> oracle() throws SQLException {
        try (Connection conn = db.connect()) {
            try (Statement st = conn.createStatement()) {
                // A peek decodes only up to the flushed WAL, while the walsender goes on to send what is flushed later:
                // a workload committing with synchronous_commit=off would leave its last transactions out of the oracle
                // (and count them as unexpected when the runner delivers them). Wait for the WAL writer to flush them.
                awaitWalFlushed(st);
            }
            // with the runner's options, in a session with an empty search_path as the walsender's
            return Wal2JsonPeek.peek(conn, oracleSlot, Wal2JsonPeek.pipelineOptions(addTables, messagePrefix));
        }
    }

    /** The runner slot's confirmed_flush_lsn as a number. */
    public long confirmedFlushLsn() throws SQLException {
        try (Connection conn = db.connect(); PreparedStatement ps = conn.prepareStatement(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, runnerSlot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return lsn(rs.getString(1));
            }
        }
    }

    /** The pid of the walsender streaming the runner slot, or 0. */
    public int walsenderPid() throws SQLException {
        try (Connection conn = db.connect(); PreparedStatement ps = conn.prepareStatement(
                "SELECT coalesce(active_pid, 0) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, runnerSlot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    public static long lsn(String text) {
        String[] parts = text.split("/");
        return (Long.parseLong(parts[0], 16) << 32) + Long.parseLong(parts[1], 16);
    }

    @Override
    public void close() throws SQLException {
        try (Connection conn = db.connect(); Statement st = conn.createStatement()) {
            for (String slot : new String[] {runnerSlot, oracleSlot}) {
                dropWhenReleased(st, slot);
            }
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            for (String other : alsoDrop) {
                st.execute("DROP SCHEMA IF EXISTS " + other + " CASCADE");
            }
        }
    }

    /**
     * Drops the slot once no walsender holds it: a runner stopped (or killed) just before may not have released it
     * yet, and a slot left behind keeps its WAL on the shared server for every later test and benchmark. Best effort,
     * for up to 5 s.
     */
    private static void dropWhenReleased(Statement st, String slot) {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        + " WHERE slot_name = '" + slot + "' AND NOT active");
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
                    if (!rs.next()) {
                        return;
                    }
                }
                Thread.sleep(100);
            } catch (SQLException ignored) {
                return; // best effort
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
