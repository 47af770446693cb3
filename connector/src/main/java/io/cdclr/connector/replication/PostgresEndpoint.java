package io.cdclr.connector.replication;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import org.postgresql.PGProperty;

/**
 * Where and how to connect to the source database, made once from the configuration
 * ({@code Wal2JsonSourceConfig#endpoint}): every connection of the connector and the runner (replication, slot
 * queries, heartbeats, offset store, pgoutput catalog, preflight, slot metrics, reset) is built from it, so TLS,
 * timeouts and server options are the same on all of them.
 *
 * @param host            host name or address
 * @param port            TCP port
 * @param database        database name
 * @param user            user name
 * @param password        password, or null (never logged)
 * @param sslMode         PgJDBC's sslmode: disable, allow, prefer, require, verify-ca, verify-full
 * @param sslRootCert     file of the certificate authorities trusted to sign the server's certificate, or null
 *                        (PgJDBC then reads {@link #defaultRootCert()})
 * @param sslCert         client certificate file, or null
 * @param sslKey          client key file, or null
 * @param applicationName {@code application_name} of the connections (pg_stat_activity); roles append a suffix
 * @param timeouts        connect, login and socket bounds
 * @param serverOptions   PostgreSQL run-time parameters (PgJDBC's {@code options}), or null
 */
public record PostgresEndpoint(String host, int port, String database, String user, String password,
                               String sslMode, String sslRootCert, String sslCert, String sslKey,
                               String applicationName, ConnectionTimeouts timeouts, String serverOptions) {

    public PostgresEndpoint {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(sslMode, "sslMode"); // its default is declared with the key (database.sslmode)
        sslRootCert = blankToNull(sslRootCert);
        sslCert = blankToNull(sslCert);
        sslKey = blankToNull(sslKey);
        serverOptions = blankToNull(serverOptions);
    }

    /** The same endpoint with another application name (a connection's role: heartbeat, offset store, ...). */
    public PostgresEndpoint withApplicationName(String name) {
        return new PostgresEndpoint(host, port, database, user, password, sslMode, sslRootCert, sslCert, sslKey, name,
                timeouts, serverOptions);
    }

    public String jdbcUrl() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + database;
    }

    /** host:port/database, for messages (never the password). */
    public String target() {
        return host + ":" + port + "/" + database;
    }

    /** Properties of an ordinary connection (slot queries, heartbeats, offsets, catalog, preflight). */
    public Properties connectionProperties() {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.putAll(tlsProperties());
        if (applicationName != null) {
            p.setProperty("ApplicationName", applicationName);
        }
        timeouts.applyTo(p);
        if (serverOptions != null) {
            p.setProperty("options", serverOptions);
        }
        return p;
    }

    /**
     * Properties of a logical replication connection: an ordinary connection's plus the replication protocol. The
     * caller adds its socket factory (see {@link ReplicationSession}).
     */
    public Properties replicationProperties() {
        Properties p = connectionProperties();
        PGProperty.REPLICATION.set(p, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        return p;
    }

    /** sslmode and the certificate files, by PgJDBC's property names (also Debezium's, after "database."). */
    public Properties tlsProperties() {
        Properties p = new Properties();
        p.setProperty("sslmode", sslMode);
        if (sslRootCert != null) {
            p.setProperty("sslrootcert", sslRootCert);
        }
        if (sslCert != null) {
            p.setProperty("sslcert", sslCert);
        }
        if (sslKey != null) {
            p.setProperty("sslkey", sslKey);
        }
        return p;
    }

    /** Opens an ordinary connection. */
    public Connection open() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), connectionProperties());
    }

    /** Whether the server's certificate is checked against a root certificate (verify-ca, verify-full). */
    public boolean verifiesServer() {
        return "verify-ca".equals(sslMode) || "verify-full".equals(sslMode);
    }

    /**
     * The root certificate file PgJDBC reads when {@code sslrootcert} is not set: {@code ~/.postgresql/root.crt} of
     * the user running the JVM. PgJDBC does not read libpq's PGSSLROOTCERT variable by itself.
     */
    public static Path defaultRootCert() {
        return Path.of(System.getProperty("user.home"), ".postgresql", "root.crt");
    }

    /** "sslmode=verify-full sslrootcert=/etc/cdc/tls/rds-ca.pem", for messages and the start line. */
    public String describeTls() {
        StringBuilder s = new StringBuilder("sslmode=").append(sslMode);
        if (verifiesServer() || sslRootCert != null) {
            s.append(" sslrootcert=").append(sslRootCert != null ? sslRootCert
                    : "(not set: PgJDBC reads " + defaultRootCert() + ")");
        }
        if (sslCert != null) {
            s.append(" sslcert=").append(sslCert);
        }
        return s.toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        // never the password
        return "PostgresEndpoint[" + user + "@" + target() + ", " + describeTls() + ", application_name="
                + applicationName + "]";
    }
}
