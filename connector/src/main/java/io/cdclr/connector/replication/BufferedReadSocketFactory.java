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

    /**
     * The socket timeout with which PgJDBC asks whether a message is pending ({@code PGStream.hasMessagePending()}: a
     * read of one byte with a 1 ms timeout, nothing else uses it). When the socket has nothing, the stream answers
     * at once with a timeout instead of waiting that millisecond: the same answer, without a wait, a wake-up and a
     * stack trace. Bytes arriving just after are found by the next read or wait, as after a real timeout.
     */
    static final int PGJDBC_POLL_TIMEOUT_MS = 1;

    /** PgJDBC's poll found nothing: a timeout without a stack trace, which nobody logs (PgJDBC catches it). */
    static final class PollTimeout extends java.net.SocketTimeoutException {
        PollTimeout() {
            super("Read timed out (nothing pending)");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** A socket that hands out one buffered input stream: every reader (PgJDBC, then the SSLSocket) shares its buffer. */
    static final class BufferedReadSocket extends Socket {
        private final SocketWatch watch;
        private OneReadBufferedInputStream input;

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
            return stream();
        }

        private synchronized OneReadBufferedInputStream stream() throws IOException {
            if (input == null) {
                input = new OneReadBufferedInputStream(super.getInputStream(), READ_BUFFER_BYTES, watch, this);
            }
            return input;
        }

        int bufferedBytes() throws IOException {
            return stream().buffered();
        }

        /**
         * Waits up to {@code timeoutMs} for the server to send something, without handing anything to the readers
         * above (see {@link OneReadBufferedInputStream#awaitBytes}); the socket's own timeout is restored after.
         * Only for the thread that reads the connection: another reader in between would see the timeout changed.
         *
         * @return true when bytes are buffered, false when none came within the timeout
         * @throws java.io.EOFException when the server closed the connection: nothing will ever arrive
         */
        boolean awaitBytes(int timeoutMs) throws IOException {
            OneReadBufferedInputStream in = stream();
            if (in.buffered() > 0) {
                return true;
            }
            int previous = getSoTimeout();
            setSoTimeout(Math.max(1, timeoutMs));
            try {
                return in.awaitBytes();
            } finally {
                if (!isClosed()) { // closed under the reader (SocketWatch.abort()): let its exception through
                    setSoTimeout(previous);
                }
            }
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
        /** The socket read, to tell PgJDBC's polls ({@link #PGJDBC_POLL_TIMEOUT_MS}) from reads; null: no such test. */
        private final Socket socket;
        private int position;
        private int count;

        OneReadBufferedInputStream(InputStream in, int size) {
            this(in, size, null, null);
        }

        OneReadBufferedInputStream(InputStream in, int size, SocketWatch watch, Socket socket) {
            this.in = in;
            this.buffer = new byte[size];
            this.watch = watch;
            this.socket = socket;
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
            if (socket != null && socket.getSoTimeout() == PGJDBC_POLL_TIMEOUT_MS && in.available() == 0) {
                throw new PollTimeout();
            }
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

        /**
         * When the buffer is empty, one socket read into it with the socket's timeout, consuming nothing: the bytes
         * wait for the next {@code read}, in order, whoever makes it (PgJDBC, or the SSLSocket above, which still sees
         * every byte of each TLS record).
         *
         * @return true when bytes are buffered, false when the read timed out (the buffer is as it was)
         * @throws java.io.EOFException at the end of the stream
         */
        synchronized boolean awaitBytes() throws IOException {
            if (position < count) {
                return true;
            }
            try {
                if (!fill()) {
                    throw new java.io.EOFException("The server closed the replication connection");
                }
                return true;
            } catch (java.net.SocketTimeoutException e) {
                return false;
            }
        }

        synchronized int buffered() {
            return count - position;
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
