package io.cdclr.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of PostgreSQL that can go silent the way a failed-over host or a dropped route does: on
 * {@link #silence()} it stops forwarding in both directions on every connection WITHOUT closing any (no RST, no FIN;
 * bytes already read are held, not dropped), and new connections are accepted but get nothing forwarded (or, with
 * {@code acceptWhileSilent=false}, wait in the listen backlog). {@link #restore()} resumes forwarding, held bytes
 * first. Nothing real produces this on demand on one machine: stopping a server or killing a process closes sockets.
 */
public final class SilentTcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final boolean acceptWhileSilent;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private final Thread acceptor;
    public final AtomicInteger connections = new AtomicInteger();
    private volatile boolean silent;
    private volatile boolean closed;

    public SilentTcpProxy(String upstreamHost, int upstreamPort, boolean acceptWhileSilent) throws IOException {
        this.upstream = new InetSocketAddress(upstreamHost, upstreamPort);
        this.acceptWhileSilent = acceptWhileSilent;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "silent-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Stops forwarding on every connection, old and new, closing nothing. */
    public void silence() {
        silent = true;
    }

    /** Forwards again: held bytes first, then whatever comes. */
    public void restore() {
        synchronized (gate) {
            silent = false;
            gate.notifyAll();
        }
    }

    private void awaitSpeaking() throws InterruptedException {
        synchronized (gate) {
            while (silent && !closed) {
                gate.wait(200);
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                if (!acceptWhileSilent) {
                    awaitSpeaking();
                }
                Socket client = server.accept();
                connections.incrementAndGet();
                sockets.add(client);
                Thread opener = new Thread(() -> open(client), "silent-proxy-open");
                opener.setDaemon(true);
                opener.start();
            } catch (IOException | InterruptedException e) {
                if (!closed) {
                    System.err.println("silent proxy: accept failed: " + e);
                }
                return;
            }
        }
    }

    /** Connects upstream only when speaking: a new connection during silence gets nothing, not even the server. */
    private void open(Socket client) {
        try {
            awaitSpeaking();
            Socket server = new Socket();
            sockets.add(server);
            server.connect(upstream, 5000);
            pump(client, server, "up");
            pump(server, client, "down");
        } catch (IOException | InterruptedException e) {
            closeQuietly(client);
        }
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                while (true) {
                    awaitSpeaking(); // silent: read no more, so the sender's kernel buffers fill as on a dead route
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    awaitSpeaking(); // went silent while reading: hold these bytes until restored
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // one side closed: close the other below, as a real connection end would
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "silent-proxy-" + direction);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        restore();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
