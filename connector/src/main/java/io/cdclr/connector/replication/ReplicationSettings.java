package io.cdclr.connector.replication;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * What the replication side needs to know: where PostgreSQL is ({@link PostgresEndpoint}: host, TLS, timeouts,
 * server options, shared by every connection), which slot, and the wal2json options to start the stream with
 * (already complete: the caller decides defaults and what it adds for itself). {@code silenceTimeoutMs} is the
 * longest the replication connection may go without a byte from the server before the session is failed (0: never;
 * see {@link ReplicationSession}).
 */
public record ReplicationSettings(PostgresEndpoint endpoint, String slotName, boolean createSlotIfMissing,
                                  long slotActiveWaitMs, Map<String, String> pluginOptions, long statusIntervalMs,
                                  long silenceTimeoutMs) {

    public static final String PLUGIN = "wal2json";

    public ReplicationSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(slotName, "slotName");
        pluginOptions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pluginOptions));
    }

    /** The settings with an endpoint made of these values (no TLS files); for tests and tools. */
    public ReplicationSettings(String host, int port, String user, String password, String database,
                               String sslMode, String applicationName, String slotName,
                               boolean createSlotIfMissing, long slotActiveWaitMs,
                               Map<String, String> pluginOptions, long statusIntervalMs,
                               ConnectionTimeouts timeouts, String serverOptions, long silenceTimeoutMs) {
        this(new PostgresEndpoint(host, port, database, user, password, sslMode, null, null, null, applicationName,
                timeouts, serverOptions), slotName, createSlotIfMissing, slotActiveWaitMs, pluginOptions,
                statusIntervalMs, silenceTimeoutMs);
    }

    public String host() {
        return endpoint.host();
    }

    public int port() {
        return endpoint.port();
    }

    public String database() {
        return endpoint.database();
    }

    public String sslMode() {
        return endpoint.sslMode();
    }

    public String applicationName() {
        return endpoint.applicationName();
    }

    public ConnectionTimeouts timeouts() {
        return endpoint.timeouts();
    }

    public String jdbcUrl() {
        return endpoint.jdbcUrl();
    }

    /** Properties for an ordinary connection (slot queries). */
    Properties connectionProperties() {
        return endpoint.connectionProperties();
    }

    @Override
    public String toString() {
        // never the password
        return "ReplicationSettings[" + endpoint.user() + "@" + endpoint.target() + ", slot=" + slotName
                + ", " + endpoint.describeTls() + ", options=" + pluginOptions + "]";
    }
}
