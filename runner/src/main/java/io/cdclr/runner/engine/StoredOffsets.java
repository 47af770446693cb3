package io.cdclr.runner.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdclr.connector.replication.Lsn;
import io.cdclr.connector.source.SourceOffset;
import io.cdclr.runner.config.PostgresConnections;
import io.cdclr.runner.config.RunnerConfig;
import io.cdclr.runner.config.RunnerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.util.SafeObjectInputStream;

/**
 * The engine's stored offsets of this runner, outside a running engine: for {@code preflight} (is a position
 * stored?) and {@code reset} (forget it). Reads the same store the engine writes ({@code offset.storage}: the
 * file of Kafka's FileOffsetBackingStore, a serialized {@code HashMap<byte[], byte[]>}, or the table of
 * {@link PostgresOffsetBackingStore}); keys are the engine's JSON {@code ["<runner.name>", {partition}]}, values the
 * offset as JSON. Only this runner's entries (by {@code runner.name}) are read or removed.
 */
public final class StoredOffsets {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One stored entry: its key and value as the engine wrote them (JSON). */
    public record Entry(String key, String value) {
        /** The position to confirm, when the value is a wal2json connector offset; INVALID otherwise. */
        public Lsn confirmLsn() {
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = value == null ? null : JSON.readValue(value, Map.class);
                SourceOffset offset = SourceOffset.fromMap(map);
                if (offset != null) {
                    return offset.confirmLsn();
                }
                Object lsn = map == null ? null : map.get("lsn"); // Debezium's PostgresConnector (pgoutput)
                return lsn instanceof Number n ? new Lsn(n.longValue()) : Lsn.INVALID;
            } catch (IOException | RuntimeException e) {
                return Lsn.INVALID;
            }
        }
    }

    private final RunnerSettings settings;
    private final PostgresConnections connections;

    public StoredOffsets(RunnerConfig config) {
        this.settings = config.settings();
        this.connections = new PostgresConnections(config);
    }

    /** "file data/cdc-offsets.dat" or "table cdc.cdc_runner_offsets", for messages. */
    public String where() {
        return settings.offsetsInPostgres() ? "table " + settings.offsetTable()
                : "file " + settings.offsetFile().toAbsolutePath();
    }

    /** This runner's stored offsets with a value (a cleared entry has none). */
    public List<Entry> read() throws IOException, SQLException {
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : load().entrySet()) {
            if (ours(e.getKey()) && e.getValue() != null) {
                out.add(new Entry(text(e.getKey()), text(e.getValue())));
            }
        }
        return out;
    }

    /** Removes this runner's entries; returns what was removed. */
    public List<Entry> clear() throws IOException, SQLException {
        List<Entry> removed = read();
        if (settings.offsetsInPostgres()) {
            clearTable();
        } else {
            clearFile();
        }
        return removed;
    }

    private boolean ours(byte[] key) {
        try {
            JsonNode node = JSON.readTree(key);
            return node != null && node.isArray() && node.size() >= 1 && settings.name().equals(node.get(0).asText());
        } catch (IOException e) {
            return false;
        }
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    private Map<byte[], byte[]> load() throws IOException, SQLException {
        return settings.offsetsInPostgres() ? loadTable() : loadFile();
    }

    @SuppressWarnings("unchecked")
    private Map<byte[], byte[]> loadFile() throws IOException {
        Path file = settings.offsetFile();
        // As Kafka's FileOffsetBackingStore reads it: only the classes an offset map can hold are deserialized.
        try (InputStream in = Files.newInputStream(file); ObjectInputStream is = new SafeObjectInputStream(in)) {
            Object raw = is.readObject();
            if (!(raw instanceof HashMap<?, ?> map)) {
                throw new IOException("offset file " + file + " does not hold a map");
            }
            return (Map<byte[], byte[]>) map;
        } catch (NoSuchFileException e) {
            return new HashMap<>();
        } catch (ClassNotFoundException e) {
            throw new IOException("offset file " + file + " is not an offset file: " + e.getMessage(), e);
        }
    }

    private void clearFile() throws IOException {
        Path file = settings.offsetFile();
        if (!Files.exists(file)) {
            return;
        }
        HashMap<byte[], byte[]> kept = new HashMap<>();
        loadFile().forEach((k, v) -> {
            if (!ours(k)) {
                kept.put(k, v);
            }
        });
        // Written next to it and moved over, as the engine itself would, so a crash leaves the old file or the new.
        Path tmp = file.resolveSibling(file.getFileName() + ".reset");
        try (OutputStream out = Files.newOutputStream(tmp); ObjectOutputStream os = new ObjectOutputStream(out)) {
            os.writeObject(kept);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Map<byte[], byte[]> loadTable() throws SQLException {
        Map<byte[], byte[]> out = new HashMap<>();
        try (Connection c = connections.open()) {
            if (!tableExists(c)) {
                return out;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT offset_key, offset_value FROM " + settings.offsetTable());
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getBytes(1), rs.getBytes(2));
                }
            }
        }
        return out;
    }

    private void clearTable() throws SQLException {
        try (Connection c = connections.open()) {
            if (!tableExists(c)) {
                return;
            }
            c.setAutoCommit(false);
            List<byte[]> keys = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT offset_key FROM " + settings.offsetTable() + " FOR UPDATE");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (ours(rs.getBytes(1))) {
                        keys.add(rs.getBytes(1));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + settings.offsetTable() + " WHERE offset_key = ?")) {
                for (byte[] key : keys) {
                    ps.setBytes(1, key);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
    }

    private boolean tableExists(Connection c) throws SQLException {
        String table = settings.offsetTable();
        if (!table.matches("([a-z_][a-z0-9_]*\\.)?[a-z_][a-z0-9_]*")) { // it is spliced into SQL below
            throw new SQLException(RunnerSettings.OFFSET_TABLE + ": '" + table + "' is not a plain lower-case [schema.]table name");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
