package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/** Batching limits, oversized records, permanent errors, back-pressure and close, against the fake Kinesis. */
class KinesisWriterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final FaultInjectingKinesisClient kinesis = new FaultInjectingKinesisClient(1, FaultInjectingKinesisClient.Faults.none());
    private final List<String> outcomes = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeFake() {
        kinesis.close();
    }

    @Test
    void callsStayWithinFiveHundredRecordsAndFiveMebibytes() throws Exception {
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(KinesisWriterConfig.LINGER_MS, 50)), kinesis)) {
            kinesis.closeGate(); // let records pile up so full calls form
            for (int i = 0; i < 1_200; i++) {
                writer.submit("small-" + i, bytes("s" + i), "small " + i, record("small"));
            }
            byte[] large = new byte[400 * 1024];
            for (int i = 0; i < 30; i++) {
                writer.submit("large-" + i, large, "large " + i, record("large"));
            }
            kinesis.openGate();
            assertTrue(writer.flush(WAIT));
        }
        assertEquals(1_230, outcomes.stream().filter(o -> o.endsWith("ok")).count());
        for (PutRecordsRequest request : kinesis.requests()) {
            long bytes = request.records().stream()
                    .mapToLong(e -> e.data().asByteArray().length + e.partitionKey().getBytes(StandardCharsets.UTF_8).length).sum();
            assertTrue(request.records().size() <= KinesisLimits.MAX_RECORDS_PER_CALL, "records per call: " + request.records().size());
            assertTrue(bytes <= KinesisLimits.MAX_BYTES_PER_CALL, "bytes per call: " + bytes);
        }
        assertTrue(kinesis.requests().stream().anyMatch(r -> r.records().size() == KinesisLimits.MAX_RECORDS_PER_CALL),
                "full calls of 500 records were made");
    }

    @Test
    void nothingIsAcknowledgedBeforeKinesisAnswers() throws Exception {
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of()), kinesis)) {
            kinesis.closeGate();
            writer.submit("k", bytes("one"), "t key=k", record("one"));
            assertFalse(writer.flush(Duration.ofMillis(200)), "flush cannot finish while Kinesis has not answered");
            assertEquals(List.of(), outcomes);
            assertEquals(1, writer.metrics().recordsInFlight());
            kinesis.openGate();
            assertTrue(writer.flush(WAIT));
            assertEquals(List.of("one ok"), outcomes);
        }
    }

    @Test
    void oversizedRecordUnderPolicyFailStopsTheWriterNamingTheChangeAndSize() throws Exception {
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of()), kinesis)) {
            kinesis.closeGate();
            writer.submit("public.orders:1", bytes("earlier"), "public.orders key=1", record("earlier"));
            byte[] huge = new byte[(int) KinesisLimits.MAX_BYTES_PER_RECORD];

            var error = assertThrows(KinesisWriterException.class,
                    () -> writer.submit("public.orders:2", huge, "public.orders key=2", record("huge")));

            assertTrue(error.getMessage().contains("public.orders key=2"), error.getMessage());
            assertTrue(error.getMessage().contains(Long.toString(huge.length + "public.orders:2".length())), error.getMessage());
            assertTrue(error.getMessage().contains("1048576"), error.getMessage());
            assertTrue(writer.flush(WAIT));
            assertEquals(List.of("earlier failed: " + error.getMessage()), outcomes, "the pending record is reported as not written");
            assertThrows(KinesisWriterException.class, () -> writer.submit("k", bytes("later"), "later", record("later")));
        }
    }

    @Test
    void oversizedRecordUnderPolicySkipIsCountedAndAcknowledgedInItsKeysTurn() throws Exception {
        var config = TestConfigs.fast(Map.of(KinesisWriterConfig.OVERSIZED_RECORD_POLICY, "skip"));
        try (var writer = new KinesisWriter(config, kinesis)) {
            kinesis.closeGate();
            writer.submit("public.orders:1", bytes("first"), "public.orders key=1", record("first"));
            writer.submit("public.orders:1", new byte[2 * 1024 * 1024], "public.orders key=1", record("huge"));
            writer.submit("public.orders:1", bytes("third"), "public.orders key=1", record("third"));
            kinesis.openGate();
            assertTrue(writer.flush(WAIT));
            assertEquals(List.of("first ok", "huge ok", "third ok"), outcomes);
            assertEquals(1, writer.metrics().oversizedRecordsSkipped());
            assertEquals(2, writer.metrics().recordsSent());
            assertEquals(2, kinesis.acceptedFor("public.orders:1").size());
        }
    }

    @Test
    void permanentErrorFailsEveryUnacknowledgedRecordWithAClearMessage() throws Exception {
        kinesis.failEveryCallWith(request -> ResourceNotFoundException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ResourceNotFoundException")
                        .errorMessage("Stream test-stream under account 000000000000 not found.").build())
                .message("Stream test-stream under account 000000000000 not found.").build());
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of()), kinesis)) {
            kinesis.closeGate();
            for (int i = 0; i < 5; i++) {
                writer.submit("k" + (i % 2), bytes("r" + i), "t key=" + i, record("r" + i));
            }
            kinesis.openGate();
            assertTrue(writer.flush(WAIT));

            assertEquals(5, outcomes.size());
            assertTrue(outcomes.stream().allMatch(o -> o.contains("failed")), outcomes.toString());
            String message = writer.failure().orElseThrow().getMessage();
            assertTrue(message.contains("test-stream") && message.contains("not found")
                    && message.contains("check kinesis.stream and kinesis.region"), message);
            var thrown = assertThrows(KinesisWriterException.class, () -> writer.submit("k", bytes("x"), "x", record("x")));
            assertEquals(message, thrown.getMessage());
        }
    }

    @Test
    void aPermanentRecordErrorFailsTheWriterAfterAcknowledgingTheRecordsKinesisAccepted() throws Exception {
        KinesisAsyncClient kmsDenied = failsEveryRecordOf("denied", "KMSAccessDeniedException", "no access to key");
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(KinesisWriterConfig.LINGER_MS, 10_000)), kmsDenied)) {
            writer.submit("denied", bytes("a"), "public.t key=denied", record("denied"));
            writer.submit("fine", bytes("b"), "public.t key=fine", record("fine"));
            assertTrue(writer.flush(WAIT));
            assertTrue(outcomes.contains("fine ok"), outcomes.toString());
            String denied = outcomes.stream().filter(o -> o.startsWith("denied")).findFirst().orElseThrow();
            assertTrue(denied.contains("KMSAccessDeniedException") && denied.contains("public.t key=denied"), denied);
            assertTrue(writer.failure().isPresent());
        }
    }

    @Test
    void recordsAcceptedBeforeOneThatRunsOutOfRetriesAreReportedWritten() throws Exception {
        KinesisAsyncClient throttlesOneKey = failsEveryRecordOf("hot", "ProvisionedThroughputExceededException", "slow down");
        var config = TestConfigs.fast(Map.of(KinesisWriterConfig.LINGER_MS, 10_000, KinesisWriterConfig.RETRY_MAX_ATTEMPTS, 1));
        try (var writer = new KinesisWriter(config, throttlesOneKey)) {
            writer.submit("cold", bytes("a"), "public.t key=cold", record("cold"));
            writer.submit("hot", bytes("b"), "public.t key=hot", record("hot"));
            assertTrue(writer.flush(WAIT)); // one call with both records
            assertTrue(outcomes.contains("cold ok"), outcomes.toString());
            String hot = outcomes.stream().filter(o -> o.startsWith("hot")).findFirst().orElseThrow();
            assertTrue(hot.contains("gave up on public.t key=hot"), hot);
            assertEquals(1, writer.metrics().recordsSent());
        }
    }

    /** Answers every PutRecords call at once: the records of one partition key fail with this error, all others are written. */
    private static KinesisAsyncClient failsEveryRecordOf(String partitionKey, String errorCode, String errorMessage) {
        return new KinesisAsyncClient() {
            @Override
            public CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
                var results = request.records().stream().map(entry -> entry.partitionKey().equals(partitionKey)
                        ? PutRecordsResultEntry.builder().errorCode(errorCode).errorMessage(errorMessage).build()
                        : PutRecordsResultEntry.builder().shardId("shardId-000000000000").sequenceNumber("1").build()).toList();
                return CompletableFuture.completedFuture(PutRecordsResponse.builder().records(results).build());
            }

            @Override
            public String serviceName() {
                return "kinesis";
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void limitedRetriesGiveUpAndFailTheWriter() throws Exception {
        var alwaysThrottled = new FaultInjectingKinesisClient(3, new FaultInjectingKinesisClient.Faults(1, 0, 0, 0, 0, 0, 0));
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(KinesisWriterConfig.RETRY_MAX_ATTEMPTS, 3)), alwaysThrottled)) {
            writer.submit("k", bytes("r"), "cdc.public.t", record("r"));
            assertTrue(writer.flush(WAIT));
            assertEquals(1, outcomes.size());
            assertTrue(outcomes.get(0).contains("gave up on cdc.public.t (partition key 'k') after 3 attempts"), outcomes.get(0));
            assertEquals(3, writer.metrics().retries(RetryReason.THROTTLED));
        } finally {
            alwaysThrottled.close();
        }
    }

    @Test
    void submitBlocksWhileTooManyBytesAreInFlight() throws Exception {
        var config = TestConfigs.fast(Map.of(KinesisWriterConfig.MAX_BUFFERED_BYTES, 1024 * 1024));
        try (var writer = new KinesisWriter(config, kinesis)) {
            kinesis.closeGate();
            byte[] third = new byte[300 * 1024];
            for (int i = 0; i < 3; i++) {
                writer.submit("k" + i, third, "r" + i, record("r" + i));
            }
            Thread producer = new Thread(() -> {
                try {
                    writer.submit("k3", third, "r3", record("r3"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            producer.start();
            awaitBlocked(producer);
            assertTrue(producer.isAlive(), "the fourth record does not fit and waits");

            kinesis.openGate();
            producer.join(WAIT.toMillis());
            assertFalse(producer.isAlive());
            assertTrue(writer.flush(WAIT));
            assertEquals(4, writer.metrics().recordsSent());
        }
    }

    @Test
    void closeReportsUnacknowledgedRecordsAsNotWritten() throws Exception {
        var writer = new KinesisWriter(TestConfigs.fast(Map.of()), kinesis);
        kinesis.closeGate();
        writer.submit("k", bytes("a"), "a", record("a"));
        writer.submit("k", bytes("b"), "b", record("b"));
        writer.close();
        assertEquals(2, outcomes.size());
        assertTrue(outcomes.get(0).startsWith("a failed") && outcomes.get(0).contains("closed before Kinesis acknowledged"));
        assertTrue(outcomes.get(1).startsWith("b failed"));
        assertThrows(KinesisWriterException.class, () -> writer.submit("k", bytes("c"), "c", record("c")));
    }

    @Test
    void aPartitionKeyOverTheKinesisLimitIsRejected() throws Exception {
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of()), kinesis)) {
            var error = assertThrows(IllegalArgumentException.class,
                    () -> writer.submit("k".repeat(257), bytes("x"), "public.t key=long", record("x")));
            assertTrue(error.getMessage().contains("public.t key=long"));
        }
    }

    @Test
    void metricsCountRecordsBytesCallsAndLatency() throws Exception {
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of()), kinesis)) {
            writer.submit("ab", bytes("0123456789"), "r", record("r"));
            assertTrue(writer.flush(WAIT));
            var metrics = writer.metrics();
            assertEquals(1, metrics.recordsSent());
            assertEquals(12, metrics.bytesSent());
            assertEquals(1, metrics.calls());
            assertEquals(1, metrics.callLatencyCount());
            assertEquals(0, metrics.recordsInFlight());
            assertEquals(0, metrics.bytesInFlight());
            assertEquals(0, metrics.retriesTotal());
        }
    }

    private WriteCallback record(String name) {
        return failure -> {
            outcomes.add(failure == null ? name + " ok" : name + " failed: " + failure.getMessage());
            if (failure != null) {
                assertInstanceOf(KinesisWriterException.class, failure);
            }
        };
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Waits (bounded) until the thread parks, i.e. blocks in submit. */
    private static void awaitBlocked(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (thread.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(Thread.State.WAITING, thread.getState());
    }
}
