package io.cdclr.testsupport;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Random;
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
public final class ThrottlingProxy extends KinesisJsonProxy {
    public enum Mode { PASS, THROTTLE_CALLS, THROTTLE_ENTRIES, UNREACHABLE }

    private final Random random;
    private volatile Mode mode = Mode.PASS;
    private final AtomicInteger forwarding = new AtomicInteger();
    public final AtomicLong throttledCalls = new AtomicLong();
    public final AtomicLong throttledEntries = new AtomicLong();
    public final AtomicLong refusedCalls = new AtomicLong();

    public ThrottlingProxy(String upstream, long seed) throws IOException {
        super(upstream, "throttling-proxy");
        this.random = new Random(seed);
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

    @Override
    protected void handle(HttpExchange exchange) throws IOException {
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
        boolean[] failed = new boolean[request.get("Records").size()];
        synchronized (random) {
            for (int i = 0; i < failed.length; i++) {
                failed[i] = random.nextInt(100) < 40;
            }
        }
        ArrayNode results = forwardPartially(exchange, null, request, failed,
                i -> "Rate exceeded for shard shardId-000000000000 in stream under account 000000000000.");
        if (results != null) {
            results.forEach(r -> {
                if (r.has("ErrorCode")) {
                    throttledEntries.incrementAndGet();
                }
            });
        }
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException {
        HttpResponse<byte[]> response = forward(exchange, null, body);
        reply(exchange, response.statusCode(), response.body());
    }
}
