package io.cdclr.connector.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

/** Over a real loopback connection: PgJDBC first reads the plain socket, then the SSLSocket layered on it reads it too. */
class BufferedReadSocketFactoryTest {

    @Test
    void everyReaderOfTheSocketContinuesWhereTheLastStopped() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new BufferedReadSocketFactory().createSocket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
            // A second stream with a buffer of its own would wait for bytes the first one already took: fail, don't hang.
            client.setSoTimeout(5000);
            try (Socket peer = server.accept(); OutputStream out = peer.getOutputStream()) {
                out.write(new byte[] {'S', 1, 2, 3, 4, 5});
                out.flush();

                assertEquals('S', client.getInputStream().read()); // PgJDBC's answer to its SSLRequest: one byte
                byte[] rest = client.getInputStream().readNBytes(5); // the layered socket's first read
                assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, rest);
            }
        }
    }

    @Test
    void aTimedOutReadLosesNothing() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new BufferedReadSocketFactory().createSocket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
            try (Socket peer = server.accept(); OutputStream out = peer.getOutputStream()) {
                client.setSoTimeout(1); // how PgJDBC polls for a pending message
                InputStream in = client.getInputStream();
                assertThrows(SocketTimeoutException.class, in::read);

                out.write(new byte[] {7, 8});
                out.flush();
                client.setSoTimeout(5000);
                assertArrayEquals(new byte[] {7, 8}, in.readNBytes(2));
            }
        }
    }

    /**
     * The hazard behind "bad record MAC" drops of the replication connection: a buffered read that copies what it
     * has, reads the socket again (it reported bytes available) and then throws must not lose what it copied. Read
     * the way the SSLSocket reads a record (keep what arrived, retry after a timeout), every byte must arrive once.
     * A scripted stream stands in for the socket: a real one cannot time out after reporting bytes on demand.
     */
    @Test
    void aReadThatThrowsConsumesNothing() throws Exception {
        InputStream socket = new InputStream() {
            private int call;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws SocketTimeoutException {
                switch (call++) {
                    case 0 -> {
                        b[off] = 1;
                        b[off + 1] = 2;
                        b[off + 2] = 3;
                        return 3;
                    }
                    case 1 -> throw new SocketTimeoutException("Read timed out");
                    default -> {
                        b[off] = 4;
                        return 1;
                    }
                }
            }

            @Override
            public int available() {
                return call == 1 ? 1 : 0; // says more is coming, then times out
            }
        };
        InputStream in = new BufferedReadSocketFactory.OneReadBufferedInputStream(socket, 64);

        byte[] record = new byte[4];
        int have = 0;
        int timeouts = 0;
        while (have < record.length) {
            try {
                have += in.read(record, have, record.length - have);
            } catch (SocketTimeoutException e) {
                timeouts++;
            }
        }
        assertArrayEquals(new byte[] {1, 2, 3, 4}, record);
        assertEquals(1, timeouts);
    }

    /**
     * The idle reader's wait: a timeout consumes nothing and leaves the socket's timeout as it was; bytes that arrive
     * are buffered for the next reader, not handed to anyone; the end of the stream is an error, not a wake-up.
     */
    @Test
    void awaitingBytesBuffersThemForTheNextReadAndRestoresTheTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new BufferedReadSocketFactory().createSocket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
            BufferedReadSocketFactory.BufferedReadSocket socket = (BufferedReadSocketFactory.BufferedReadSocket) client;
            client.setSoTimeout(5000);
            try (Socket peer = server.accept(); OutputStream out = peer.getOutputStream()) {
                assertFalse(socket.awaitBytes(20));
                assertEquals(5000, client.getSoTimeout());

                out.write(new byte[] {9, 8, 7});
                out.flush();
                assertTrue(socket.awaitBytes(5000));
                assertEquals(3, socket.bufferedBytes());
                assertEquals(5000, client.getSoTimeout());
                assertArrayEquals(new byte[] {9, 8, 7}, client.getInputStream().readNBytes(3));

                peer.shutdownOutput();
                assertThrows(EOFException.class, () -> socket.awaitBytes(5000));
            }
        }
    }

    /** PgJDBC's poll for a pending message (a 1 ms timed read) is answered without waiting when nothing is there. */
    @Test
    void pgjdbcsPollOfAnEmptySocketTimesOutAtOnceAndStillReadsWhatIsThere() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new BufferedReadSocketFactory().createSocket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
            try (Socket peer = server.accept(); OutputStream out = peer.getOutputStream()) {
                client.setSoTimeout(BufferedReadSocketFactory.PGJDBC_POLL_TIMEOUT_MS);
                InputStream in = client.getInputStream();
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class, in::read);
                assertEquals(0, e.getStackTrace().length, "answered by the stream, not by a timed-out socket read");

                out.write(new byte[] {5, 6});
                out.flush();
                client.setSoTimeout(5000);
                assertTrue(((BufferedReadSocketFactory.BufferedReadSocket) client).awaitBytes(5000));
                client.setSoTimeout(BufferedReadSocketFactory.PGJDBC_POLL_TIMEOUT_MS);
                assertArrayEquals(new byte[] {5, 6}, in.readNBytes(2));
            }
        }
    }
}
