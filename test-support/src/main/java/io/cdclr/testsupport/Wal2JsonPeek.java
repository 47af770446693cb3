package io.cdclr.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** wal2json itself as the tests' oracle: what it emits on a slot of the local PostgreSQL, peeked (not consumed). */
public final class Wal2JsonPeek {
    private Wal2JsonPeek() {
    }

    /** The options the pipeline streams with: format-version 2, primary keys, LSNs, timestamps, no B/C records. */
    public static Map<String, String> pipelineOptions() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("format-version", "2");
        o.put("include-pk", "1");
        o.put("include-lsn", "1");
        o.put("include-timestamp", "1");
        o.put("include-transaction", "0");
        return o;
    }

    /** {@link #pipelineOptions()} with these add-tables and add-msg-prefixes. */
    public static Map<String, String> pipelineOptions(String addTables, String addMsgPrefixes) {
        Map<String, String> o = pipelineOptions();
        o.put("add-tables", addTables);
        o.put("add-msg-prefixes", addMsgPrefixes);
        return o;
    }

    /**
     * What wal2json emits on the slot with these options, in a session with an empty search_path as the walsender's
     * (so type names are schema-qualified the same way).
     */
    public static List<String> peek(String slot, Map<String, String> options) {
        try (Connection c = LocalServices.connect()) {
            return peek(c, slot, options);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** {@link #peek(String, Map)} on this connection (its search_path is left empty). */
    public static List<String> peek(Connection c, String slot, Map<String, String> options) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT data FROM pg_logical_slot_peek_changes(?, NULL, NULL");
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, String> o : options.entrySet()) {
            sql.append(", ?, ?");
            args.add(o.getKey());
            args.add(o.getValue());
        }
        sql.append(")");
        try (Statement s = c.createStatement()) {
            s.execute("SET search_path = ''");
        }
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setString(1, slot);
            for (int i = 0; i < args.size(); i++) {
                ps.setString(i + 2, args.get(i));
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
