package io.cdclr.runner.engine;

import io.cdclr.runner.config.ConfigError;
import io.cdclr.runner.config.PostgresConnections;
import io.cdclr.runner.config.RunnerConfig;
import io.cdclr.runner.config.RunnerSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Can this runner read and write its offset store ({@code offset.storage})? Asked by {@code preflight} (a NO-GO line)
 * and by {@code run} before the engine starts, so that a missing grant is one line naming the table, the schema and
 * the privilege, not a stack trace from inside the engine.
 *
 * <p>postgres: the schema and the table exist or may be created, then the table is created if missing, read, and
 * written with the flush's own statement, in a transaction that is rolled back. file: the offset file's directory
 * exists or may be created, and a file can be written in it.
 */
public final class OffsetStoreCheck {
    /** SQLSTATE classes that mean a grant, a name or a setting is wrong (not an outage): 42 access rule, 3F schema. */
    private static final Set<String> CONFIG_CLASSES = Set.of("42", "3F", "25");
    private static final byte[] PROBE_KEY = "[\"cdc-offset-store-check\"]".getBytes(StandardCharsets.UTF_8);

    /** The store cannot be used; {@code configProblem}: a grant or setting is missing (exit 2), not an outage. */
    public static final class Problem extends Exception {
        private final boolean configProblem;

        Problem(String message, boolean configProblem) {
            super(message);
            this.configProblem = configProblem;
        }

        public boolean configProblem() {
            return configProblem;
        }
    }

    private final RunnerSettings settings;
    private final PostgresConnections connections;

    public OffsetStoreCheck(RunnerConfig config) {
        this.settings = config.settings();
        this.connections = new PostgresConnections(config);
    }

    /** Checks the store; returns what was checked, for preflight's "ok" line. */
    public String check() throws Problem {
        return settings.offsetsInPostgres() ? checkTable() : checkFile();
    }

    /**
     * For {@code run}: a store that cannot be used stops the runner before the engine starts, as a configuration
     * error (exit 2) when a grant or a setting is missing, as a plain one-line error (exit 1) otherwise.
     */
    public void checkBeforeRun() {
        try {
            check();
        } catch (Problem p) {
            if (p.configProblem()) {
                throw new ConfigError(p.getMessage());
            }
            throw new IllegalStateException(p.getMessage());
        }
    }

