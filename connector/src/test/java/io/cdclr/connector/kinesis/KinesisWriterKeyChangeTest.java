package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

/**
 * Key changes (issue 19): a record submitted with a previous partition key belongs to both keys. It is sent only
 * after every earlier record of either key was acknowledged, and no later record of either key is sent (so none is
 * acknowledged) before it is acknowledged; it is written under its new key.
 */
class KinesisWriterKeyChangeTest {
    private static final FaultInjectingKinesisClient.Faults HOSTILE = new FaultInjectingKinesisClient.Faults(
            0.05, 0.03, 0.02, 0.04, 0.10, 0.05, 3);

    /** One submitted record: its index in submission order, its key and its previous key (or null). */
    private record Change(int index, String key, String previousKey) {
        boolean belongsTo(String k) {
            return key.equals(k) || k.equals(previousKey);
        }

        byte[] data() {
            return (index + "|" + key + "|" + previousKey).getBytes(StandardCharsets.UTF_8);
        }
    }

    private static int indexOf(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        return Integer.parseInt(text.substring(0, text.indexOf('|')));
    }

    private static KinesisWriter writer(FaultInjectingKinesisClient kinesis) {
        return new KinesisWriter(TestConfigs.fast(Map.of(
                KinesisWriterConfig.MAX_RECORDS_PER_CALL, 40,
                KinesisWriterConfig.MAX_CONCURRENT_CALLS, 6,
                KinesisWriterConfig.MAX_BUFFERED_BYTES, 1024 * 1024)), kinesis);
    }

    @Test
    void aLaterChangeOfTheOldKeyWaitsForTheKeyChangingUpdate() throws Exception {
        var kinesis = new FaultInjectingKinesisClient(1, FaultInjectingKinesisClient.Faults.none());
        List<String> acknowledged = new CopyOnWriteArrayList<>();
        try (var writer = writer(kinesis)) {
            kinesis.closeGate();
            writer.submit("t|2", "t|1", "U 1->2".getBytes(StandardCharsets.UTF_8), "U 1->2", f -> acknowledged.add("U 1->2"));
            writer.submit("t|1", "I 1".getBytes(StandardCharsets.UTF_8), "I 1", f -> acknowledged.add("I 1"));
            writer.submit("t|2", "U 2".getBytes(StandardCharsets.UTF_8), "U 2", f -> acknowledged.add("U 2"));
            Thread.sleep(100); // the sender would have sent I 1 by now, were it free to
            assertEquals(List.of(List.of("t|2")), keysOfRequests(kinesis.requests()),
                    "only the key change is in flight: I 1 (old key) and U 2 (new key) wait for it");
            kinesis.openGate();
            assertTrue(writer.flush(Duration.ofSeconds(10)));
            assertEquals("U 1->2", acknowledged.get(0), "acknowledged first");
            assertEquals(java.util.Set.of("I 1", "U 2"), java.util.Set.copyOf(acknowledged.subList(1, 3)));
            List<List<String>> calls = keysOfRequests(kinesis.requests());
            assertEquals(List.of("t|2"), calls.get(0), "written under its new key, alone");
            assertEquals(java.util.Set.of("t|1", "t|2"), java.util.Set.copyOf(calls.get(1)), "then both later changes");
        } finally {
            kinesis.close();
        }
    }

    @Test
    void theKeyChangingUpdateWaitsForAnEarlierChangeOfItsOldKey() throws Exception {
        var kinesis = new FaultInjectingKinesisClient(1, FaultInjectingKinesisClient.Faults.none());
        try (var writer = writer(kinesis)) {
            kinesis.closeGate();
            writer.submit("t|1", "U 1".getBytes(StandardCharsets.UTF_8), "U 1", f -> { });
            writer.submit("t|2", "t|1", "U 1->2".getBytes(StandardCharsets.UTF_8), "U 1->2", f -> { });
            Thread.sleep(100);
            assertEquals(List.of(List.of("t|1")), keysOfRequests(kinesis.requests()),
                    "the key change waits until the earlier change of its old key is acknowledged");
            kinesis.openGate();
            assertTrue(writer.flush(Duration.ofSeconds(10)));
            assertEquals(List.of(List.of("t|1"), List.of("t|2")), keysOfRequests(kinesis.requests()));
        } finally {
            kinesis.close();
        }
    }

