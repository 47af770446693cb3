package io.cdclr.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP proxy in front of a Kinesis emulator (JSON protocol, so the runner must run with CBOR off). It forwards
 * every call, except that, in the chosen mode, PutRecords is:
 * <ul>
 * <li>{@link Mode#THROTTLE_CALLS}: answered 400 {@code ProvisionedThroughputExceededException} as a whole, nothing written;
 * <li>{@link Mode#THROTTLE_ENTRIES}: forwarded with only some of its entries; the others are reported back as failed
 * with {@code ProvisionedThroughputExceededException} (FailedRecordCount &gt; 0), so an entry reported failed was
 * really not written;
 * <li>{@link Mode#UNREACHABLE}: the connection is closed without an answer (what a client sees of a stopped emulator).
 * </ul>
 */
public final class ThrottlingProxy implements AutoCloseable {
    public enum Mode { PASS, THROTTLE_CALLS, THROTTLE_ENTRIES, UNREACHABLE }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> HOP_BY_HOP = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "keep-alive", "transfer-encoding", "te", "trailer", "proxy-connection");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String upstream;
    private final Random random;
    private volatile Mode mode = Mode.PASS;
    private final AtomicInteger forwarding = new AtomicInteger();
    public final AtomicLong throttledCalls = new AtomicLong();
    public final AtomicLong throttledEntries = new AtomicLong();
    public final AtomicLong refusedCalls = new AtomicLong();

    public ThrottlingProxy(String upstream, long seed) throws IOException {
        this.upstream = upstream;
        this.random = new Random(seed);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    /** Waits until no call is being handled (after switching to a mode that forwards nothing). */
    public void awaitIdle() throws InterruptedException {
        while (forwarding.get() > 0) {
            Thread.sleep(20);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        forwarding.incrementAndGet(); // counted from the start, so awaitIdle() also waits for a call that saw the old mode
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            boolean putRecords = target != null && target.endsWith(".PutRecords");
            Mode current = mode;
            if (current == Mode.UNREACHABLE) {
                refusedCalls.incrementAndGet();
                return; // closes the connection without an answer
            }
            if (putRecords && current == Mode.THROTTLE_CALLS) {
                throttledCalls.incrementAndGet();
                reply(exchange, 400, "{\"__type\":\"ProvisionedThroughputExceededException\",\"message\":\"Rate exceeded\"}"
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (putRecords && current == Mode.THROTTLE_ENTRIES) {
                putSomeRecords(exchange, body);
                return;
            }
            forward(exchange, body);
        } catch (IOException | RuntimeException e) {
            // the client sees a closed connection
        } finally {
            forwarding.decrementAndGet();
        }
    }

    private void putSomeRecords(HttpExchange exchange, byte[] body) throws IOException {
        ObjectNode request = (ObjectNode) JSON.readTree(body);
        ArrayNode entries = (ArrayNode) request.get("Records");
        List<Integer> kept = new ArrayList<>();
        boolean[] failed = new boolean[entries.size()];
        synchronized (random) {
            for (int i = 0; i < entries.size(); i++) {
                failed[i] = random.nextInt(100) < 40;
                if (!failed[i]) {
                    kept.add(i);
                }
            }
        }
        JsonNode upstreamRecords = JSON.createArrayNode();
        if (!kept.isEmpty()) {
            ArrayNode keptEntries = JSON.createArrayNode();
            kept.forEach(i -> keptEntries.add(entries.get(i)));
            request.set("Records", keptEntries);
            HttpResponse<byte[]> response = send(exchange, JSON.writeValueAsBytes(request));
            if (response.statusCode() != 200) {
                reply(exchange, response.statusCode(), response.body());
                return;
            }
            upstreamRecords = JSON.readTree(response.body()).get("Records");
        }
        ArrayNode merged = JSON.createArrayNode();
        int failedCount = 0;
        int next = 0;
        for (int i = 0; i < entries.size(); i++) {
            if (failed[i]) {
                failedCount++;
                merged.addObject().put("ErrorCode", "ProvisionedThroughputExceededException")
                        .put("ErrorMessage", "Rate exceeded for shard shardId-000000000000 in stream under account 000000000000.");
            } else {
                JsonNode result = upstreamRecords.get(next++);
                if (result.has("ErrorCode")) {
                    failedCount++;
                }
                merged.add(result);
            }
        }
        throttledEntries.addAndGet(failedCount);
        ObjectNode answer = JSON.createObjectNode();
        answer.put("FailedRecordCount", failedCount);
        answer.set("Records", merged);
        reply(exchange, 200, JSON.writeValueAsBytes(answer));
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException {
        HttpResponse<byte[]> response = send(exchange, body);
        reply(exchange, response.statusCode(), response.body());
    }

    private HttpResponse<byte[]> send(HttpExchange exchange, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                values.forEach(v -> request.header(name, v));
            }
        });
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
