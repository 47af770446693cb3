package io.cdclr.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.LocalServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;

/**
 * Runs stacks/cdc_logical_replication_dev/bootstrap_db.sh for real against the local PostgreSQL
 * (scripts/local-services.sh up; PG* variables from scripts/local-services.sh env, defaults 127.0.0.1:5432,
 * cdc/cdc/cdc) over SSL with PSQL_MODE=native.
 *
 * <p>The database is shared with other test suites: every role, schema and slot has a random suffix and is
 * dropped afterwards. The one global object, a role literally named rds_replication (what RDS has), exists
 * only during {@link #withRdsReplicationRoleTheUserIsGrantedIt()}; the methods of this class run in order, one
 * at a time, so the test without that role never sees it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootstrapDbIT {

    private static final String RDS_REPLICATION = "rds_replication";
    private static final String OUR_ROLE_COMMENT = "created by infra-terraform BootstrapDbIT";
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final String HOST = LocalServices.pgHost();
    private static final String PORT = Integer.toString(LocalServices.pgPort());
    private static final String DB = LocalServices.pgDatabase();
    private static final String ADMIN = LocalServices.pgUser();
    private static final String ADMIN_PASSWORD = LocalServices.pgPassword();

    private final List<String> rolesToDrop = new ArrayList<>();
    private final List<String> schemasToDrop = new ArrayList<>();
    private final List<String> slotsToDrop = new ArrayList<>();
    private final List<String> publicationsToDrop = new ArrayList<>();
    private boolean dropRdsReplication;

    @BeforeAll
    static void removeOurLeftoverRdsReplicationRole() throws SQLException {
        // A run killed half-way may have left its rds_replication role behind; it is recognisable by its comment.
        try (Connection c = admin(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = '"
                    + RDS_REPLICATION + "'")) {
                if (rs.next()) {
                    if (!OUR_ROLE_COMMENT.equals(rs.getString(1))) {
                        throw new IllegalStateException("the local PostgreSQL has a role rds_replication that this test "
                                + "did not create; BootstrapDbIT needs to create and drop it itself");
                    }
                    s.execute("DROP ROLE " + RDS_REPLICATION);
                }
            }
        }
    }

    @AfterEach
    void cleanUp() throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement()) {
            for (String slot : slotsToDrop) {
                s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                        + slot + "' AND NOT active");
            }
            for (String publication : publicationsToDrop) {
                s.execute("DROP PUBLICATION IF EXISTS " + publication);
            }
            for (String schema : schemasToDrop) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
            for (String role : rolesToDrop) {
                if (exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
                    s.execute("DROP OWNED BY " + role);
                    s.execute("DROP ROLE " + role);
                }
            }
            if (dropRdsReplication) {
                s.execute("DROP ROLE IF EXISTS " + RDS_REPLICATION);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void withoutRdsReplicationRoleTheUserGetsTheReplicationAttributeAndCanUseAWal2jsonSlot() throws Exception {
        try (Connection c = admin()) {
            assertFalse(exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", RDS_REPLICATION),
                    "no rds_replication role for this test");
        }
        String user = newRole();
        String schema = newSchema();
        String password = newPassword();

        // Run twice: the second run finds the user and only (re)sets the password. The first run leaves PGSSLMODE
        // unset to check the script's default (require); the second sets it explicitly.
        Result first = bootstrap(user, password, schema, null);
        first.assertOk();
        assertTrue(first.output.contains("role " + user + " created"), first.output);
        assertTrue(first.output.contains("no rds_replication role: set the REPLICATION attribute"), first.output);
        Result second = bootstrap(user, password, schema, "require");
        second.assertOk();
        assertTrue(second.output.contains("role " + user + " exists"), second.output);
        for (Result r : List.of(first, second)) {
            assertTrue(r.output.contains("sslmode=require"), r.output);
            assertTrue(r.output.contains("ssl=t"), "connected over SSL: " + r.output);
            r.assertNoSecret(password);
        }

        try (Connection c = admin()) {
            assertEquals(1, count(c, "SELECT count(*) FROM pg_roles WHERE rolname = ?", user), "the user exists once");
            assertRole(c, user, true);
            assertFalse(exists(c, "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    + "WHERE g.rolname = 'rds_replication' AND m.member = (SELECT oid FROM pg_roles WHERE rolname = ?)", user));
            assertCommonGrants(c, user, schema);
        }

        // The runner's view: a normal connection over SSL with the new password ...
        try (Connection c = connect(user, password, false); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                assertTrue(rs.next() && rs.getBoolean(1), "SSL connection");
            }
            try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text, (SELECT count(*) FROM pg_replication_slots)")) {
                assertTrue(rs.next());
                assertTrue(rs.getString(1).matches("[0-9A-F]+/[0-9A-F]+"), rs.getString(1));
            }
            // pg_monitor: other users' sessions are visible in full.
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename <> current_user AND query <> '<insufficient privilege>'")) {
                assertTrue(rs.next());
            }
            // The offsets table in the schema it may create tables in.
            s.execute("CREATE TABLE " + schema + ".cdc_offsets (k text PRIMARY KEY, v bytea)");
            s.execute("INSERT INTO " + schema + ".cdc_offsets VALUES ('lsn', '\\x00')");
        }

        // ... and a replication connection: create a logical slot with wal2json, decode a change, drop the slot.
        String slot = "cdc_it_slot_" + suffix();
        slotsToDrop.add(slot);
        try (Connection repl = connect(user, password, true)) {
            PGConnection pg = repl.unwrap(PGConnection.class);
            pg.getReplicationAPI().createReplicationSlot().logical().withSlotName(slot).withOutputPlugin("wal2json").make();
            try (Connection c = connect(user, password, false); Statement s = c.createStatement()) {
                // The local server runs with synchronous_commit=off; decoding reads only flushed WAL.
                s.execute("SET synchronous_commit = on");
                s.execute("INSERT INTO " + schema + ".cdc_offsets VALUES ('decoded', NULL)");
                try (PreparedStatement ps = c.prepareStatement("SELECT data FROM pg_logical_slot_peek_changes(?, NULL, NULL, "
                        + "'format-version', '2', 'add-tables', ?)")) {
                    ps.setString(1, slot);
                    ps.setString(2, schema + ".cdc_offsets");
                    List<String> changes = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            changes.add(rs.getString(1));
                        }
                    }
                    assertTrue(changes.stream().anyMatch(d -> d.contains("\"action\":\"I\"") && d.contains("\"decoded\"")),
                            "wal2json decoded the insert: " + changes);
                }
            }
            pg.getReplicationAPI().dropReplicationSlot(slot);
        }
        try (Connection c = admin()) {
            assertFalse(exists(c, "SELECT 1 FROM pg_replication_slots WHERE slot_name = ?", slot), "slot dropped");
        }
    }

    @Test
    @Order(2)
    void withRdsReplicationRoleTheUserIsGrantedIt() throws Exception {
        try (Connection c = admin(); Statement s = c.createStatement()) {
            dropRdsReplication = true;
            s.execute("CREATE ROLE " + RDS_REPLICATION + " NOLOGIN");
            s.execute("COMMENT ON ROLE " + RDS_REPLICATION + " IS '" + OUR_ROLE_COMMENT + "'");
        }
        String user = newRole();
        String schema = newSchema();
        String password = newPassword();

        Result first = bootstrap(user, password, schema, "require");
        Result second = bootstrap(user, password, schema, "require");
        for (Result r : List.of(first, second)) {
            r.assertOk();
            assertTrue(r.output.contains("granted rds_replication"), r.output);
            assertTrue(r.output.contains("ssl=t"), r.output);
            r.assertNoSecret(password);
        }

        try (Connection c = admin()) {
            assertEquals(1, count(c, "SELECT count(*) FROM pg_roles WHERE rolname = ?", user), "the user exists once");
            assertRole(c, user, false);
            assertTrue(exists(c, "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    + "WHERE g.rolname = 'rds_replication' AND m.member = (SELECT oid FROM pg_roles WHERE rolname = ?)", user),
                    "member of rds_replication");
            assertCommonGrants(c, user, schema);
        }
        // (Membership in a local rds_replication role grants nothing by itself; on RDS it allows replication.)
        try (Connection c = connect(user, password, false); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + schema + ".cdc_offsets (k text PRIMARY KEY)");
        }
    }

    @Test
    @Order(3)
    void aSecondRunWithAnotherPasswordReplacesIt() throws Exception {
        String user = newRole();
        String schema = newSchema();
        String oldPassword = newPassword();
        String newPassword = newPassword();
        bootstrap(user, oldPassword, schema, "require").assertOk();
        Result r = bootstrap(user, newPassword, schema, "require");
        r.assertOk();
        r.assertNoSecret(oldPassword);
        r.assertNoSecret(newPassword);
        try (Connection c = connect(user, newPassword, false)) {
            assertTrue(c.isValid(5));
        }
        assertThrows(SQLException.class, () -> connect(user, oldPassword, false).close());
    }

    @Test
    @Order(4)
    void failsClearlyWithoutPrintingSecrets() throws Exception {
        String user = newRole();
        String schema = newSchema();
        String password = newPassword();

        Map<String, String> env = baseEnv(user, password, schema, "require");
        env.remove("REPLICATION_PASSWORD");
        Result missing = run(env);
        assertNotEquals(0, missing.exit);
        assertTrue(missing.output.contains("REPLICATION_PASSWORD is not set"), missing.output);

        env = baseEnv(user, password, schema, "require");
        env.put("PSQL_MODE", "bogus");
        Result badMode = run(env);
        assertNotEquals(0, badMode.exit);
        assertTrue(badMode.output.contains("PSQL_MODE must be auto, docker or native"), badMode.output);
        badMode.assertNoSecret(password);

        env = baseEnv(user, password, schema, "require");
        String wrongAdminPassword = newPassword();
        env.put("PGPASSWORD", wrongAdminPassword);
        Result badLogin = run(env);
        assertNotEquals(0, badLogin.exit);
        assertTrue(badLogin.output.contains("password authentication failed"), badLogin.output);
        badLogin.assertNoSecret(password);
        badLogin.assertNoSecret(wrongAdminPassword);

        try (Connection c = admin()) {
            assertFalse(exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", user), "nothing created");
        }
    }

    @Test
    @Order(5)
    void psqlModeAutoFallsBackToNativeWithoutADockerDaemonAndDockerModeRequiresOne() throws Exception {
        String user = newRole();
        String schema = newSchema();
        String password = newPassword();

        Map<String, String> env = baseEnv(user, password, schema, "require");
        env.put("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        env.put("PSQL_MODE", "docker");
        Result docker = run(env);
        assertNotEquals(0, docker.exit);
        assertTrue(docker.output.contains("PSQL_MODE=docker but no Docker daemon answers"), docker.output);

        env.remove("PSQL_MODE"); // auto is the default
        Result auto = run(env);
        auto.assertOk();
        assertTrue(auto.output.contains("psql mode: native"), auto.output);
        auto.assertNoSecret(password);
    }

    /** For the runner's decoder=pgoutput: the publication holds exactly PUBLICATION_TABLES, on every run. */
    @Test
    @Order(6)
    void publicationIsCreatedForTheTablesAndSetToThemAgainOnALaterRun() throws Exception {
        String user = newRole();
        String schema = newSchema();
        String password = newPassword();
        String publication = "cdc_pub_it_" + suffix();
        publicationsToDrop.add(publication);
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".orders(id int primary key)");
            s.execute("CREATE TABLE " + schema + ".lines(id int primary key)");
        }
        Map<String, String> env = baseEnv(user, password, schema, "require");
        env.put("PUBLICATION_NAME", publication);
        env.put("PUBLICATION_TABLES", schema + ".orders");
        Result first = run(env);
        first.assertOk();
        first.assertNoSecret(password);
        assertTrue(first.output.contains("publication " + publication + " created"), first.output);
        env.put("PUBLICATION_TABLES", schema + ".orders, " + schema + ".lines");
        Result second = run(env);
        second.assertOk();
        assertTrue(second.output.contains("publication " + publication + " exists: set to"), second.output);
        try (Connection c = admin()) {
            assertEquals(2, count(c, "SELECT count(*) FROM pg_publication_tables WHERE pubname = ?", publication));
            assertEquals(1, count(c, "SELECT count(*) FROM pg_publication_tables WHERE pubname = ? AND tablename = 'lines'",
                    publication));
            assertTrue(exists(c, "SELECT 1 WHERE has_table_privilege(?, '" + schema + ".lines', 'SELECT')", user),
                    "SELECT on the published tables, for the initial snapshot");
        }

        env.put("PUBLICATION_TABLES", schema + ".orders;DROP TABLE x");
        Result bad = run(env);
        assertNotEquals(0, bad.exit);
        assertTrue(bad.output.contains("is not a lowercase schema.table name"), bad.output);
        env.remove("PUBLICATION_TABLES");
        Result missing = run(env);
        assertNotEquals(0, missing.exit);
        assertTrue(missing.output.contains("PUBLICATION_TABLES must list the tables"), missing.output);
    }

    // ---------------------------------------------------------------------------------------------

    private String newRole() {
        String name = "cdc_repl_it_" + suffix();
        rolesToDrop.add(name);
        return name;
    }

    private String newSchema() {
        String name = "cdc_it_" + suffix();
        schemasToDrop.add(name);
        return name;
    }

    private static String suffix() {
        return Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    }

    /** Random, and with every character that is awkward for shells, psql and SQL literals. */
    private static String newPassword() {
        return "Pw" + suffix() + "'\\:\"$`(id)%;-- " + suffix();
    }

    private static void assertRole(Connection c, String user, boolean replicationAttribute) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertTrue(rs.getBoolean("rolcanlogin"), "LOGIN");
                assertEquals(replicationAttribute, rs.getBoolean("rolreplication"), "REPLICATION attribute");
                assertFalse(rs.getBoolean("rolsuper") || rs.getBoolean("rolcreatedb") || rs.getBoolean("rolcreaterole"),
                        "no superuser, createdb, createrole");
            }
        }
    }

    private static void assertCommonGrants(Connection c, String user, String schema) throws SQLException {
        assertTrue(exists(c, "SELECT 1 WHERE has_database_privilege(?, current_database(), 'CONNECT')", user), "CONNECT");
        assertTrue(exists(c, "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                + "WHERE g.rolname = 'pg_monitor' AND m.member = (SELECT oid FROM pg_roles WHERE rolname = ?)", user),
                "pg_monitor");
        try (PreparedStatement ps = c.prepareStatement("SELECT has_schema_privilege(?, ?, 'USAGE'), has_schema_privilege(?, ?, 'CREATE')")) {
            ps.setString(1, user);
            ps.setString(2, schema);
            ps.setString(3, user);
            ps.setString(4, schema);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertTrue(rs.getBoolean(1) && rs.getBoolean(2), "USAGE, CREATE on " + schema);
            }
        }
        // Granted explicitly, not inherited from PUBLIC only.
        assertTrue(exists(c, "SELECT 1 FROM pg_database d, aclexplode(d.datacl) a "
                + "WHERE d.datname = current_database() AND a.privilege_type = 'CONNECT' "
                + "AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ?)", user), "explicit CONNECT grant");
    }

    private static boolean exists(Connection c, String sql, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static long count(Connection c, String sql, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Connection admin() throws SQLException {
        return connect(ADMIN, ADMIN_PASSWORD, false);
    }

    private static Connection connect(String user, String password, boolean replication) throws SQLException {
        Properties p = new Properties();
        PGProperty.USER.set(p, user);
        PGProperty.PASSWORD.set(p, password);
        PGProperty.SSL_MODE.set(p, "require");
        PGProperty.CONNECT_TIMEOUT.set(p, 10);
        PGProperty.APPLICATION_NAME.set(p, "BootstrapDbIT");
        if (replication) {
            PGProperty.REPLICATION.set(p, "database");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "15");
            PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        }
        return DriverManager.getConnection(LocalServices.jdbcUrl(), p);
    }

    // ---- running the script ----

    private record Result(int exit, String output) {
        void assertOk() {
            assertEquals(0, exit, "bootstrap_db.sh exit code; output:\n" + output);
        }

        void assertNoSecret(String secret) {
            assertFalse(output.contains(secret), "the output contains a password:\n" + output);
        }
    }

    private static Map<String, String> baseEnv(String user, String password, String schema, String sslMode) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", System.getProperty("java.io.tmpdir"));
        env.put("LANG", "C.UTF-8");
        env.put("PGHOST", HOST);
        env.put("PGPORT", PORT);
        env.put("PGDATABASE", DB);
        env.put("PGUSER", ADMIN);
        env.put("PGPASSWORD", ADMIN_PASSWORD);
        env.put("REPLICATION_USERNAME", user);
        env.put("REPLICATION_PASSWORD", password);
        env.put("OFFSETS_SCHEMA", schema);
        env.put("PSQL_MODE", "native");
        env.put("CONNECT_ATTEMPTS", "1");
        if (sslMode != null) {
            env.put("PGSSLMODE", sslMode);
        }
        return env;
    }

    private static Result bootstrap(String user, String password, String schema, String sslMode) throws Exception {
        return run(baseEnv(user, password, schema, sslMode));
    }

    /** bash bootstrap_db.sh with exactly this environment; stdout and stderr together. */
    private static Result run(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", InfraPaths.bootstrapScript().toString()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bootstrap_db.sh timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