    @Test
    void swapsBackAndForthWithKeyReuseDoNotDeadlock() throws Exception {
        var kinesis = new FaultInjectingKinesisClient(3, FaultInjectingKinesisClient.Faults.none());
        List<Integer> acknowledged = new CopyOnWriteArrayList<>();
        List<Change> changes = List.of(new Change(0, "t|b", "t|a"), new Change(1, "t|a", "t|b"),
                new Change(2, "t|a", null), new Change(3, "t|b", "t|a"), new Change(4, "t|c", "t|b"),
                new Change(5, "t|b", null), new Change(6, "t|a", "t|b"));
        try (var writer = writer(kinesis)) {
            kinesis.closeGate();
            for (Change c : changes) {
                writer.submit(c.key(), c.previousKey(), c.data(), "change " + c.index(), f -> acknowledged.add(c.index()));
            }
            Thread.sleep(100);
            assertEquals(List.of(List.of("t|b")), keysOfRequests(kinesis.requests()), "one at a time: each shares a key");
            kinesis.openGate();
            assertTrue(writer.flush(Duration.ofSeconds(10)), "no deadlock");
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), acknowledged);
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), kinesis.acceptedInOrder().stream().map(KinesisWriterKeyChangeTest::indexOf).toList());
        } finally {
            kinesis.close();
        }
    }

    /**
     * Random interleavings of updates, inserts and key changes over a few keys per producer (so keys are reused and
     * queues of two keys interleave), under throttled calls, throttled and failed entries, 5xx and timeouts.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 7, 42, 1009})
    void underFaultsNoLaterChangeOfEitherKeyOvertakesAKeyChange(long seed) throws Exception {
        var kinesis = new FaultInjectingKinesisClient(seed, HOSTILE);
        int producers = 2;
        int perProducer = 3_000;
        List<Change> submitted = new CopyOnWriteArrayList<>();
        Map<Integer, Change> byIndex = new ConcurrentHashMap<>();
        List<Integer> acknowledged = new CopyOnWriteArrayList<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        try (var writer = writer(kinesis)) {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int producer = p;
                Random random = new Random(seed * 31 + p);
                threads.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < perProducer; i++) {
                            // Keys of one producer only, so each producer's submission order is the order to keep.
                            String key = "public.t|" + producer + "-" + random.nextInt(12);
                            String previous = random.nextInt(3) == 0 ? "public.t|" + producer + "-" + random.nextInt(12) : null;
                            Change c = new Change(producer * perProducer + i, key, key.equals(previous) ? null : previous);
                            byIndex.put(c.index(), c);
                            submitted.add(c);
                            writer.submit(c.key(), c.previousKey(), c.data(), "change " + c.index(), failure -> {
                                if (failure != null) {
                                    problems.add(c + " failed: " + failure);
                                }
                                acknowledged.add(c.index());
                            });
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "producer-" + p));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(60).toMillis());
            }
            assertTrue(writer.flush(Duration.ofSeconds(60)), "everything acknowledged (no deadlock)");
            assertEquals(List.of(), problems);

            List<Integer> stream = kinesis.acceptedInOrder().stream().map(KinesisWriterKeyChangeTest::indexOf).toList();
            Map<String, List<Change>> submittedByKey = groupByKeys(submitted);
            Map<String, List<Integer>> acceptedByKey = new HashMap<>();
            Map<String, List<Integer>> acknowledgedByKey = new HashMap<>();
            for (int index : stream) {
                addToKeys(acceptedByKey, byIndex.get(index), index);
            }
            for (int index : acknowledged) {
                addToKeys(acknowledgedByKey, byIndex.get(index), index);
            }
            int keyChanges = 0;
            for (Change c : submitted) {
                keyChanges += c.previousKey() == null ? 0 : 1;
                if (c.previousKey() != null && !kinesis.acceptedFor(c.key()).stream().anyMatch(d -> indexOf(d) == c.index())) {
                    problems.add(c + " not written under its new key");
                }
            }
            for (var entry : submittedByKey.entrySet()) {
                String key = entry.getKey();
                List<Integer> expected = entry.getValue().stream().map(Change::index).toList();
                // Per key, counting a key change under both keys: acknowledged in submission order, and in the
                // acceptance order every acceptance of a change (a lost response may repeat it) precedes every
                // acceptance of a later change of the key.
                assertEquals(expected, acknowledgedByKey.get(key), "acknowledgements of " + key + " in submission order");
                List<Integer> accepted = acceptedByKey.get(key);
                for (int i = 1; i < accepted.size(); i++) {
                    if (accepted.get(i) < accepted.get(i - 1)) {
                        problems.add("key " + key + ": change " + accepted.get(i) + " accepted after a later one, "
                                + accepted.get(i - 1));
                        break;
                    }
                }
                assertEquals(expected, accepted.stream().distinct().toList(), "every change of " + key + " written");
            }
            assertEquals(List.of(), problems);
            assertTrue(keyChanges > producers * perProducer / 5, "key changes happened: " + keyChanges);
            var metrics = writer.metrics();
            assertEquals(0, metrics.recordsInFlight());
            assertTrue(metrics.retries(RetryReason.THROTTLED) > 0, "throttling retried");
            assertTrue(metrics.retries(RetryReason.TIMEOUT) > 0, "timeouts retried");
        } finally {
            kinesis.close();
        }
    }

    private static Map<String, List<Change>> groupByKeys(List<Change> changes) {
        Map<String, List<Change>> byKey = new HashMap<>();
        for (Change c : changes) {
            byKey.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(c);
            if (c.previousKey() != null) {
                byKey.computeIfAbsent(c.previousKey(), k -> new ArrayList<>()).add(c);
            }
        }
        return byKey;
    }

    private static void addToKeys(Map<String, List<Integer>> byKey, Change c, int index) {
        byKey.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(index);
        if (c.previousKey() != null) {
            byKey.computeIfAbsent(c.previousKey(), k -> new ArrayList<>()).add(index);
        }
    }

    private static List<List<String>> keysOfRequests(List<PutRecordsRequest> requests) {
        return requests.stream().map(r -> r.records().stream().map(PutRecordsRequestEntry::partitionKey).toList()).toList();
    }

}
