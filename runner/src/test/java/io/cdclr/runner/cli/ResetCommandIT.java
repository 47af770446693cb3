package io.cdclr.runner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.connector.replication.ConnectionTimeouts;
import io.cdclr.connector.replication.Lsn;
import io.cdclr.connector.replication.ReplicationSession;
import io.cdclr.connector.replication.ReplicationSettings;
import io.cdclr.runner.testing.TestEnv;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reset}: forgets this runner's stored offset (file or table; other runners' entries stay), drops a lost or
 * missing slot and creates a new one, saying what was not captured. Refuses an active slot, and a healthy one
 * without {@code --force}.
 */
class ResetCommandIT {
    private final String slot = "reset_it_" + TestEnv.unique();
    private final String ourKey = "[\"cdc-runner\",{\"database\":\"cdc\",\"slot\":\"" + slot + "\"}]";
    private final String otherKey = "[\"other-runner\",{\"database\":\"cdc\",\"slot\":\"other\"}]";
    private static final String OFFSET = "{\"lsn\":100,\"commit_lsn\":200,\"index\":3,\"confirm_lsn\":16777216}";

    @TempDir
    Path dir;
    private String schema;

    @AfterEach
    void cleanUp() throws SQLException {
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot
                    + "' AND NOT active");
            if (schema != null) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private Run reset(Map<String, String> env, String... extra) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = new String[extra.length + 1];
        args[0] = "reset";
        System.arraycopy(extra, 0, args, 1, extra.length);
        int exit = Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Map<String, String> env() {
        Map<String, String> env = TestEnv.runnerEnv();
        env.put("KINESIS_STREAM", "reset-it");
        env.put("REPLICATION_SLOT", slot);
        env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", dir.resolve("offsets.dat").toString());
        return env;
    }

    private void writeOffsetFile() throws Exception {
        HashMap<byte[], byte[]> raw = new HashMap<>();
        raw.put(ourKey.getBytes(StandardCharsets.UTF_8), OFFSET.getBytes(StandardCharsets.UTF_8));
        raw.put(otherKey.getBytes(StandardCharsets.UTF_8), OFFSET.getBytes(StandardCharsets.UTF_8));
        try (ObjectOutputStream os = new ObjectOutputStream(Files.newOutputStream(dir.resolve("offsets.dat")))) {
            os.writeObject(raw);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, String> offsetFile() throws Exception {
        Map<String, String> out = new HashMap<>();
        try (ObjectInputStream is = new ObjectInputStream(Files.newInputStream(dir.resolve("offsets.dat")))) {
            ((Map<byte[], byte[]>) is.readObject()).forEach((k, v) -> out.put(new String(k, StandardCharsets.UTF_8),
                    v == null ? null : new String(v, StandardCharsets.UTF_8)));
        }
        return out;
    }

    private String slotLsn() throws SQLException {
        try (Connection c = TestEnv.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT plugin || ' ' || confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private void createSlot() throws SQLException {
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'wal2json')");
        }
    }

    @Test
    void missingSlotWithStoredOffsetIsResetAndReCreated() throws Exception {
        writeOffsetFile();
        Run run = reset(env());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("cleared the stored offset of runner 'cdc-runner'"), run.out());
        assertTrue(run.out().contains("(confirm LSN 0/1000000)"), run.out());
        assertTrue(run.out().contains("slot '" + slot + "' did not exist"), run.out());
        assertTrue(run.out().contains("created slot '" + slot + "' with wal2json at "), run.out());
        assertTrue(run.out().contains("changes between 0/1000000 and "), run.out());
        assertTrue(run.out().contains("were not captured"), run.out());
        Map<String, String> left = offsetFile();
        assertFalse(left.containsKey(ourKey), "our offset is cleared: " + left);
        assertEquals(OFFSET, left.get(otherKey), "another runner's offset stays");
        assertTrue(slotLsn().startsWith("wal2json "), slotLsn());
    }

    @Test
    void healthySlotIsRefusedWithoutForceAndDroppedWithIt() throws Exception {
        writeOffsetFile();
        createSlot();
        String before = slotLsn();
        Run refused = reset(env());
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.err().startsWith("error: reset refused: slot '" + slot + "' is healthy"), refused.err());
        assertTrue(refused.err().contains("--force"), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertEquals(before, slotLsn(), "untouched");
        assertTrue(offsetFile().containsKey(ourKey), "offset untouched");

        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS public.reset_it_wal(id int)");
            st.execute("INSERT INTO public.reset_it_wal VALUES (1)");
            st.execute("DROP TABLE public.reset_it_wal");
        }
        Run forced = reset(env(), "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(forced.out().contains("dropped slot '" + slot + "' (healthy, --force"), forced.out());
        assertNotEquals(before, slotLsn(), "a new slot, further on");
        assertFalse(offsetFile().containsKey(ourKey));
    }

    @Test
    void activeSlotIsRefused() throws Exception {
        createSlot();
        ReplicationSettings settings = new ReplicationSettings(TestEnv.env("PGHOST", "127.0.0.1"),
                Integer.parseInt(TestEnv.env("PGPORT", "5432")), TestEnv.env("PGUSER", "cdc"), TestEnv.env("PGPASSWORD", "cdc"),
                TestEnv.env("PGDATABASE", "cdc"), TestEnv.env("PGSSLMODE", "prefer"), "reset-it-holder", slot, false, 0,
                Map.of("format-version", "2"), 10_000, new ConnectionTimeouts(10_000, 10_000), null, 0);
        try (ReplicationSession holder = ReplicationSession.start(settings, Lsn.INVALID, 16, 1 << 20)) {
            Run refused = reset(env(), "--force");
            assertEquals(1, refused.exit(), refused.out());
            assertTrue(refused.err().contains("is active in session pid"), refused.err());
            assertTrue(refused.err().contains("reset-it-holder"), refused.err());
            assertTrue(slotLsn() != null, "not dropped");
        }
    }

    @Test
    void offsetInPostgresTableIsCleared() throws Exception {
        schema = "reset_it_" + TestEnv.unique();
        String table = schema + ".offsets";
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
            st.execute("CREATE TABLE " + table + " (offset_key bytea PRIMARY KEY, offset_value bytea,"
                    + " updated_at timestamptz NOT NULL DEFAULT now())");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (offset_key, offset_value) VALUES (?, ?)")) {
                for (String key : new String[] {ourKey, otherKey}) {
                    ps.setBytes(1, key.getBytes(StandardCharsets.UTF_8));
                    ps.setBytes(2, OFFSET.getBytes(StandardCharsets.UTF_8));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        Map<String, String> env = env();
        env.put("CDC_OFFSET_STORAGE", "postgres");
        env.put("CDC_OFFSET_STORAGE_POSTGRES_TABLE", table);
        Run run = reset(env);
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("in table " + table + " (confirm LSN 0/1000000)"), run.out());
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT convert_from(offset_key, 'UTF8') FROM " + table)) {
            assertTrue(rs.next());
            assertEquals(otherKey, rs.getString(1), "only another runner's row is left");
            assertFalse(rs.next());
        }
    }
}
