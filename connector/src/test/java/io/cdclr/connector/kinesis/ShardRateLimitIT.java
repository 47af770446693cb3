package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.LocalServices;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The writer against the emulator behind {@link ShardLimitProxy}, which enforces AWS's per-shard write limits
 * (1,000 records/s and 1 MiB/s per shard) and answers ProvisionedThroughputExceededException per entry:
 * <ul>
 * <li>token buckets on: a hot shard (one hot key and hundreds of keys that hash to the same shard, offered far above
 * the shard's limit) plus steady load over all 4 shards runs with (near) zero throttled entries, nothing lost, no key
 * reordered;
 * <li>buckets off: the same run is throttled, and still loses and reorders nothing;
 * <li>a shard split mid-stream: nothing lost, each key's records in order across parent and child.
 * </ul>
 * Everything is read back with GetRecords from every shard (closed parents first, as a KCL consumer reads them) and
 * checked key by key against what was submitted. Default run: 9,000 records per case (a few seconds each at the
 * limit); {@code -Dshards.full=true} runs 45,000.
 */
class ShardRateLimitIT {
    private static final boolean FULL = Boolean.getBoolean("shards.full");
    private static final int RECORDS = FULL ? 45_000 : 9_000;
    private static final Duration WAIT = Duration.ofSeconds(FULL ? 600 : 120);

    @Test
    void bucketsOnAHotShardAndSteadyLoadRunWithoutThrottlingAndLoseNothing() throws Exception {
        Result result = runHotShard("on");
        assertEquals(0, result.check.missing, "missing");
        assertEquals(0, result.check.orderViolations, "order violations");
        assertTrue(result.proxyThrottled <= RECORDS / 100, "(near) zero throttled entries: " + result.proxyThrottled);
        assertTrue(result.bucketWaits > 0, "the hot shard waited for its bucket");
    }

    @Test
    void bucketsOffTheSameRunIsThrottledAndStillLosesNothing() throws Exception {
        Result result = runHotShard("off");
        assertEquals(0, result.check.missing, "missing");
        assertEquals(0, result.check.orderViolations, "order violations");
        assertTrue(result.proxyThrottled > 0, "without buckets the hot shard is throttled");
        assertEquals(result.proxyThrottled, result.writerThrottled, "every throttled entry was retried");
    }

    @Test
    void aShardSplitMidStreamLosesNothingAndKeepsEachKeysOrderAcrossParentAndChild() throws Exception {
        reshardMidStream(false);
    }

    /** kinesalite has MergeShards (not UpdateShardCount): two parents, one child. */
    @Test
    void aShardMergeMidStreamLosesNothingAndKeepsEachKeysOrderAcrossParentsAndChild() throws Exception {
        reshardMidStream(true);
    }

    private void reshardMidStream(boolean merge) throws Exception {
        String what = merge ? "shard merge" : "shard split";
        long started = System.nanoTime();
        try (var stream = EmulatorStream.create(merge ? "shards-merge-it" : "shards-split-it", 2);
             var proxy = new ShardLimitProxy(LocalServices.kinesisEndpoint().toString())) {
            Map<String, Object> props = stream.writerProps();
            props.put(KinesisWriterConfig.ENDPOINT, proxy.endpoint());
            props.put(KinesisWriterConfig.SHARD_RATE_LIMIT, "on");
            ShardMap before = new ShardMap(stream.client(), stream.name(), Duration.ofSeconds(10));
            before.refresh();
            ShardMap.Shard parent = before.shards().get(0);
            Map<String, List<Integer>> submitted = new LinkedHashMap<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            KinesisWriterMetrics metrics;
            try (var writer = KinesisWriter.create(new KinesisWriterConfig(props))) {
                metrics = writer.metrics();
                Random random = new Random(22);
                int records = merge ? RECORDS / 3 : RECORDS / 2;
                for (int i = 0; i < records; i++) {
                    if (i == records / 3) {
                        // Mid-stream, once the parent holds records and with more of its keys in flight and queued:
                        // split the parent in two.
                        while (metrics.recordsSent() < records / 6) {
                            Thread.sleep(10);
                        }
                        if (merge) {
                            stream.client().mergeShards(b -> b.streamName(stream.name()).shardToMerge(parent.id())
                                    .adjacentShardToMerge(before.shards().get(1).id())).join();
                        } else {
                            BigInteger middle = parent.startingHashKey().add(parent.endingHashKey()).shiftRight(1);
                            stream.client().splitShard(b -> b.streamName(stream.name()).shardToSplit(parent.id())
                                    .newStartingHashKey(middle.toString())).join();
                        }
                    }
                    String key = "public.orders:" + random.nextInt(300);
                    submit(writer, submitted, key, 100, failures);
                }
                assertTrue(writer.flush(WAIT), "all acknowledged");
                assertEquals(List.of(), List.copyOf(failures));
                stream.awaitActive();
                // the writer re-reads its map when Kinesis names a child shard (at most once a second): wait for it
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                int expected = merge ? 1 : 3;
                while (metrics.shardMapSize() != expected && System.nanoTime() < deadline) {
                    submit(writer, submitted, "public.orders:" + random.nextInt(300), 100, failures);
                    writer.flush(WAIT);
                    Thread.sleep(200);
                }
                assertEquals(expected, metrics.shardMapSize(), "the writer's map holds the children and not the parents");
            }
            List<Shard> shards = stream.client().describeStream(b -> b.streamName(stream.name())).join()
                    .streamDescription().shards();
            Check check = check(submitted, readParentsFirst(stream, shards));
            long keysAcross = keysInParentAndChild(stream, parent.id(), shards);
            long inChildren = shards.stream().filter(s -> parent.id().equals(s.parentShardId())
                            || parent.id().equals(s.adjacentParentShardId()))
                    .mapToLong(s -> metrics.shards().byShard().getOrDefault(s.shardId(), new ShardMetrics.Counters()).records())
                    .sum();
            System.out.printf("%s: %d shards after it; %s; records the writer put into the children: %d; "
                            + "keys with records in both parent and child: %d; per shard %s; throttled entries %d; %.1f s%n",
                    what, shards.size(), check, inChildren, keysAcross, describe(metrics), proxy.entriesThrottled(),
                    (System.nanoTime() - started) / 1e9);
            assertEquals(0, check.missing, "missing");
            assertEquals(0, check.orderViolations, "order violations across parent and child");
            assertTrue(inChildren > 0, "records went into the children after the split");
            assertTrue(keysAcross > 0, "keys crossed the split");
        }
    }

    private Result runHotShard(String rateLimit) throws Exception {
        long started = System.nanoTime();
        try (var stream = EmulatorStream.create("shards-hot-" + rateLimit, 4);
             var proxy = new ShardLimitProxy(LocalServices.kinesisEndpoint().toString())) {
            ShardMap map = new ShardMap(stream.client(), stream.name(), Duration.ofSeconds(10));
            map.refresh();
            String hotShard = map.shards().get(0).id();
            List<String> hotKeys = new ArrayList<>();
            for (int i = 0; hotKeys.size() < 400; i++) {
                if (map.shardFor("public.events:" + i).id().equals(hotShard)) {
                    hotKeys.add("public.events:" + i);
                }
            }
            Map<String, Object> props = stream.writerProps();
            props.put(KinesisWriterConfig.ENDPOINT, proxy.endpoint());
            props.put(KinesisWriterConfig.SHARD_RATE_LIMIT, rateLimit);
            props.put(KinesisWriterConfig.RETRY_BACKOFF_INITIAL_MS, 50);
            props.put(KinesisWriterConfig.RETRY_BACKOFF_MAX_MS, 1_000);
            Map<String, List<Integer>> submitted = new LinkedHashMap<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            KinesisWriterMetrics metrics;
            long writeNanos;
            try (var writer = KinesisWriter.create(new KinesisWriterConfig(props))) {
                metrics = writer.metrics();
                Random random = new Random(7);
                long writeStarted = System.nanoTime();
                for (int i = 0; i < RECORDS; i++) {
                    String key;
                    int pad;
                    if (i % 3 == 0) { // steady load over all shards
                        key = "public.orders:" + random.nextInt(400);
                        pad = 200;
                    } else if (i % 50 == 1) { // the hot key (one record in flight at a time: a round trip per record)
                        key = "public.counters:1";
                        pad = 300;
                    } else { // the rest of the hot shard: ~1.2 KB changes, so its bytes/s limit binds as well
                        key = hotKeys.get(random.nextInt(hotKeys.size()));
                        pad = 1_200;
                    }
                    submit(writer, submitted, key, pad, failures);
                }
                assertTrue(writer.flush(WAIT), "all acknowledged");
                writeNanos = System.nanoTime() - writeStarted;
                assertEquals(List.of(), List.copyOf(failures));
            }
            Check check = check(submitted, readParentsFirst(stream, stream.client().describeStream(b -> b.streamName(stream.name()))
                    .join().streamDescription().shards()));
            Result result = new Result(check, proxy.entriesThrottled(), metrics.retries(RetryReason.THROTTLED),
                    metrics.shards().byShard().values().stream().mapToLong(ShardMetrics.Counters::bucketWaits).sum());
            System.out.printf("hot shard, buckets %s: %d records (%s of them into %s) in %.1f s; %s; throttled entries %d "
                            + "(writer retries THROTTLED %d); records that waited for a bucket %d, waiting %.1f s in all; "
                            + "per shard %s; test %.1f s%n",
                    rateLimit, RECORDS, proxy.writtenByShard().get(hotShard), hotShard, writeNanos / 1e9, check,
                    result.proxyThrottled, result.writerThrottled, result.bucketWaits,
                    metrics.shards().bucketWaitNanosTotal() / 1e9, describe(metrics), (System.nanoTime() - started) / 1e9);
            return result;
        }
    }

    private record Result(Check check, long proxyThrottled, long writerThrottled, long bucketWaits) {
    }

    private static void submit(KinesisWriter writer, Map<String, List<Integer>> submitted, String key, int pad,
                               ConcurrentLinkedQueue<Throwable> failures) throws InterruptedException {
        List<Integer> ofKey = submitted.computeIfAbsent(key, k -> new ArrayList<>());
        int n = ofKey.size();
        ofKey.add(n);
        byte[] data = (key + "#" + n + "#" + "p".repeat(pad)).getBytes(StandardCharsets.UTF_8);
        writer.submit(key, data, key + " #" + n, failure -> {
            if (failure != null) {
                failures.add(failure);
            }
        });
    }

    /** Every record, per partition key, in the order a consumer reads them: a parent shard before its children. */
    private static Map<String, List<Integer>> readParentsFirst(EmulatorStream stream, List<Shard> shards) {
        Map<String, List<Record>> byShard = stream.readAllByShard();
        List<Shard> ordered = new ArrayList<>(shards);
        ordered.sort((a, b) -> Integer.compare(depth(a, shards), depth(b, shards)));
        Map<String, List<Integer>> byKey = new HashMap<>();
        for (Shard shard : ordered) {
            for (Record record : byShard.getOrDefault(shard.shardId(), List.of())) {
                String[] parts = record.data().asUtf8String().split("#", 3);
                byKey.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
            }
        }
        return byKey;
    }

    /** Keys with records in the parent and in one of its children. */
    private static long keysInParentAndChild(EmulatorStream stream, String parentId, List<Shard> shards) {
        Map<String, List<Record>> byShard = stream.readAllByShard();
        java.util.Set<String> inParent = new java.util.HashSet<>();
        byShard.getOrDefault(parentId, List.of()).forEach(r -> inParent.add(r.partitionKey()));
        java.util.Set<String> inChild = new java.util.HashSet<>();
        shards.stream().filter(s -> parentId.equals(s.parentShardId()) || parentId.equals(s.adjacentParentShardId()))
                .forEach(s -> byShard.getOrDefault(s.shardId(), List.of()).forEach(r -> inChild.add(r.partitionKey())));
        inParent.retainAll(inChild);
        return inParent.size();
    }

    private static int depth(Shard shard, List<Shard> shards) {
        int depth = 0;
        String parent = shard.parentShardId();
        while (parent != null) {
            depth++;
            String id = parent;
            parent = shards.stream().filter(s -> s.shardId().equals(id)).findFirst().map(Shard::parentShardId).orElse(null);
        }
        return depth;
    }

    /** Per key: submitted 0..n-1; read back must be that sequence, a record possibly repeated right after itself. */
    record Check(long committed, long delivered, long missing, long duplicated, long orderViolations) {
        @Override
        public String toString() {
            return "committed " + committed + " delivered " + delivered + " missing " + missing + " duplicated " + duplicated
                    + " order violations " + orderViolations;
        }
    }

    static Check check(Map<String, List<Integer>> submitted, Map<String, List<Integer>> read) {
        long committed = 0;
        long delivered = 0;
        long missing = 0;
        long duplicated = 0;
        long violations = 0;
        for (var entry : submitted.entrySet()) {
            List<Integer> got = read.getOrDefault(entry.getKey(), List.of());
            committed += entry.getValue().size();
            delivered += got.size();
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            int last = -1;
            for (int n : got) {
                if (!seen.add(n)) {
                    duplicated++;
                    if (n != last) {
                        violations++; // a duplicate that is not right behind itself: an earlier record came again later
                    }
                } else if (n != last + 1) {
                    violations++; // skipped ahead or went back
                }
                last = Math.max(last, n);
            }
            for (int n : entry.getValue()) {
                if (!seen.contains(n)) {
                    missing++;
                }
            }
        }
        return new Check(committed, delivered, missing, duplicated, violations);
    }

    private static String describe(KinesisWriterMetrics metrics) {
        StringBuilder text = new StringBuilder("{");
        metrics.shards().byShard().forEach((id, c) -> text.append(text.length() > 1 ? ", " : "").append(id.replace("shardId-", ""))
                .append(": ").append(c.records()).append(" rec, ").append(c.bytes() / 1024).append(" KiB, throttled ")
                .append(c.throttled()).append(", waited ").append(c.bucketWaits()).append(" rec/")
                .append(String.format("%.1f", c.bucketWaitNanos() / 1e9)).append(" s"));
        return text.append("}").toString();
    }
}