    private String checkTable() throws Problem {
        String table = settings.offsetTable();
        String where = RunnerSettings.OFFSET_TABLE + "=" + table;
        if (!table.matches("([a-z_][a-z0-9_]*\\.)?[a-z_][a-z0-9_]*")) { // spliced into SQL below
            throw new Problem(where + ": not a plain lower-case [schema.]table name", true);
        }
        try (Connection c = connections.open()) {
            String user = single(c, "SELECT current_user");
            int dot = table.indexOf('.');
            String schema = dot > 0 ? table.substring(0, dot) : single(c, "SELECT current_schema()");
            if (schema == null) {
                throw new Problem(where + ": no schema given and none on the search_path of user " + user, true);
            }
            String qualified = dot > 0 ? table : schema + "." + table;
            String grantHint = " (the dev stack's bootstrap_db.sh grants USAGE, CREATE on schema OFFSETS_SCHEMA, default"
                    + " cdc)";
            boolean schemaExists = exists(c, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?)", schema);
            if (!schemaExists) {
                if (!exists(c, "SELECT has_database_privilege(current_database(), ?)", "CREATE")) {
                    throw new Problem("offset table " + qualified + ": schema " + schema + " does not exist and user "
                            + user + " lacks CREATE on database " + single(c, "SELECT current_database()")
                            + " to create it: CREATE SCHEMA " + schema + "; GRANT USAGE, CREATE ON SCHEMA " + schema
                            + " TO " + user + grantHint, true);
                }
            } else if (!missing(c, "has_schema_privilege", schema, List.of("USAGE")).isEmpty()) {
                // Checked before looking the table up: without USAGE even that is refused.
                throw new Problem("offset table " + qualified + ": user " + user + " lacks USAGE on schema " + schema
                        + ": GRANT USAGE ON SCHEMA " + schema + " TO " + user + grantHint, true);
            }
            boolean tableExists = schemaExists && exists(c, "SELECT to_regclass(?) IS NOT NULL", qualified);
            if (schemaExists && !tableExists && !missing(c, "has_schema_privilege", schema, List.of("CREATE")).isEmpty()) {
                throw new Problem("offset table " + qualified + " does not exist and user " + user + " lacks CREATE on"
                        + " schema " + schema + " to create it: GRANT CREATE ON SCHEMA " + schema + " TO " + user
                        + grantHint + ", or create the table and GRANT SELECT, INSERT, UPDATE on it", true);
            }
            if (tableExists) {
                List<String> missing = missing(c, "has_table_privilege", qualified, List.of("SELECT", "INSERT", "UPDATE"));
                if (!missing.isEmpty()) {
                    throw new Problem("offset table " + qualified + ": user " + user + " lacks "
                            + String.join(", ", missing) + " on it: GRANT " + String.join(", ", missing)
                            + " ON TABLE " + qualified + " TO " + user, true);
                }
            }
            // The real thing, undone: create (if missing), read, and write as a flush does.
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                PostgresOffsetBackingStore.createIfMissing(c, qualified);
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + qualified)) {
                    rs.next();
                }
                try (PreparedStatement ps = c.prepareStatement(PostgresOffsetBackingStore.upsertSql(qualified))) {
                    ps.setBytes(1, PROBE_KEY);
                    ps.setBytes(2, PROBE_KEY);
                    ps.executeUpdate();
                }
            } finally {
                c.rollback();
            }
            return "offset table " + qualified + (tableExists ? "" : " (not there yet: the runner creates it)")
                    + ": user " + user + " may read and write it (test write rolled back)";
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            throw new Problem("offset table " + table + ": " + firstLine(e.getMessage()) + hint(e),
                    state.length() >= 2 && CONFIG_CLASSES.contains(state.substring(0, 2)));
        }
    }

    private String checkFile() throws Problem {
        Path file = settings.offsetFile().toAbsolutePath();
        Path dir = file.getParent();
        String who = "user " + System.getProperty("user.name");
        String where = "offset file " + file + " (" + RunnerSettings.OFFSET_FILE + ")";
        if (Files.exists(file)) {
            if (!Files.isRegularFile(file) || !Files.isReadable(file) || !Files.isWritable(file)) {
                throw new Problem(where + ": not a file " + who + " may read and write", true);
            }
        }
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new Problem(where + ": " + existing + " is not a directory", true);
        }
        if (!existing.equals(dir)) {
            if (!Files.isWritable(existing)) {
                throw new Problem(where + ": directory " + dir + " does not exist and " + who + " may not create it in "
                        + existing, true);
            }
            return where + ": directory " + dir + " will be created";
        }
        try {
            Path probe = Files.createTempFile(dir, ".cdc-offset-store-check", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new Problem(where + ": " + who + " cannot write in directory " + dir + " (" + e + ")", true);
        }
        return where + ": directory writable by " + who;
    }

    /** A hint for the operator when PostgreSQL refused a privilege. */
    static String hint(SQLException e) {
        return "42501".equals(e.getSQLState())
                ? " (missing privilege: run java -jar cdc-runner.jar preflight to see which grant is needed)" : "";
    }

    static boolean exists(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static List<String> missing(Connection c, String function, String object, List<String> privileges)
            throws SQLException {
        List<String> missing = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(?, ?)")) {
            for (String privilege : privileges) {
                ps.setString(1, object);
                ps.setString(2, privilege);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        missing.add(privilege);
                    }
                }
            }
        }
        return missing;
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
