package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ordering guarantee under seeded random faults: many keys, two producers, several calls in flight,
 * whole calls throttled, failing with 5xx or timing out (before or after Kinesis wrote them), and calls
 * where some records fail while others succeed.
 */
class KinesisWriterOrderingTest {
    private static final int PRODUCERS = 2;
    private static final int KEYS_PER_PRODUCER = 100;
    private static final int RECORDS_PER_PRODUCER = 4_000;

    private static final FaultInjectingKinesisClient.Faults HOSTILE = new FaultInjectingKinesisClient.Faults(
            0.05, 0.03, 0.02, 0.04, 0.10, 0.05, 3);

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 7, 42})
    void everyKeyIsWrittenAndAcknowledgedInSubmissionOrderDespiteFaults(long seed) throws Exception {
        var kinesis = new FaultInjectingKinesisClient(seed, HOSTILE);
        Map<String, List<Integer>> submitted = new ConcurrentHashMap<>();
        Map<String, List<Integer>> acknowledged = new ConcurrentHashMap<>();
        List<String> problems = new CopyOnWriteArrayList<>();

        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(
                KinesisWriterConfig.MAX_RECORDS_PER_CALL, 40,
                KinesisWriterConfig.MAX_CONCURRENT_CALLS, 6,
                KinesisWriterConfig.MAX_BUFFERED_BYTES, 1024 * 1024)), kinesis)) {
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                Random random = new Random(seed * 31 + p);
                producers.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < RECORDS_PER_PRODUCER; i++) {
                            // One key per producer is hot (a table without primary key, say), the rest are rows.
                            String key = random.nextInt(20) == 0 ? "public.nopk-" + producer
                                    : "public.t:" + producer + "-" + random.nextInt(KEYS_PER_PRODUCER);
                            int index = i;
                            byte[] data = payload(key, index, random);
                            submitted.computeIfAbsent(key, k -> new ArrayList<>()).add(index);
                            writer.submit(key, data, "public.t key=" + key, failure -> {
                                if (failure != null) {
                                    problems.add(key + "#" + index + " failed: " + failure);
                                }
                                if (kinesis.acceptedFor(key).stream().noneMatch(d -> Arrays.equals(d, data))) {
                                    problems.add(key + "#" + index + " acknowledged before Kinesis accepted it");
                                }
                                acknowledged.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(index);
                            });
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "producer-" + p));
            }
            producers.forEach(Thread::start);
            for (Thread producer : producers) {
                producer.join(Duration.ofSeconds(60).toMillis());
            }
            assertTrue(writer.flush(Duration.ofSeconds(60)), "everything acknowledged");

            assertEquals(List.of(), problems);
            assertEquals(List.of(), kinesis.violations(), "a key never has two records in flight");
            for (var entry : submitted.entrySet()) {
                String key = entry.getKey();
                assertEquals(entry.getValue(), acknowledged.get(key), "callbacks of " + key + " in submission order");
                assertEquals(entry.getValue(), indicesWithoutRepeats(kinesis.acceptedFor(key)),
                        "stream order of " + key + " (a lost response may repeat a record right after itself)");
            }
            var metrics = writer.metrics();
            assertEquals((long) PRODUCERS * RECORDS_PER_PRODUCER, metrics.recordsSent());
            assertEquals(0, metrics.recordsInFlight());
            // The faults really happened, so the run proved something.
            assertTrue(metrics.retries(RetryReason.THROTTLED) > 0, "throttling retried");
            assertTrue(metrics.retries(RetryReason.SERVER_ERROR) > 0, "5xx and InternalFailure retried");
            assertTrue(metrics.retries(RetryReason.TIMEOUT) > 0, "timeouts retried");
        } finally {
            kinesis.close();
        }
    }

    private static byte[] payload(String key, int index, Random random) {
        String body = key + "|" + index + "|" + "x".repeat(random.nextInt(200));
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** The submission indices in stream order, a record repeated right after itself counted once. */
    private static List<Integer> indicesWithoutRepeats(List<byte[]> stream) {
        List<Integer> indices = new ArrayList<>();
        for (byte[] data : stream) {
            int index = Integer.parseInt(new String(data, StandardCharsets.UTF_8).split("\\|")[1]);
            if (indices.isEmpty() || indices.get(indices.size() - 1) != index) {
                indices.add(index);
            }
        }
        return indices;
    }
}
