package io.cdclr.connector.replication;

import java.util.Properties;

/**
 * The network bounds of every JDBC connection to the source database, in one place: a PostgreSQL host that stops
 * answering without a reset (a failover, a dropped route, a security group change) must fail a connection attempt
 * or a query within a bounded time, never hang the thread that asked.
 *
 * <ul>
 * <li>{@code connectTimeout}: the TCP connect;
 * <li>{@code loginTimeout}: the whole login (TCP connect, TLS handshake, authentication, startup), which otherwise
 * waits forever for a server that accepted the connection and then went silent;
 * <li>{@code socketTimeout}: any single read on an ordinary (non-replication) connection; 0 means none;
 * <li>{@code tcpKeepAlive}: lets the kernel notice a dead peer on an idle connection.
 * </ul>
 * The replication connection gets a socket timeout only while it logs in and starts streaming (see
 * {@link ReplicationSession}): PgJDBC polls the stream with its own 1 ms timeouts and reads a timed-out read in
 * the middle of a message as "nothing pending", losing the message's head. Silence on it is the watchdog's job.
 *
 * @param connectTimeoutMs bound of the TCP connect and of the login, milliseconds (rounded up to seconds)
 * @param socketTimeoutMs  bound of one read on an ordinary connection, milliseconds (rounded up to seconds); 0: none
 */
public record ConnectionTimeouts(long connectTimeoutMs, long socketTimeoutMs) {

    /** Sets the properties of an ordinary connection (slot queries, heartbeats, offsets, catalog, preflight). */
    public Properties applyTo(Properties p) {
        String connect = Long.toString(seconds(connectTimeoutMs));
        p.setProperty("connectTimeout", connect);
        p.setProperty("loginTimeout", connect);
        p.setProperty("socketTimeout", Long.toString(seconds(socketTimeoutMs)));
        p.setProperty("tcpKeepAlive", "true");
        return p;
    }

    /** The socket timeout in milliseconds as PgJDBC applies it (whole seconds), 0 for none. */
    public int socketTimeoutMillisApplied() {
        return (int) Math.min(Integer.MAX_VALUE, seconds(socketTimeoutMs) * 1000L);
    }

    private static long seconds(long ms) {
        return ms <= 0 ? 0 : (ms + 999) / 1000;
    }
}
