package io.cdclr.runner.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An offset store the runner's user cannot read or write: preflight says NO-GO naming the table, the schema and the
 * missing privilege; {@code run} stops before the engine starts with one line (exit 2), no stack trace and no
 * "Engine has been already shut down". The user is a role of this test (not a superuser, as on RDS) on the shared
 * database, its schema unique to the run.
 */
class OffsetStoreAccessIT {
    @TempDir
    Path dir;

    private final String unique = TestEnv.unique();
    private final String user = "deploy_store_" + unique;
    private final String password = "pw-" + unique;
    private final String schema = "deploy_store_" + unique;
    private long started;

    @BeforeEach
    void createUser() throws Exception {
        started = System.nanoTime();
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + user + " LOGIN REPLICATION PASSWORD '" + password + "'");
            st.execute("CREATE SCHEMA " + schema); // owned by the admin: the user has no privilege on it yet
        }
    }

    @AfterEach
    void dropUser() throws Exception {
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            // The fix stops the runner before it creates its slot; without it, a slot may be left behind.
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                    + "deploy_store_" + unique + "' AND NOT active");
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            st.execute("DROP OWNED BY " + user);
            st.execute("DROP ROLE IF EXISTS " + user);
        }
        System.out.printf("OffsetStoreAccessIT: %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    private Map<String, String> env(String table) {
        Map<String, String> env = TestEnv.runnerEnv();
        env.put("PGUSER", user);
        env.put("PGPASSWORD", password);
        env.put("KINESIS_STREAM", "deploy-never-created-" + unique);
        env.put("REPLICATION_SLOT", "deploy_store_" + unique);
        env.put("CDC_OFFSET_STORAGE", "postgres");
        if (table != null) {
            env.put("CDC_OFFSET_STORAGE_POSTGRES_TABLE", table);
        }
        return env;
    }

    private static void assertOneLineConfigError(RunnerProcess.Result result, String... mustContain) {
        String all = result.stdout() + result.stderr();
        assertEquals(2, result.exitCode(), all);
        String[] lines = result.stderr().strip().split("\n");
        assertEquals(1, lines.length, "one line expected:\n" + result.stderr());
        for (String expected : mustContain) {
            assertTrue(lines[0].contains(expected), "'" + expected + "' missing in: " + lines[0]);
        }
        assertFalse(all.contains("\tat "), "no stack trace expected:\n" + all);
        assertFalse(all.contains("already shut down"), all);
        System.out.println("OffsetStoreAccessIT: " + lines[0]);
    }

    /** The report: the old default in public, which a non-owner may not create in on PostgreSQL 15+. */
    @Test
    void tableInPublicWithoutCreateIsOneLineNamingSchemaAndPrivilege() throws Exception {
        String table = "public.deploy_offsets_" + unique;
        assertOneLineConfigError(RunnerProcess.runToEnd(env(table)),
                "config error: offset table " + table, "lacks", "CREATE on schema public", "GRANT");
    }

    @Test
    void preflightNamesTheMissingPrivilegeAndPassesOnceGrantedWithoutLeavingATable() throws Exception {
        String table = schema + ".runner_offsets";
        RunnerProcess.Result noGo = RunnerProcess.runToEnd(env(table), "preflight");
        System.out.println(noGo.stdout());
        assertEquals(1, noGo.exitCode(), noGo.stdout() + noGo.stderr());
        assertTrue(noGo.stdout().contains("FAIL   offset table " + table + ": user " + user + " lacks USAGE on schema "
                + schema), noGo.stdout());
        assertTrue(noGo.stdout().contains("NO-GO: "), noGo.stdout());

        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + user);
        }
        RunnerProcess.Result noCreate = RunnerProcess.runToEnd(env(table), "preflight");
        assertTrue(noCreate.stdout().contains("FAIL   offset table " + table + " does not exist and user " + user
                + " lacks CREATE on schema " + schema), noCreate.stdout());

        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("GRANT CREATE ON SCHEMA " + schema + " TO " + user);
        }
        RunnerProcess.Result go = RunnerProcess.runToEnd(env(table), "preflight");
        System.out.println(go.stdout());
        assertTrue(go.stdout().contains("ok     offset table " + table + " (not there yet: the runner creates it): user "
                + user + " may read and write it (test write rolled back)"), go.stdout());
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('" + table + "') IS NULL")) {
            assertTrue(rs.next() && rs.getBoolean(1), "the check's table was rolled back");
        }
    }

    @Test
    void existingTableWithoutWriteGrantsStopsRunWithOneLine() throws Exception {
        String table = schema + ".runner_offsets";
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (offset_key bytea PRIMARY KEY, offset_value bytea,"
                    + " updated_at timestamptz NOT NULL DEFAULT now())");
            st.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + user);
            st.execute("GRANT SELECT ON " + table + " TO " + user);
        }
        assertOneLineConfigError(RunnerProcess.runToEnd(env(table)),
                "offset table " + table + ": user " + user + " lacks INSERT, UPDATE on it");
    }

    @Test
    void offsetFileInADirectoryThatCannotBeCreatedIsOneLine() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        Map<String, String> env = env(null);
        env.put("CDC_OFFSET_STORAGE", "file");
        env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", notADirectory.resolve("offsets.dat").toString());
        assertOneLineConfigError(RunnerProcess.runToEnd(env), "offset file", "is not a directory");
    }
}
