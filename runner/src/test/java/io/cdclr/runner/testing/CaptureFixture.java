package io.cdclr.runner.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A schema, a runner slot and an oracle slot of the test's own. Both slots are created at the same point, so what
 * wal2json itself emits on the oracle slot ({@code pg_logical_slot_peek_changes}, same options) is exactly what the
 * runner must deliver.
 */
public final class CaptureFixture implements AutoCloseable {
    public static final String[] DEFAULT_OPTIONS = {"format-version", "2", "include-pk", "1", "include-lsn", "1",
            "include-timestamp", "1", "include-transaction", "0"};

    private final String id = TestEnv.unique();
    public final String schema = "e2e_" + id;
    public final String runnerSlot = "e2e_runner_" + id;
    public final String oracleSlot = "e2e_oracle_" + id;

    public CaptureFixture(String... ddl) throws SQLException {
        try (Connection conn = TestEnv.connect(); Statement st = conn.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
            st.execute("SET search_path = " + schema);
            for (String statement : ddl) {
                st.execute(statement);
            }
            st.execute("SELECT pg_create_logical_replication_slot('" + runnerSlot + "', 'wal2json')");
            st.execute("SELECT pg_create_logical_replication_slot('" + oracleSlot + "', 'wal2json')");
        }
    }

    /** Runs statements with the fixture's schema first on the search path, each in its own transaction. */
    public void execute(String... statements) throws SQLException {
        try (Connection conn = TestEnv.connect(); Statement st = conn.createStatement()) {
            st.execute("SET search_path = " + schema);
            for (String statement : statements) {
                st.execute(statement);
            }
        }
    }

    /** What wal2json emits for the fixture's tables, peeked (not consumed) from the oracle slot. */
    public List<String> oracle() throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT data FROM pg_logical_slot_peek_changes(?, NULL, NULL");
        for (int i = 0; i < DEFAULT_OPTIONS.length + 4; i++) { // the options, add-tables, add-msg-prefixes
            sql.append(", ?");
        }
        sql.append(")");
        List<String> out = new ArrayList<>();
        try (Connection conn = TestEnv.connect()) {
            try (Statement st = conn.createStatement()) {
                // The walsender runs with an empty search_path; so must the oracle for the same type names.
                st.execute("SET search_path = ''");
            }
            try (PreparedStatement ps = conn.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setString(i++, oracleSlot);
                for (String option : DEFAULT_OPTIONS) {
                    ps.setString(i++, option);
                }
                ps.setString(i++, "add-tables");
                ps.setString(i++, schema + ".*");
                // Other tests emit logical messages on the same database; only this fixture's count.
                ps.setString(i++, "add-msg-prefixes");
                ps.setString(i, schema);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
        }
        return out;
    }

    public String confirmedFlushLsn() throws SQLException {
        try (Connection conn = TestEnv.connect(); PreparedStatement ps = conn.prepareStatement(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, runnerSlot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection conn = TestEnv.connect(); Statement st = conn.createStatement()) {
            for (String slot : new String[] {runnerSlot, oracleSlot}) {
                try {
                    st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                            + " WHERE slot_name = '" + slot + "' AND NOT active");
                } catch (SQLException ignored) {
                    // best effort
                }
            }
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
