package io.cdclr.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import io.cdclr.connector.replication.PostgresEndpoint;
import io.cdclr.connector.source.Wal2JsonSourceConfig;
import io.cdclr.runner.config.EnvironmentVariables;
import io.cdclr.runner.config.RunnerConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/** The benchmark's database side: tables, slots, publications and the workloads, over plain JDBC. */
final class Postgres implements AutoCloseable {
    static final String COLUMNS = "id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, "
            + "amount numeric(12,2) NOT NULL, note text, updated_at timestamptz NOT NULL DEFAULT now()";

    /** The runner's endpoint for the same PG* variables (TLS included), with the local services' defaults. */
    static final PostgresEndpoint ENDPOINT = endpoint();

    final String host = ENDPOINT.host();
    final String port = Integer.toString(ENDPOINT.port());
    final String user = ENDPOINT.user();
    final String password = ENDPOINT.password();
    final String database = ENDPOINT.database();
    private final Connection connection;

    Postgres() throws SQLException {
        connection = ENDPOINT.open();
        connection.setAutoCommit(true);
    }

    private static PostgresEndpoint endpoint() {
        Map<String, String> values = new HashMap<>();
        values.put("database.hostname", "127.0.0.1");
        values.put("database.user", "cdc");
        values.put("database.password", "cdc");
        values.put("database.dbname", "cdc");
        values.put("database.application.name", "cdc-bench");
        EnvironmentVariables.overrides(System.getenv(), RunnerConfig.knownKeys())
                .forEach((key, override) -> values.put(key, override.value()));
        return Wal2JsonSourceConfig.endpoint(values);
    }

    void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    String queryString(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Runs a {@code COPY ... TO STDOUT} into a null stream (PgJDBC's copy API); returns the rows copied. */
    long copyOut(String copySql) throws SQLException, java.io.IOException {
        return connection.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
                .copyOut(copySql, java.io.OutputStream.nullOutputStream());
    }

    void createOrdersTable(String table) throws SQLException {
        execute("DROP TABLE IF EXISTS " + table);
        execute("CREATE TABLE " + table + " (" + COLUMNS + ")");
    }

    void createSlot(String slot, String plugin) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_create_logical_replication_slot(?, ?)")) {
            ps.setString(1, slot);
            ps.setString(2, plugin);
            ps.execute();
        }
    }

    /** Drops the slot once no session holds it any more (a stopped contender may take a moment to let go). */
    void dropSlot(String slot) throws SQLException, InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            String active = queryString("SELECT active::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
            if (active == null) {
                return;
            }
            if (active.equals("false")) {
                execute("SELECT pg_drop_replication_slot('" + slot + "')");
                return;
            }
            Thread.sleep(200);
        }
        System.out.println("  (slot " + slot + " still active; not dropped)");
    }

    String currentLsn() throws SQLException {
        return queryString("SELECT pg_current_wal_insert_lsn()::text");
    }

    /** The orders workload: inserts, then updates, then deletes, one statement (one transaction) each. */
    void mixedWorkload(String table, int inserts, int updates, int deletes) throws SQLException {
        insertRows(table, 1, inserts);
        execute("UPDATE " + table + " SET status = 'shipped', amount = amount + 1, updated_at = now() WHERE id <= " + updates);
        execute("DELETE FROM " + table + " WHERE id > " + (inserts - deletes));
    }

    void insertRows(String table, long from, long to) throws SQLException {
        execute("INSERT INTO " + table + " (id, customer_id, status, amount, note) SELECT g, (g % 5000)::int, 'new', "
                + "(g % 100000) / 100.0 + 1, 'order ' || g || ' for customer ' || (g % 5000) FROM generate_series("
                + from + ", " + to + ") g");
    }

    /**
     * A fixed offered load: every 10 ms one transaction of rate/100 inserted rows, for the given time. Ticks are
     * scheduled from the start, so a slow tick is caught up rather than lowering the rate.
     */
    long pacedInserts(String table, long firstId, int ratePerSecond, int seconds, LongConsumer progress) throws Exception {
        int perTick = Math.max(1, ratePerSecond / 100);
        long ticks = seconds * 100L;
        long start = System.nanoTime();
        long id = firstId;
        for (long tick = 0; tick < ticks; tick++) {
            long due = start + tick * 10_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            insertRows(table, id, id + perTick - 1);
            id += perTick;
            if (tick % 500 == 499) {
                progress.accept(id - firstId);
            }
        }
        return id - firstId;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
