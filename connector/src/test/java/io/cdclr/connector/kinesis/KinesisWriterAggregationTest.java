package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

/**
 * kinesis.aggregation=true against the fault-injecting fake: what Kinesis accepted, deaggregated by the KCL, holds every
 * change once or more, each key's changes in submission order (a repeat only right after itself), and the callbacks
 * run in that order; aggregates and calls stay within their limits.
 */
class KinesisWriterAggregationTest {
    static {
        System.setProperty("org.slf4j.simpleLogger.log.io.cdclr.connector.kinesis", "error"); // retries are expected here
    }

    private static final FaultInjectingKinesisClient.Faults HOSTILE = new FaultInjectingKinesisClient.Faults(
            0.05, 0.03, 0.02, 0.04, 0.10, 0.05, 3);

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 11})
    void perKeyOrderAndCallbacksHoldWithAggregatesUnderFaults(long seed) throws Exception {
        var kinesis = new FaultInjectingKinesisClient(seed, HOSTILE);
        Map<String, List<Integer>> submitted = new LinkedHashMap<>();
        Map<String, List<Integer>> acknowledged = new ConcurrentHashMap<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        int records = 6_000;
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(
                KinesisWriterConfig.AGGREGATION, true,
                KinesisWriterConfig.AGGREGATION_LINGER_MS, 2,
                KinesisWriterConfig.AGGREGATION_MAX_RECORDS, 50,
                KinesisWriterConfig.MAX_CONCURRENT_CALLS, 4,
                KinesisWriterConfig.MAX_BUFFERED_BYTES, 1024 * 1024)), kinesis)) {
            Random random = new Random(seed);
            for (int i = 0; i < records; i++) {
                String key = random.nextInt(20) == 0 ? "public.nopk" : "public.t:" + random.nextInt(300);
                int index = i;
                submitted.computeIfAbsent(key, k -> new ArrayList<>()).add(index);
                writer.submit(key, (key + "|" + index + "|" + "x".repeat(random.nextInt(200))).getBytes(StandardCharsets.UTF_8),
                        "change " + index, failure -> {
                            if (failure != null) {
                                problems.add(key + "#" + index + " failed: " + failure);
                            }
                            acknowledged.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(index);
                        });
            }
            assertTrue(writer.flush(Duration.ofSeconds(60)), "everything acknowledged");
            assertEquals(List.of(), problems);

            Map<String, List<Integer>> stream = new LinkedHashMap<>();
            for (KclDeaggregation.UserRecord r : deaggregated(kinesis)) {
                String[] parts = r.text().split("\\|");
                assertEquals(parts[0], r.partitionKey(), "each change under its own partition key");
                List<Integer> of = stream.computeIfAbsent(r.partitionKey(), k -> new ArrayList<>());
                int index = Integer.parseInt(parts[1]);
                if (of.isEmpty() || of.get(of.size() - 1) != index) {
                    of.add(index);
                }
            }
            for (var entry : submitted.entrySet()) {
                assertEquals(entry.getValue(), stream.get(entry.getKey()), "stream order of " + entry.getKey());
                assertEquals(entry.getValue(), acknowledged.get(entry.getKey()), "callbacks of " + entry.getKey());
            }
            var metrics = writer.metrics();
            assertEquals(records, metrics.recordsSent());
            assertTrue(metrics.aggregationRatio() > 2, "changes per Kinesis record: " + metrics.aggregationRatio());
            assertTrue(metrics.retries(RetryReason.THROTTLED) > 0 && metrics.retries(RetryReason.TIMEOUT) > 0,
                    "the faults happened");
            System.out.printf("aggregation under faults, seed %d: %d changes in %d Kinesis records (%.1f per record), %d calls%n",
                    seed, metrics.recordsSent(), metrics.kinesisRecordsSent(), metrics.aggregationRatio(), metrics.calls());
        } finally {
            kinesis.close();
        }
    }

    @Test
    void aggregatesKeepTheirRecordAndByteLimitsAndLargeOrLoneChangesGoPlain() throws Exception {
        var kinesis = new FaultInjectingKinesisClient(1, FaultInjectingKinesisClient.Faults.none());
        long maxBytes = 4096;
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(
                KinesisWriterConfig.AGGREGATION, true,
                KinesisWriterConfig.AGGREGATION_MAX_RECORDS, 7,
                KinesisWriterConfig.AGGREGATION_MAX_BYTES, maxBytes)), kinesis)) {
            kinesis.closeGate();
            writer.submit("first", bytes(10), "first", f -> { }); // alone in the first call: plain
            kinesis.openGate();
            assertTrue(writer.flush(Duration.ofSeconds(20)));
            kinesis.closeGate();
            for (int i = 0; i < 300; i++) {
                writer.submit("k" + i, bytes(i % 3 == 0 ? 900 : 40), "k" + i, f -> { });
            }
            writer.submit("large", bytes(5000), "large", f -> { });
            kinesis.openGate();
            assertTrue(writer.flush(Duration.ofSeconds(20)));
        } finally {
            kinesis.close();
        }
        List<PutRecordsRequest> requests = kinesis.requests();
        PutRecordsRequestEntry first = requests.get(0).records().get(0);
        assertEquals("first", first.partitionKey());
        assertEquals(10, first.data().asByteArray().length, "a lone change is written as it is");
        Set<String> seen = new HashSet<>();
        int aggregates = 0;
        for (PutRecordsRequest request : requests) {
            for (PutRecordsRequestEntry entry : request.records()) {
                byte[] data = entry.data().asByteArray();
                List<KclDeaggregation.UserRecord> users = KclDeaggregation.deaggregate(entry.partitionKey(), data);
                if (users.get(0).aggregated()) {
                    aggregates++;
                    assertTrue(users.size() >= 2 && users.size() <= 7, "records per aggregate: " + users.size());
                    assertTrue(data.length + entry.partitionKey().length() <= maxBytes, "aggregate bytes " + data.length);
                    assertEquals(users.get(0).partitionKey(), entry.partitionKey(), "under its first change's key");
                } else {
                    assertEquals(1, users.size());
                }
                users.forEach(u -> assertTrue(seen.add(u.partitionKey()), "once: " + u.partitionKey()));
            }
        }
        assertEquals(302, seen.size());
        assertTrue(aggregates >= 300 / 7, "aggregates: " + aggregates);
        assertTrue(kinesis.requests().stream().flatMap(r -> r.records().stream())
                .anyMatch(e -> e.partitionKey().equals("large") && e.data().asByteArray().length == 5000),
                "a change over kinesis.aggregation.max.bytes goes alone, plain");
    }

    /** Four shards of equal hash-key ranges, as CreateStream makes them. */
    static ShardMap fourShards() {
        java.math.BigInteger quarter = ShardMap.MAX_HASH_KEY.add(java.math.BigInteger.ONE).shiftRight(2);
        List<ShardMap.Shard> shards = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            shards.add(new ShardMap.Shard("shardId-00000000000" + i, quarter.multiply(java.math.BigInteger.valueOf(i)),
                    quarter.multiply(java.math.BigInteger.valueOf(i + 1)).subtract(java.math.BigInteger.ONE)));
        }
        return ShardMap.of(shards);
    }

    @Test
    void aggregatesHoldOneShardsRecordsSoTheKclReadingThatShardKeepsThemAndCallsStayWithinTheirLimits() {
        ShardMap map = fourShards();
        KeyedRecordQueue queue = new KeyedRecordQueue();
        for (int i = 0; i < 2_000; i++) {
            queue.add(new PendingRecord("key-" + i, null, bytes(3_000), "c" + i, 3_000 + ("key-" + i).length(), false, f -> { }));
        }
        Aggregator aggregator = new Aggregator(r -> map.shardFor(r.partitionKey), 1000, 100_000);
        List<PendingRecord> call = aggregator.takeBatch(queue, r -> { }, 500, KinesisLimits.MAX_BYTES_PER_CALL);
        long bytes = 0;
        int users = 0;
        for (PendingRecord entry : call) {
            assertTrue(entry.members != null, "aggregated");
            ShardMap.Shard shard = map.shardFor(entry.partitionKey);
            assertEquals(shard.id(), entry.shardId);
            // The KCL reading this shard unpacks it (it drops an aggregate holding a record of another shard)
            var read = KclDeaggregation.deaggregate(List.of(KclDeaggregation.kinesisRecord(entry.partitionKey, entry.data, "1")),
                    shard.startingHashKey(), shard.endingHashKey());
            assertEquals(entry.members.stream().map(m -> m.partitionKey).toList(),
                    read.stream().map(KclDeaggregation.UserRecord::partitionKey).toList());
            assertTrue(entry.size <= 100_000);
            assertEquals(entry.size, entry.data.length + entry.partitionKey.length());
            bytes += entry.size;
            users += entry.members.size();
        }
        assertTrue(bytes <= KinesisLimits.MAX_BYTES_PER_CALL, "call bytes " + bytes);
        assertTrue(bytes > KinesisLimits.MAX_BYTES_PER_CALL - 4 * 100_000, "the call is nearly full: " + bytes);
        assertEquals(users, 2_000 - queue.readyCount(), "the rest stays ready");
    }

    /** Why aggregates are per shard: the KCL drops a whole aggregate if one of its records belongs to another shard. */
    @Test
    void theKclDropsAnAggregateThatMixesShards() {
        ShardMap map = fourShards();
        String a = "key-0";
        String b = java.util.stream.IntStream.range(1, 100).mapToObj(i -> "key-" + i)
                .filter(k -> !map.shardFor(k).equals(map.shardFor(a))).findFirst().orElseThrow();
        AggregatedRecordEncoder mixed = new AggregatedRecordEncoder();
        mixed.add(a, bytes(3));
        mixed.add(b, bytes(3));
        ShardMap.Shard shard = map.shardFor(a);
        var read = KclDeaggregation.deaggregate(List.of(KclDeaggregation.kinesisRecord(a, mixed.encode(), "1")),
                shard.startingHashKey(), shard.endingHashKey());
        assertEquals(List.of(), read, "nothing of the mixed aggregate reaches the record processor");
    }

    /**
     * The stream was resharded behind the writer's map: the map says two shards, Kinesis has one (the fake reports every
     * record in shardId-000000000000). Aggregates packed for the shard that no longer exists land elsewhere; their
     * changes are sent again after the map is read anew, and nothing is acknowledged on the strength of the wrong shard.
     */
    @Test
    void anAggregateThatLandsOnAnotherShardIsSentAgainWithTheMapReadAnew() throws Exception {
        var kinesis = new FaultInjectingKinesisClient(5, FaultInjectingKinesisClient.Faults.none());
        var oneShard = kinesis.shards;
        java.math.BigInteger half = ShardMap.MAX_HASH_KEY.shiftRight(1);
        kinesis.shards = () -> {
            if (kinesis.listShardsCalls.get() > 1) {
                return oneShard.get();
            }
            return List.of(
                    software.amazon.awssdk.services.kinesis.model.Shard.builder().shardId("shardId-000000000000")
                            .hashKeyRange(r -> r.startingHashKey("0").endingHashKey(half.toString())).build(),
                    software.amazon.awssdk.services.kinesis.model.Shard.builder().shardId("shardId-000000000001")
                            .hashKeyRange(r -> r.startingHashKey(half.add(java.math.BigInteger.ONE).toString())
                                    .endingHashKey(ShardMap.MAX_HASH_KEY.toString())).build());
        };
        List<String> acknowledged = new CopyOnWriteArrayList<>();
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(KinesisWriterConfig.AGGREGATION, true)), kinesis)) {
            Thread.sleep(200); // the sender reads the (stale) map first
            kinesis.closeGate();
            for (int i = 0; i < 200; i++) {
                String key = "key-" + i;
                writer.submit(key, (key + "|" + i).getBytes(StandardCharsets.UTF_8), key, f -> acknowledged.add(key));
            }
            kinesis.openGate();
            assertTrue(writer.flush(Duration.ofSeconds(20)));
            assertEquals(200, acknowledged.size());
            assertTrue(writer.metrics().retries(RetryReason.OTHER) > 0, "an aggregate was sent again");
            assertTrue(kinesis.listShardsCalls.get() >= 2, "the map was read again");
        } finally {
            kinesis.close();
        }
        Set<String> delivered = new HashSet<>();
        for (KclDeaggregation.UserRecord r : deaggregated(kinesis)) {
            delivered.add(r.partitionKey());
        }
        assertEquals(200, delivered.size(), "every change is on the stream, in the shard its key maps to");
    }

    @Test
    void aKeyWhoseShardIsUnknownGoesPlain() {
        KeyedRecordQueue queue = new KeyedRecordQueue();
        for (int i = 0; i < 10; i++) {
            queue.add(new PendingRecord("key-" + i, null, bytes(10), "c" + i, 10 + ("key-" + i).length(), false, f -> { }));
        }
        Aggregator aggregator = new Aggregator(r -> null, 1000, 100_000);
        List<PendingRecord> call = aggregator.takeBatch(queue, r -> { }, 500, KinesisLimits.MAX_BYTES_PER_CALL);
        assertEquals(10, call.size());
        assertTrue(call.stream().allMatch(r -> r.members == null));
    }

    private static List<KclDeaggregation.UserRecord> deaggregated(FaultInjectingKinesisClient kinesis) {
        List<KclDeaggregation.UserRecord> out = new ArrayList<>();
        long sequence = 0;
        var records = new ArrayList<software.amazon.kinesis.retrieval.KinesisClientRecord>();
        for (byte[] data : kinesis.acceptedInOrder()) {
            // the fake keeps no key per record: the KCL needs one only for plain records, which carry their key in data
            String key = new String(data, StandardCharsets.UTF_8).split("\\|")[0];
            records.add(KclDeaggregation.kinesisRecord(key, data, Long.toString(++sequence)));
        }
        out.addAll(KclDeaggregation.deaggregate(records, java.math.BigInteger.ZERO, KclDeaggregation.MAX_HASH_KEY));
        return out;
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) 'x');
        return b;
    }
}
