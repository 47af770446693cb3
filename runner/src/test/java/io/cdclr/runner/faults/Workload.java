package io.cdclr.runner.faults;

import io.cdclr.runner.testing.Capture;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes steadily into {@code items} until stopped: each transaction inserts new rows and updates (and now and then
 * deletes) earlier ones, so many keys get several changes whose order matters; every tenth transaction rolls back
 * (its rows carry the note {@code rolled-back}). Survives a database restart: a failed transaction is retried on a
 * new connection (whether it committed is for the oracle slot to say, not the workload).
 */
final class Workload implements AutoCloseable {
    static final String[] DDL = {"CREATE TABLE items(id bigint primary key, v int not null, note text)",
        "CREATE TABLE markers(id bigserial primary key, note text)"};
    static final String ROLLED_BACK = "rolled-back";

    private final Capture capture;
    private final Random random;
    private final long pauseMillis;
    private final Thread thread;
    private volatile boolean running = true;
    private long nextId = 1;
    final AtomicLong committedTransactions = new AtomicLong();
    final AtomicLong failedTransactions = new AtomicLong();
    final AtomicLong rolledBackTransactions = new AtomicLong();

    Workload(Capture capture, long seed, long pauseMillis) {
        this.capture = capture;
        this.random = new Random(seed);
        this.pauseMillis = pauseMillis;
        this.thread = new Thread(this::run, "workload");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Connection conn = null;
        long tx = 0;
        while (running) {
            try {
                if (conn == null) {
                    conn = capture.db.connect();
                    conn.setAutoCommit(false);
                    try (Statement st = conn.createStatement()) {
                        st.execute("SET search_path = " + capture.schema);
                    }
                }
                tx++;
                boolean rollback = tx % 10 == 0;
                try (Statement st = conn.createStatement()) {
                    long first = nextId;
                    int rows = 3 + random.nextInt(5);
                    st.execute("INSERT INTO items SELECT g, 0, '" + (rollback ? ROLLED_BACK : "tx " + tx)
                            + "' FROM generate_series(" + first + ", " + (first + rows - 1) + ") g");
                    if (first > 1) {
                        for (int u = 0; u < 3; u++) {
                            long id = 1 + (long) random.nextInt((int) Math.min(first - 1, 200)) + Math.max(0, first - 201);
                            st.execute("UPDATE items SET v = v + 1, note = '" + (rollback ? ROLLED_BACK : "u" + tx)
                                    + "' WHERE id = " + id);
                        }
                        if (random.nextInt(4) == 0) {
                            st.execute("DELETE FROM items WHERE id = " + (first - 1 - random.nextInt((int) Math.min(first - 1, 50))));
                        }
                    }
                    if (rollback) {
                        conn.rollback();
                        rolledBackTransactions.incrementAndGet();
                    } else {
                        conn.commit();
                        nextId = first + rows;
                        committedTransactions.incrementAndGet();
                    }
                }
            } catch (SQLException e) {
                failedTransactions.incrementAndGet();
                closeQuietly(conn);
                conn = null;
                // A failed commit may or may not have committed: never reuse its ids.
                nextId += 10;
                sleep(200);
                continue;
            }
            sleep(pauseMillis);
        }
        closeQuietly(conn);
    }

    /**
     * Commits one row with a unique note (retrying while the database is down), to time how soon a change made now
     * reaches Kinesis.
     */
    String marker(String name) throws InterruptedException {
        String note = "marker " + name + " " + System.nanoTime();
        while (true) {
            try {
                capture.execute("INSERT INTO markers(note) VALUES ('" + note + "')");
                return note;
            } catch (SQLException e) {
                Thread.sleep(200);
            }
        }
    }

    private static void closeQuietly(Connection conn) {
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // gone anyway
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
    }
}
