package io.cdclr.runner.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * Liveness, readiness and Prometheus metrics over HTTP:
 * {@code /health/live}, {@code /health/ready}, {@code /metrics}.
 */
public final class HealthServer implements AutoCloseable {
    private final HttpServer server;

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
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cdc-http");
            t.setDaemon(true);
            return t;
        }));
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
    }
}
