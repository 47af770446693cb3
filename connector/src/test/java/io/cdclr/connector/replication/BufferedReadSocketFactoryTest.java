package io.cdclr.connector.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
