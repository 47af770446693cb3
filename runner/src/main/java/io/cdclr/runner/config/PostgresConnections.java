package io.cdclr.runner.config;

import io.cdclr.connector.replication.PostgresEndpoint;
import io.cdclr.connector.source.Wal2JsonSourceConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain (non-replication) connections of the runner to the source database (preflight, the slot-lag metric, reset,
 * stored offsets), built from the configuration's one {@link PostgresEndpoint}.
 */
public final class PostgresConnections {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresConnections.class);
    /** First pause between attempts while the database cannot be reached; doubles up to {@link #MAX_BACKOFF_MS}. */
    static final long FIRST_BACKOFF_MS = 1_000;
    static final long MAX_BACKOFF_MS = 10_000;

    private final PostgresEndpoint endpoint;

    public PostgresConnections(RunnerConfig config) {
        this(config.endpoint());
    }

    /** From the database keys of a configuration map (tests, tools); the runner passes its {@link RunnerConfig}. */
    public PostgresConnections(Map<String, String> values) {
        this(Wal2JsonSourceConfig.endpoint(values));
    }

    public PostgresConnections(PostgresEndpoint endpoint) {
        this.endpoint = endpoint.withApplicationName(endpoint.applicationName() + "-runner");
    }

    public Connection open() throws SQLException {
        return endpoint.open();
    }

    public PostgresEndpoint endpoint() {
        return endpoint;
    }

    /** host:port/database, for messages (never the password). */
    public String target() {
        return endpoint.target();
    }

    /**
     * One connection attempt, for the start: null when connected, the failure when it is worth waiting for
     * ({@link #awaitReachable}); what waiting cannot fix (credentials, unknown database, TLS) is a {@link ConfigError}.
     */
    public ConnectFailure tryConnect() {
        try (Connection ignored = open()) {
            return null;
        } catch (SQLException e) {
            ConnectFailure failure = ConnectFailure.of(e, endpoint);
            if (!failure.worthWaiting()) {
                throw new ConfigError(failure.message());
            }
            return failure;
        }
    }

    /**
     * Keeps trying after {@code first} failed, with exponential backoff, while the database cannot be reached (a
     * failover, a database starting after the runner), at most {@code bound}; a warning per attempt names the target.
     * What waiting cannot fix is a {@link ConfigError} at once.
     *
     * @param stopped polled while waiting: a stop request (SIGTERM) ends the wait
     * @return true once connected, false if stopped first
     * @throws DatabaseUnreachableException when the bound runs out
     */
    public boolean awaitReachable(ConnectFailure first, Duration bound, BooleanSupplier stopped)
            throws InterruptedException {
        long started = System.nanoTime();
        long backoff = FIRST_BACKOFF_MS;
        ConnectFailure failure = first;
        for (int attempt = 1; failure != null; attempt++) {
            long remaining = bound.toMillis() - elapsedMs(started);
            if (remaining <= 0) {
                throw new DatabaseUnreachableException(failure.message() + "; gave up after " + attempt
                        + (attempt == 1 ? " attempt" : " attempts") + " in " + elapsedMs(started) / 1000 + " s ("
                        + RunnerSettings.DATABASE_CONNECT_WAIT_MS + "=" + bound.toMillis() + ")");
            }
            long pause = Math.min(backoff, remaining);
            LOG.warn("event=database_unreachable target={} attempt={} retry_in_ms={} waited_ms={} wait_bound_ms={}"
                    + " error=\"{}\"", target(), attempt, pause, elapsedMs(started), bound.toMillis(), failure.message());
            long until = System.nanoTime() + pause * 1_000_000L;
            while (System.nanoTime() < until) {
                if (stopped.getAsBoolean()) {
                    return false;
                }
                Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000L)));
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            failure = tryConnect();
            if (failure == null) {
                LOG.info("event=database_reachable target={} attempts={} waited_ms={}", target(), attempt + 1,
                        elapsedMs(started));
            }
        }
        return true;
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000L;
    }
}
