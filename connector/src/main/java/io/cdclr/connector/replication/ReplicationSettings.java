package io.cdclr.connector.replication;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * What the replication side needs to know: where PostgreSQL is, which slot, and the wal2json options to
 * start the stream with (already complete: the caller decides defaults and what it adds for itself).
 * {@code serverOptions} are PostgreSQL run-time parameters for every connection (PgJDBC's {@code options},
 * e.g. {@code -c wal_sender_timeout=30s}), or null. {@code timeouts} bound every connection;
 * {@code silenceTimeoutMs} is the longest the replication connection may go without a byte from the server before
 * the session is failed (0: never; see {@link ReplicationSession}).
 */
public record ReplicationSettings(String host, int port, String user, String password, String database,
                                  String sslMode, String applicationName, String slotName,
                                  boolean createSlotIfMissing, long slotActiveWaitMs,
                                  Map<String, String> pluginOptions, long statusIntervalMs,
                                  ConnectionTimeouts timeouts, String serverOptions, long silenceTimeoutMs) {

    public static final String PLUGIN = "wal2json";

    public ReplicationSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(slotName, "slotName");
        Objects.requireNonNull(timeouts, "timeouts");
        pluginOptions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pluginOptions));
    }

    public String jdbcUrl() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + database;
    }

    /** Properties for an ordinary connection (slot queries). */
    Properties connectionProperties() {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("sslmode", sslMode == null ? "prefer" : sslMode);
        p.setProperty("ApplicationName", applicationName);
        timeouts.applyTo(p);
        if (serverOptions != null && !serverOptions.isBlank()) {
            p.setProperty("options", serverOptions);
        }
        return p;
    }

    @Override
    public String toString() {
        // never the password
        return "ReplicationSettings[" + user + "@" + host + ":" + port + "/" + database + ", slot=" + slotName
                + ", sslmode=" + sslMode + ", options=" + pluginOptions + "]";
    }
}
