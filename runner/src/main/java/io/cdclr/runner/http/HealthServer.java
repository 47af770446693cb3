package io.cdclr.runner.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Liveness, readiness and Prometheus metrics over HTTP:
 * {@code /health/live}, {@code /health/ready}, {@code /metrics}.
 *
 * <p>One slow or stuck client must not hold the probes of the others: requests are handled by a small pool of
 * threads, and the JDK server closes a connection that takes longer than {@value #MAX_REQUEST_SECONDS} s to send
 * its request or to take its response (a client that sends half a request and stops holds a handler thread until
 * then).
 */
public final class HealthServer implements AutoCloseable {
    static final int THREADS = 4;
    static final long MAX_REQUEST_SECONDS = 5;
    static final long MAX_RESPONSE_SECONDS = 10;

    static {
        // The JDK's HttpServer reads these once, when its first server is created; -D on the command line wins.
        setIfAbsent("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
        setIfAbsent("sun.net.httpserver.maxRspTime", MAX_RESPONSE_SECONDS);
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private static void setIfAbsent(String property, long value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Long.toString(value));
        }
    }

    public HealthServer(String bindAddress, int port, BooleanSupplier live, BooleanSupplier ready, RunnerMetrics metrics)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
        server.createContext("/health/live", ex -> status(ex, live.getAsBoolean(), "live"));
        server.createContext("/health/ready", ex -> status(ex, ready.getAsBoolean(), "ready"));
        PrometheusTextFormatWriter format = PrometheusTextFormatWriter.create();
        server.createContext("/metrics", ex -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            format.write(body, metrics.registry().scrape());
            respond(ex, 200, format.getContentType(), body.toByteArray());
        });
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "cdc-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void status(HttpExchange ex, boolean ok, String what) throws IOException {
        byte[] body = ((ok ? "" : "not ") + what + "\n").getBytes(StandardCharsets.UTF_8);
        respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", body);
    }

    private static void respond(HttpExchange ex, int code, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
