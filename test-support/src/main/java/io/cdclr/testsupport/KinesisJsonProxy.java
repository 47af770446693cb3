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
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

/**
 * The plumbing of the HTTP proxies the tests put in front of a Kinesis emulator (JSON protocol, so clients must run
 * with CBOR off): a local server, calls forwarded to the emulator with the client's headers, answers written back. A
 * subclass decides in {@link #handle} what to forward, change or answer itself.
 */
public abstract class KinesisJsonProxy implements AutoCloseable {
    protected static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> HOP_BY_HOP = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "keep-alive", "transfer-encoding", "te", "trailer", "proxy-connection");

    private final String upstream;
    private final ExecutorService executor;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final HttpServer server;

    protected KinesisJsonProxy(String upstream, String threadName) throws IOException {
        this.upstream = upstream.endsWith("/") ? upstream.substring(0, upstream.length() - 1) : upstream;
        this.executor = Executors.newFixedThreadPool(16, runnable -> {
            Thread t = new Thread(runnable, threadName);
            t.setDaemon(true);
            return t;
        });
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers one call (closing the exchange without an answer looks like a dropped connection). */
    protected abstract void handle(HttpExchange exchange) throws IOException;

    /**
     * Sends the call on to the emulator with this body and the client's headers; with {@code target} not null, as that
     * operation (the emulator checks that a request is signed, not the signature: the client's headers do for any target).
     */
    protected HttpResponse<byte[]> forward(HttpExchange exchange, String target, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase()) && (target == null || !name.equalsIgnoreCase("X-Amz-Target"))) {
                values.forEach(v -> request.header(name, v));
            }
        });
        if (target != null) {
            request.header("X-Amz-Target", target);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /**
     * Answers a PutRecords call as Kinesis answers one with throttled entries: only the entries not {@code refused}
     * are forwarded; the answer has the emulator's result for each of those and, in place of each refused one,
     * {@code ProvisionedThroughputExceededException} with {@code refusalMessage(i)} (FailedRecordCount counting both).
     * Returns the results in entry order, or null when the emulator failed the call (its answer is passed on).
     */
    protected ArrayNode forwardPartially(HttpExchange exchange, String target, ObjectNode request, boolean[] refused,
            IntFunction<String> refusalMessage) throws IOException {
        ArrayNode entries = (ArrayNode) request.get("Records");
        ArrayNode kept = JSON.createArrayNode();
        for (int i = 0; i < entries.size(); i++) {
            if (!refused[i]) {
                kept.add(entries.get(i));
            }
        }
        JsonNode upstreamRecords = JSON.createArrayNode();
        if (!kept.isEmpty()) {
            ObjectNode forwarded = request.deepCopy();
            forwarded.set("Records", kept);
            HttpResponse<byte[]> response = forward(exchange, target, JSON.writeValueAsBytes(forwarded));
            if (response.statusCode() != 200) {
                reply(exchange, response.statusCode(), response.body());
                return null;
            }
            upstreamRecords = JSON.readTree(response.body()).get("Records");
        }
        ArrayNode merged = JSON.createArrayNode();
        int failedCount = 0;
        int next = 0;
        for (int i = 0; i < entries.size(); i++) {
            if (refused[i]) {
                failedCount++;
                merged.addObject().put("ErrorCode", "ProvisionedThroughputExceededException")
                        .put("ErrorMessage", refusalMessage.apply(i));
            } else {
                JsonNode result = upstreamRecords.get(next++);
                if (result.has("ErrorCode")) {
                    failedCount++;
                }
                merged.add(result);
            }
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.put("FailedRecordCount", failedCount);
        answer.set("Records", merged);
        reply(exchange, 200, JSON.writeValueAsBytes(answer));
        return merged;
    }

    protected static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
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
