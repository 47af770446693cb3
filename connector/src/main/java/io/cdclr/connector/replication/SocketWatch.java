package io.cdclr.connector.replication;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketOption;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication connection's own socket, seen from outside PgJDBC: when a byte last arrived from the server, and a
 * way to close the socket from another thread.
 *
 * <p>Why: PgJDBC hands the replication stream keepalives and messages alike through {@code readPending()}, so the
 * session cannot tell from PgJDBC whether the server said anything; and a thread blocked inside PgJDBC (a read in the
 * middle of a message, a write into a full send buffer) is released only by closing the socket under it. PgJDBC
 * creates the socket with {@link BufferedReadSocketFactory}, which it instantiates by class name, on a thread of its
 * own when {@code loginTimeout} is set: the session registers a watch under a token, passes the token as the
 * factory's argument ({@code socketFactoryArg}), and the factory attaches the socket it creates.
 */
public final class SocketWatch {
    private static final Logger LOG = LoggerFactory.getLogger(SocketWatch.class);
    private static final Map<String, SocketWatch> REGISTERED = new ConcurrentHashMap<>();

    private final String token = UUID.randomUUID().toString();
    private final int keepAliveIdleSeconds;
    private volatile Socket socket;
    private volatile long lastReceivedNanos = System.nanoTime();

    private SocketWatch(int keepAliveIdleSeconds) {
        this.keepAliveIdleSeconds = keepAliveIdleSeconds;
    }

    /**
     * A watch the factory can find by {@link #token()} until {@link #unregister()}.
     *
     * @param keepAliveIdleSeconds TCP keepalive: first probe after this many idle seconds, then every third of it,
     *                             three probes (Linux; elsewhere only SO_KEEPALIVE with the system's timing); 0: none
     */
    static SocketWatch register(int keepAliveIdleSeconds) {
        SocketWatch watch = new SocketWatch(keepAliveIdleSeconds);
        REGISTERED.put(watch.token, watch);
        return watch;
    }

    static SocketWatch lookup(String token) {
        return token == null ? null : REGISTERED.get(token);
    }

    String token() {
        return token;
    }

    void unregister() {
        REGISTERED.remove(token);
    }

    /** Called by the factory's socket once connected: the last socket created for this watch is the one in use. */
    void attach(Socket connected) {
        socket = connected;
        received();
        if (keepAliveIdleSeconds > 0) {
            try {
                connected.setKeepAlive(true);
                int interval = Math.max(1, keepAliveIdleSeconds / 3);
                setIfSupported(connected, jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, keepAliveIdleSeconds);
                setIfSupported(connected, jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, interval);
                setIfSupported(connected, jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
            } catch (IOException | RuntimeException e) {
                LOG.debug("TCP keepalive options not set on the replication socket: {}", e.toString());
            }
        }
    }

    private static void setIfSupported(Socket s, SocketOption<Integer> option, int value) throws IOException {
        if (s.supportedOptions().contains(option)) {
            s.setOption(option, value);
        }
    }

    /** Bytes arrived from the server. */
    void received() {
        lastReceivedNanos = System.nanoTime();
    }

    public long lastReceivedNanos() {
        return lastReceivedNanos;
    }

    /** Whether {@link #awaitBytes} can wait on the socket: it is one of {@link BufferedReadSocketFactory}'s. */
    boolean canAwaitBytes() {
        return socket instanceof BufferedReadSocketFactory.BufferedReadSocket;
    }

    /** Bytes read from the socket that no reader above has taken yet. Only when {@link #canAwaitBytes()}. */
    boolean hasBufferedBytes() throws IOException {
        return ((BufferedReadSocketFactory.BufferedReadSocket) socket).bufferedBytes() > 0;
    }

    /**
     * Waits up to {@code timeoutMs} for bytes from the server, buffering them below every reader without consuming
     * any; records their arrival ({@link #lastReceivedNanos()}). Only for the thread that reads the connection, and
     * only when {@link #canAwaitBytes()}.
     *
     * @return true when bytes are buffered, false when none came within the timeout
     * @throws IOException when the socket failed, was closed ({@link #abort()}) or reached the end of the stream
     */
    boolean awaitBytes(int timeoutMs) throws IOException {
        return ((BufferedReadSocketFactory.BufferedReadSocket) socket).awaitBytes(timeoutMs);
    }

    /** Closes the socket under whatever thread is blocked on it; that thread then fails with an I/O error. */
    void abort() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.debug("Closing the replication socket failed: {}", e.toString());
            }
        }
    }
}
