package io.cdclr.runner.config;

import io.cdclr.connector.source.Wal2JsonSourceConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/** Plain (non-replication) connections to the source database, for preflight and the slot-lag metric. */
public final class PostgresConnections {
    private final String url;
    private final Properties props = new Properties();
    private final String target;

    public PostgresConnections(Map<String, String> values) {
        String host = values.getOrDefault("database.hostname", "localhost");
        String port = values.getOrDefault("database.port", "5432");
        String db = values.getOrDefault("database.dbname", values.getOrDefault("database.user", "postgres"));
        url = "jdbc:postgresql://" + host + ":" + port + "/" + db;
        target = host + ":" + port + "/" + db;
        props.setProperty("user", values.getOrDefault("database.user", System.getProperty("user.name")));
        String password = values.get("database.password");
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("sslmode", values.getOrDefault("database.sslmode", "prefer"));
        props.setProperty("ApplicationName", "cdc-runner");
        // Bounded like every connection of the connector: a silent host fails a probe instead of hanging it.
        Wal2JsonSourceConfig.connectionTimeouts(values).applyTo(props);
    }

    public Connection open() throws SQLException {
        return DriverManager.getConnection(url, props);
    }

    /** host:port/database, for messages (never the password). */
    public String target() {
        return target;
    }

    /**
     * Opens and closes a connection, turning failure into one line for the operator.
     */
    public void checkReachable() {
        try (Connection ignored = open()) {
            // reachable and authenticated
        } catch (SQLException e) {
            throw new ConfigError("database.hostname/database.port (PGHOST/PGPORT): cannot connect to PostgreSQL at "
                    + target + " as " + props.getProperty("user") + ": " + firstLine(e.getMessage()));
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
