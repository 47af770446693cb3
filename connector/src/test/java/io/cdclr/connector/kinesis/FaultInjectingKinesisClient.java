package io.cdclr.connector.kinesis;

import io.cdclr.testsupport.FakeKinesisClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * A Kinesis stand-in for unit tests of the failure paths no emulator produces: whole-call throttling and
 * 5xx, timeouts before and after the records were written (a lost response), and PutRecords calls where
 * some records fail and the others succeed. Faults are drawn from a seeded random; responses come back
 * after a random delay on several threads, so calls complete out of order.
 *
 * <p>What was accepted is kept per partition key, in the order a consumer of the stream would read it.
 */
final class FaultInjectingKinesisClient extends FakeKinesisClient {

    /** Probabilities of each fault, per call or per record. */
    record Faults(double callThrottled, double callServerError, double timeoutBeforeWrite, double timeoutAfterWrite,
                  double recordThrottled, double recordInternalFailure, int maxDelayMillis) {
        static Faults none() {
            return new Faults(0, 0, 0, 0, 0, 0, 0);
        }
    }

    private final Random random;
    private final Faults faults;
    private final ScheduledExecutorService responders = Executors.newScheduledThreadPool(4, runnable -> {
        Thread t = new Thread(runnable, "fake-kinesis-responder");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, List<byte[]>> streamByKey = new HashMap<>();
    private final List<byte[]> streamInOrder = new ArrayList<>();
    private final Set<String> keysInFlight = new HashSet<>();
    private final List<String> violations = new ArrayList<>();
    private final List<PutRecordsRequest> requests = new ArrayList<>();
    private volatile Function<PutRecordsRequest, RuntimeException> permanentError;
    private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

    FaultInjectingKinesisClient(long seed, Faults faults) {
        this.random = new Random(seed);
        this.faults = faults;
    }

    /** From now on every call fails with what this returns. */
    void failEveryCallWith(Function<PutRecordsRequest, RuntimeException> error) {
        this.permanentError = error;
    }

    /** Calls wait (unanswered) until {@link #openGate()}. */
    void closeGate() {
        gate = new CompletableFuture<>();
    }

    void openGate() {
        gate.complete(null);
    }

    @Override
    public CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
        CompletableFuture<PutRecordsResponse> response = new CompletableFuture<>();
        long delay;
        synchronized (this) {
            requests.add(request);
            for (PutRecordsRequestEntry entry : request.records()) {
                if (!keysInFlight.add(entry.partitionKey())) {
                    violations.add("key " + entry.partitionKey() + " sent while a record of it was in flight");
                }
            }
            delay = faults.maxDelayMillis() == 0 ? 0 : random.nextInt(faults.maxDelayMillis() + 1);
        }
        gate.thenRun(() -> responders.schedule(() -> answer(request, response), delay, TimeUnit.MILLISECONDS));
        return response;
    }

    private void answer(PutRecordsRequest request, CompletableFuture<PutRecordsResponse> response) {
        RuntimeException callError = null;
        PutRecordsResponse result = null;
        synchronized (this) {
            for (PutRecordsRequestEntry entry : request.records()) {
                keysInFlight.remove(entry.partitionKey());
            }
            Function<PutRecordsRequest, RuntimeException> permanent = permanentError;
            double draw = random.nextDouble();
            if (permanent != null) {
                callError = permanent.apply(request);
            } else if ((draw -= faults.callThrottled()) < 0) {
                callError = ProvisionedThroughputExceededException.builder().statusCode(400)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException")
                                .errorMessage("Rate exceeded for stream").build())
                        .message("Rate exceeded for stream").build();
            } else if ((draw -= faults.callServerError()) < 0) {
                callError = KinesisException.builder().statusCode(503).message("Service Unavailable").build();
            } else if ((draw -= faults.timeoutBeforeWrite()) < 0) {
                callError = ApiCallTimeoutException.create(1000);
            } else if ((draw -= faults.timeoutAfterWrite()) < 0) {
                request.records().forEach(this::accept);
                callError = ApiCallTimeoutException.create(1000);
            } else {
                result = partialResult(request);
            }
        }
        // Complete outside the monitor, as the SDK does on its own threads.
        if (callError != null) {
            response.completeExceptionally(callError);
        } else {
            response.complete(result);
        }
    }

    private PutRecordsResponse partialResult(PutRecordsRequest request) {
        List<PutRecordsResultEntry> results = new ArrayList<>();
        for (PutRecordsRequestEntry entry : request.records()) {
            double draw = random.nextDouble();
            if ((draw -= faults.recordThrottled()) < 0) {
                results.add(throttled());
            } else if ((draw -= faults.recordInternalFailure()) < 0) {
                results.add(failed("InternalFailure", "Internal service failure."));
            } else {
                accept(entry);
                results.add(written("shardId-000000000000"));
            }
        }
        return response(results);
    }

    private void accept(PutRecordsRequestEntry entry) {
        streamByKey.computeIfAbsent(entry.partitionKey(), k -> new ArrayList<>()).add(entry.data().asByteArray());
        streamInOrder.add(entry.data().asByteArray());
    }

    /** Every record accepted for the key, in stream order, duplicates included. */
    synchronized List<byte[]> acceptedFor(String partitionKey) {
        return new ArrayList<>(streamByKey.getOrDefault(partitionKey, List.of()));
    }

    /** Every record accepted, in the order accepted (all keys), duplicates included. */
    synchronized List<byte[]> acceptedInOrder() {
        return new ArrayList<>(streamInOrder);
    }

    synchronized List<String> violations() {
        return new ArrayList<>(violations);
    }

    synchronized List<PutRecordsRequest> requests() {
        return new ArrayList<>(requests);
    }

    /** What ListShards answers; by default one open shard covering every hash key, the shard results name. */
    volatile java.util.function.Supplier<List<software.amazon.awssdk.services.kinesis.model.Shard>> shards = () -> evenShards(1);

    @Override
    protected List<software.amazon.awssdk.services.kinesis.model.Shard> shards() {
        return shards.get();
    }

    @Override
    public void close() {
        responders.shutdownNow();
    }
}
