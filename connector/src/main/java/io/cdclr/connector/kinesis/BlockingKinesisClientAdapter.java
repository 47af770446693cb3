package io.cdclr.connector.kinesis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisServiceClientConfiguration;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;

/**
 * The SDK's blocking client behind the asynchronous interface the writer uses: each PutRecords call runs on a thread
 * of a fixed pool, one thread per call the writer may have in flight. Only {@code putRecords} is supported.
 *
 * <p>Why not the SDK's asynchronous (Netty) client: for this pattern, a few large calls in flight, the blocking Apache
 * client used measurably less CPU and memory (about 20 % less CPU on the write path and 25 MiB less RSS in the
 * benchmark, docs/benchmarks.md), mostly because the response is read straight into the unmarshaller rather than
 * through buffers handed between reactive-streams stages, and there are no direct buffer pools.
 */
final class BlockingKinesisClientAdapter implements KinesisAsyncClient {
    private final KinesisClient client;
    private final ExecutorService calls;

    BlockingKinesisClientAdapter(KinesisClient client, int maxConcurrentCalls) {
        this.client = client;
        AtomicInteger threads = new AtomicInteger();
        this.calls = Executors.newFixedThreadPool(maxConcurrentCalls, runnable -> {
            Thread t = new Thread(runnable, "kinesis-call-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
        return CompletableFuture.supplyAsync(() -> client.putRecords(request), calls);
    }

    @Override
    public String serviceName() {
        return client.serviceName();
    }

    @Override
    public KinesisServiceClientConfiguration serviceClientConfiguration() {
        return client.serviceClientConfiguration();
    }

    /** Stops the calls in flight (their futures fail) and closes the client. */
    @Override
    public void close() {
        calls.shutdownNow();
        client.close();
    }
}
