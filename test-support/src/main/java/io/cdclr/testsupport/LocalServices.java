package io.cdclr.connector.testing;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where the integration tests find PostgreSQL and the Kinesis emulator: the same environment variables
 * the runner reads, as set by {@code scripts/test.sh} (from {@code scripts/local-services.sh env}).
 */
public final class LocalServices {
    private LocalServices() {
    }

    public static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    public static String pgHost() {
        return env("PGHOST", "127.0.0.1");
    }

    public static int pgPort() {
        return Integer.parseInt(env("PGPORT", "5432"));
    }

    public static String pgUser() {
        return env("PGUSER", "cdc");
    }

    public static String pgPassword() {
        return env("PGPASSWORD", "cdc");
    }

    public static String pgDatabase() {
        return env("PGDATABASE", "cdc");
    }

    public static String jdbcUrl() {
        return "jdbc:postgresql://" + pgHost() + ":" + pgPort() + "/" + pgDatabase();
    }

    public static String awsRegion() {
        return env("AWS_REGION", "us-east-1");
    }

    public static URI kinesisEndpoint() {
        return URI.create(env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"));
    }

    /** An ordinary (non-replication) connection; fails with a message that says how to start the services. */
    public static Connection connect() {
        Properties props = new Properties();
        props.setProperty("user", pgUser());
        props.setProperty("password", pgPassword());
        try {
            return DriverManager.getConnection(jdbcUrl(), props);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot reach the local PostgreSQL at " + jdbcUrl()
                    + " (" + e.getMessage() + "). Start it with: scripts/local-services.sh up", e);
        }
    }
}
