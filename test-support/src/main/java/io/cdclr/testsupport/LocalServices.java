package io.cdclr.testsupport;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

/**
 * Where the tests of every module find PostgreSQL and the Kinesis emulator: the same environment variables the runner
 * reads, as set by {@code scripts/test.sh} (from {@code scripts/local-services.sh env}). The one way a test connects
 * to the test database.
 */
public final class LocalServices {
    private LocalServices() {
    }

    public static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** A short unique suffix for slot, table, schema and stream names, so parallel runs never collide. */
    public static String unique() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
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

    public static String pgSslMode() {
        return env("PGSSLMODE", "prefer");
    }

    public static String jdbcUrl() {
        return jdbcUrl(pgDatabase());
    }

    public static String jdbcUrl(String database) {
        return "jdbc:postgresql://" + pgHost() + ":" + pgPort() + "/" + database;
    }

    public static String awsRegion() {
        return env("AWS_REGION", "us-east-1");
    }

    public static URI kinesisEndpoint() {
        return URI.create(env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"));
    }

    /** An ordinary (non-replication) connection; fails with a message that says how to start the services. */
    public static Connection connect() {
        return connect(pgDatabase());
    }

    /** An ordinary connection to another database of the same server, as the test user. */
    public static Connection connect(String database) {
        Properties props = new Properties();
        props.setProperty("user", pgUser());
        props.setProperty("password", pgPassword());
        props.setProperty("sslmode", pgSslMode());
        try {
            return DriverManager.getConnection(jdbcUrl(database), props);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot reach the local PostgreSQL at " + jdbcUrl(database)
                    + " (" + e.getMessage() + "). Start it with: scripts/local-services.sh up", e);
        }
    }

    /** Runs the statements in order on one connection; a failure names the statement. */
    public static void exec(String... statements) {
        try {
            execChecked(statements);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** {@link #exec} for a test that looks at the SQLException (its message names the statement). */
    public static void execChecked(String... statements) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                try {
                    s.execute(sql);
                } catch (SQLException e) {
                    throw new SQLException(e.getMessage() + " in: " + sql, e.getSQLState(), e);
                }
            }
        }
    }

    /** The first column of the first row, or null when there is none. */
    public static Object query1(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getObject(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + " in: " + sql, e);
        }
    }
}
