package io.cdclr.runner.testing;

import io.cdclr.testsupport.LocalServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/** Where a PostgreSQL is: the shared local one ({@link #shared()}) or a cluster the test started ({@link OwnPostgres}). */
public record Db(String host, int port, String user, String password, String database, String sslmode) {

    public static Db shared() {
        return new Db(LocalServices.pgHost(), LocalServices.pgPort(), LocalServices.pgUser(), LocalServices.pgPassword(),
                LocalServices.pgDatabase(), LocalServices.pgSslMode());
    }

    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("sslmode", sslmode);
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, props);
    }

    /** The runner's PG* variables for this database. */
    public void putInto(Map<String, String> env) {
        env.put("PGHOST", host);
        env.put("PGPORT", Integer.toString(port));
        env.put("PGUSER", user);
        env.put("PGPASSWORD", password);
        env.put("PGDATABASE", database);
        env.put("PGSSLMODE", sslmode);
    }
}
