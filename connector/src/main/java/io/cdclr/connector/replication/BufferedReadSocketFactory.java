package io.cdclr.connector.replication;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Objects;
import javax.net.SocketFactory;

/**
 * Plain sockets whose input is read through a 64 KiB buffer, for the replication connection (PgJDBC's
 * {@code socketFactory} property).
 *
 * <p>Why: with SSL on, the JDK's SSLSocket reads each TLS record from the socket in two calls (its 5-byte header,
 * then its body), and a layered SSLSocket reads from this socket's {@link #getInputStream()}. Unbuffered, that is two
 * read system calls per TLS record (at most 16 KiB, usually 8 KiB from PostgreSQL), which was about 45 % of the
 * replication reader's CPU while streaming a backlog (profiled, docs/benchmarks.md). Buffered, one system call
 * takes whatever the kernel has, many records at a time. Without SSL, PgJDBC's own 8 KiB buffer sits on top and
 * the saving is smaller but the same in kind.
 *
 * <p>Safe for PgJDBC's timed reads (it sets a 1 ms socket timeout to poll for pending messages): a read that
 * times out leaves the buffer as it was.
 */
public final class BufferedReadSocketFactory extends SocketFactory {
    static final int READ_BUFFER_BYTES = 64 * 1024;

    /** The watch the replication session registered for this connection, or null. */
    private final SocketWatch watch;

    public BufferedReadSocketFactory() {
        this.watch = null;
    }

    /**
     * PgJDBC instantiates the factory by class name with this constructor, passing {@code socketFactoryArg}: the
     * token of the session's {@link SocketWatch}, which learns when bytes arrive and can close the socket.
     */
    public BufferedReadSocketFactory(String watchToken) {
        this.watch = SocketWatch.lookup(watchToken);
    }

    @Override
    public Socket createSocket() {
        return new BufferedReadSocket(watch);
    }

    // PgJDBC only calls createSocket() and connects it itself; the others are here for the SocketFactory contract.
    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket socket = createSocket();
        try {
            if (local != null) {
                socket.bind(local);
            }
            socket.connect(remote);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** A socket that hands out one buffered input stream: every reader (PgJDBC, then the SSLSocket) shares its buffer. */
    static final class BufferedReadSocket extends Socket {
        private final SocketWatch watch;
        private InputStream input;

        BufferedReadSocket(SocketWatch watch) {
            this.watch = watch;
        }

        @Override
        public void connect(java.net.SocketAddress endpoint, int timeout) throws IOException {
            super.connect(endpoint, timeout);
            if (watch != null) {
                watch.attach(this);
            }
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (input == null) {
                input = new OneReadBufferedInputStream(super.getInputStream(), READ_BUFFER_BYTES, watch);
            }
            return input;
        }
    }

    /**
     * A read buffer whose {@code read} either returns the bytes it consumed or throws having consumed none.
     *
     * <p>Why not {@link java.io.BufferedInputStream}: after copying what its buffer held, it reads the socket again
     * whenever the socket reports bytes available, and if that read throws (PgJDBC polls with a 1 ms socket timeout)
     * the bytes already copied are consumed but never reported. The SSLSocket above then misses part of a TLS
     * record: "bad record MAC", and the replication connection drops and reconnects. Measured: 3 drops in 7 runs of
     * 200,000 changes streamed over SSL with it, none in 6 with this stream, nor in 6 without any buffer.
     * Here a read that needs the socket makes exactly one socket read, before consuming anything.
     */
    static final class OneReadBufferedInputStream extends InputStream {
        private final InputStream in;
        private final byte[] buffer;
        private final SocketWatch watch;
        private int position;
        private int count;

        OneReadBufferedInputStream(InputStream in, int size) {
            this(in, size, null);
        }

        OneReadBufferedInputStream(InputStream in, int size, SocketWatch watch) {
            this.in = in;
            this.buffer = new byte[size];
            this.watch = watch;
        }

        @Override
        public synchronized int read() throws IOException {
            if (position == count && !fill()) {
                return -1;
            }
            return buffer[position++] & 0xff;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (position == count && !fill()) {
                return -1;
            }
            int n = Math.min(len, count - position);
            System.arraycopy(buffer, position, b, off, n);
            position += n;
            return n;
        }

        /** One socket read into the empty buffer; false at the end of the stream. Throws with the buffer unchanged. */
        private boolean fill() throws IOException {
            int n = in.read(buffer, 0, buffer.length);
            if (n <= 0) {
                return false;
            }
            position = 0;
            count = n;
            if (watch != null) {
                watch.received();
            }
            return true;
        }

        @Override
        public synchronized int available() throws IOException {
            return count - position + in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
