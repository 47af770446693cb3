package io.cdclr.runner.config;

import io.cdclr.connector.replication.PostgresEndpoint;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.sql.SQLException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Why a connection to the source database failed, sorted into what may pass by itself and what will not:
 * <ul>
 * <li>{@link Kind#UNREACHABLE}: connection refused, timed out, unknown host, "the database system is starting up"
 * (57P03), too many connections (53300), the connection dropped while logging in. A failover or a database that starts
 * after the runner looks like this; worth waiting for.
 * <li>{@link Kind#TLS}: the server's certificate is not trusted by the root certificate, does not match the host, a
 * certificate file cannot be read, the server does not speak TLS. Waiting does not help.
 * <li>{@link Kind#REJECTED}: authentication failed, no such database, not allowed by pg_hba.conf, anything else the
 * server answered with. Waiting does not help.
 * </ul>
 */
public record ConnectFailure(Kind kind, String message) {

    public enum Kind { UNREACHABLE, TLS, REJECTED }

    public boolean worthWaiting() {
        return kind == Kind.UNREACHABLE;
    }

    public static ConnectFailure of(SQLException e, PostgresEndpoint endpoint) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String first = firstLine(e.getMessage());
        String user = endpoint.user();
        String target = endpoint.target();
        if (isTls(e)) {
            return new ConnectFailure(Kind.TLS, tlsMessage(e, endpoint, first));
        }
        switch (state) {
            case "28P01", "28000" -> {
                return new ConnectFailure(Kind.REJECTED, "database.user/database.password (PGUSER/PGPASSWORD):"
                        + " PostgreSQL at " + target + " rejected user " + user + ": " + first);
            }
            case "3D000" -> {
                return new ConnectFailure(Kind.REJECTED, "database.dbname (PGDATABASE): PostgreSQL at "
                        + endpoint.host() + ":" + endpoint.port() + " has no database " + endpoint.database() + ": " + first);
            }
            case "57P03", "53300" -> {
                return new ConnectFailure(Kind.UNREACHABLE, unreachable(target, first));
            }
            default -> {
                // Connection refused, timeout, unknown host (08001), or the connection broke while logging in (08006).
                if (state.startsWith("08") || causedBy(e, IOException.class)) {
                    return new ConnectFailure(Kind.UNREACHABLE, unreachable(target, first + rootCause(e)));
                }
                return new ConnectFailure(Kind.REJECTED, "database.hostname/database.port (PGHOST/PGPORT): cannot connect"
                        + " to PostgreSQL at " + target + " as " + user + ": " + first);
            }
        }
    }

    private static String unreachable(String target, String detail) {
        return "database.hostname/database.port (PGHOST/PGPORT): PostgreSQL at " + target + " cannot be reached: "
                + detail;
    }

    private static boolean isTls(SQLException e) {
        if (causedBy(e, GeneralSecurityException.class)) { // certificate path, validation, unreadable key material
            return true;
        }
        String m = messages(e);
        if (m.contains("hostnameverifier") || m.contains("certificate") || m.contains("pkix")
                || m.contains("does not support ssl")) {
            return true;
        }
        // A handshake the network cut short (reset, end of stream: a server going down) is not a TLS setting.
        return causedBy(e, SSLException.class) && !causedBy(e, java.net.SocketException.class)
                && !causedBy(e, java.io.EOFException.class) && !m.contains("connection reset")
                && !m.contains("remote host terminated");
    }

    /** Every message of the cause chain, lower case. */
    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            all.append(' ').append(t.getMessage());
        }
        return all.toString().toLowerCase(Locale.ROOT);
    }

    private static String tlsMessage(SQLException e, PostgresEndpoint endpoint, String first) {
        String mode = "sslmode=" + endpoint.sslMode();
        String rootCert = endpoint.sslRootCert() != null ? endpoint.sslRootCert()
                : "(not set: PgJDBC reads " + PostgresEndpoint.defaultRootCert() + ")";
        String lower = messages(e);
        String what;
        if (lower.contains("hostnameverifier") || lower.contains("no subject alternative")
                || lower.contains("no name matching")) {
            what = "server certificate of " + endpoint.target() + " does not match host " + endpoint.host() + " ("
                    + mode + "; verify-ca checks the signature only)";
        } else if (lower.contains("root certificate file") || causedBy(e, FileNotFoundException.class)) {
            what = "cannot read the root certificate sslrootcert=" + rootCert + " (" + mode + ")";
        } else if (lower.contains("does not support ssl")) {
            what = "PostgreSQL at " + endpoint.target() + " does not accept TLS (" + mode + ")";
        } else if (lower.contains("pkix") || lower.contains("certification path") || lower.contains("certpath")
                || lower.contains("trust")) {
            what = "server certificate of " + endpoint.target() + " not trusted by sslrootcert=" + rootCert + " ("
                    + mode + ")";
        } else {
            what = "handshake with " + endpoint.target() + " failed (" + mode + ", sslrootcert=" + rootCert + ")";
        }
        return "database TLS: " + what + ": " + first;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** " (UnknownHostException: db.example)" for the few causes worth naming, else "". */
    private static String rootCause(Throwable e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof ConnectException || t instanceof SocketTimeoutException
                    || t instanceof NoRouteToHostException || t instanceof SSLException
                    || t instanceof GeneralSecurityException) {
                return " (" + t.getClass().getSimpleName() + ": " + firstLine(t.getMessage()) + ")";
            }
        }
        return "";
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
