package io.cdclr.runner.faults;

import io.cdclr.runner.testing.TestEnv;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/** Where a PostgreSQL is: the shared local one ({@link #shared()}) or a cluster the test started ({@link OwnPostgres}). */
record Db(String host, int port, String user, String password, String database, String sslmode) {

    static Db shared() {
        return new Db(TestEnv.env("PGHOST", "127.0.0.1"), Integer.parseInt(TestEnv.env("PGPORT", "5432")),
                TestEnv.env("PGUSER", "cdc"), TestEnv.env("PGPASSWORD", "cdc"), TestEnv.env("PGDATABASE", "cdc"),
                TestEnv.env("PGSSLMODE", "prefer"));
    }

    Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("sslmode", sslmode);
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, props);
    }

    /** The runner's PG* variables for this database. */
    void putInto(Map<String, String> env) {
        env.put("PGHOST", host);
        env.put("PGPORT", Integer.toString(port));
        env.put("PGUSER", user);
        env.put("PGPASSWORD", password);
        env.put("PGDATABASE", database);
        env.put("PGSSLMODE", sslmode);
    }
}
