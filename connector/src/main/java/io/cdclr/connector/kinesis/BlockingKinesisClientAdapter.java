package io.cdclr.connector.kinesis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisServiceClientConfiguration;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryRequest;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryResponse;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;

/**
 * The SDK's blocking client behind the asynchronous interface the writer uses: each PutRecords call runs on a thread
 * of a fixed pool, one thread per call the writer may have in flight. Only {@code putRecords} is supported, and the
 * two calls the writer makes about the stream, {@code listShards} and {@code describeStreamSummary}, which run on the
 * calling thread (they are rare, and must not wait behind a full pool of PutRecords calls).
 *
 * <p>PutRecords goes by {@link DirectPutRecords} (with {@code kinesis.put.records.path=direct}, the default) once the
 * SDK has resolved the endpoint: the SDK's first call (the writer's DescribeStreamSummary at start) shows it to an
 * interceptor. Until then, and with {@code sdk}, it goes through the SDK client.
 *
 * <p>Why not the SDK's asynchronous (Netty) client: for this pattern, a few large calls in flight, the blocking Apache
 * client used measurably less CPU and memory (about 20 % less CPU on the write path and 25 MiB less RSS in the
 * benchmark, docs/benchmarks.md), mostly because the response is read straight into the unmarshaller rather than
 * through buffers handed between reactive-streams stages, and there are no direct buffer pools.
 */
final class BlockingKinesisClientAdapter implements KinesisAsyncClient {
    private static final Logger LOG = LoggerFactory.getLogger(BlockingKinesisClientAdapter.class);
    private final KinesisClient client;
    private final SdkHttpClient http;
    private final ExecutorService calls;
    private final ScheduledExecutorService callTimer;
    /** Null with kinesis.put.records.path=sdk, or until the SDK resolved the endpoint. */
    private volatile DirectPutRecords direct;

    /**
     * @param client the SDK client, over {@code http}, with {@code endpoints} among its interceptors
     * @param directPath whether PutRecords takes the direct path once the endpoint is known
     */
    BlockingKinesisClientAdapter(KinesisClient client, SdkHttpClient http, EndpointCapture endpoints,
                                 KinesisWriterConfig config, boolean directPath) {
        this.client = client;
        this.http = http;
        AtomicInteger threads = new AtomicInteger();
        this.calls = Executors.newFixedThreadPool(config.maxConcurrentCalls(), runnable -> {
            Thread t = new Thread(runnable, "kinesis-call-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // Runs the direct path's deadline sweep (CallDeadlines), no task per call.
        this.callTimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "kinesis-call-timeout");
            t.setDaemon(true);
            return t;
        });
        if (directPath) {
            endpoints.onResolved(endpoint -> {
                if (direct == null) {
                    direct = new DirectPutRecords(http, endpoint, config.region(),
                            client.serviceClientConfiguration().credentialsProvider(), config.callTimeout(), callTimer);
                    LOG.info("PutRecords to {} by the direct path ({}=direct)", endpoint,
                            KinesisWriterConfig.PUT_RECORDS_PATH);
                }
            });
        }
    }

    @Override
    public CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
        DirectPutRecords path = direct;
        if (path != null) {
            return CompletableFuture.supplyAsync(() -> path.putRecords(request), calls);
        }
        return CompletableFuture.supplyAsync(() -> client.putRecords(request), calls);
    }

    @Override
    public CompletableFuture<ListShardsResponse> listShards(ListShardsRequest request) {
        return now(() -> client.listShards(request));
    }

    @Override
    public CompletableFuture<DescribeStreamSummaryResponse> describeStreamSummary(DescribeStreamSummaryRequest request) {
        return now(() -> client.describeStreamSummary(request));
    }

    private static <T> CompletableFuture<T> now(Supplier<T> call) {
        try {
            return CompletableFuture.completedFuture(call.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
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
        callTimer.shutdownNow();
        client.close();
        http.close(); // given to the SDK client, which therefore does not close it
    }
}
