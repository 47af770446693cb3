package io.cdclr.runner.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The real health server against clients that open a connection and then stall. */
class HealthServerTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** A connection that sent the request line and part of the headers, then nothing: the handler waits for the rest. */
    private static Socket halfRequest(int port) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        OutputStream out = s.getOutputStream();
        out.write("GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    private static int probe(int port, Duration timeout) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                .timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        System.out.printf("probe answered %d in %d ms%n", r.statusCode(), (System.nanoTime() - start) / 1_000_000);
        return r.statusCode();
    }

    @Test
    void aClientThatSendsHalfARequestDoesNotBlockTheReadinessProbe() throws Exception {
        try (HealthServer server = new HealthServer("127.0.0.1", 0, () -> true, () -> true, new RunnerMetrics());
             Socket stalled = halfRequest(server.port())) {
            Thread.sleep(300); // the stalled request is with a handler thread
            // Before: one handler thread, held by the stalled client until it sends the rest, which it never does.
            assertEquals(200, probe(server.port(), Duration.ofSeconds(4)));
            assertEquals(200, probe(server.port(), Duration.ofSeconds(4)));
        }
    }

    @Test
    void moreStalledClientsThanHandlerThreadsAreCutOffAndTheProbeIsAnswered() throws Exception {
        try (HealthServer server = new HealthServer("127.0.0.1", 0, () -> true, () -> false, new RunnerMetrics())) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < HealthServer.THREADS + 2; i++) {
                    stalled.add(halfRequest(server.port()));
                }
                Thread.sleep(300);
                // Every handler thread is held; the server closes the stalled connections after its request time bound.
                assertEquals(503, probe(server.port(), Duration.ofSeconds(HealthServer.MAX_REQUEST_SECONDS * 4)));
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
        }
    }
}
