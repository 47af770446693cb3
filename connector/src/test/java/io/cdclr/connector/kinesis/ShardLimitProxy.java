package io.cdclr.connector.kinesis;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.testsupport.KinesisJsonProxy;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP proxy in front of a Kinesis emulator that enforces the per-shard write limits of a provisioned Kinesis stream,
 * which the emulator does not: by default 1,000 records/s and 1 MiB/s per shard (data plus partition key). Every call
 * is forwarded, except that each PutRecords entry is first charged against its shard's two token buckets (each holds
 * one second's worth, refilled continuously); an entry that does not fit is not written and is answered
 * {@code ProvisionedThroughputExceededException} in its place in the result, exactly as Kinesis answers a throttled
 * entry (FailedRecordCount &gt; 0, the other entries written).
 *
 * <p>The entry's shard is found as Kinesis finds it: MD5 of the partition key (or the ExplicitHashKey) in the hash-key
 * ranges of the stream's open shards, which the proxy reads with ListShards from the emulator and re-reads every
 * {@value #SHARDS_TTL_MS} ms (so it follows a split). JSON protocol only: clients must run with CBOR off. Single
 * PutRecord calls are forwarded unmetered.
 *
 * <p>JDK and Jackson only (on test-support's {@link KinesisJsonProxy}), for tests and benchmarks:
 * {@code new ShardLimitProxy(upstream)}, point the writer's {@code kinesis.endpoint} at {@link #endpoint()}, read the
 * counters, close.
 */
public final class ShardLimitProxy extends KinesisJsonProxy {
    public static final long AWS_RECORDS_PER_SECOND = 1_000;
    public static final long AWS_BYTES_PER_SECOND = 1024L * 1024;
    private static final long SHARDS_TTL_MS = 250;

    private final long recordsPerSecond;
    private final long bytesPerSecond;
    private final Map<String, StreamShards> streams = new ConcurrentHashMap<>();
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> writtenByShard = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> throttledByShard = new ConcurrentHashMap<>();
    private final AtomicLong entriesWritten = new AtomicLong();
    private final AtomicLong entriesThrottled = new AtomicLong();
    private final AtomicLong putRecordsCalls = new AtomicLong();

    /** AWS's limits: 1,000 records/s and 1 MiB/s per shard. */
    public ShardLimitProxy(String upstream) throws IOException {
        this(upstream, AWS_RECORDS_PER_SECOND, AWS_BYTES_PER_SECOND);
    }

    public ShardLimitProxy(String upstream, long recordsPerSecond, long bytesPerSecond) throws IOException {
        super(upstream, "shard-limit-proxy");
        this.recordsPerSecond = recordsPerSecond;
        this.bytesPerSecond = bytesPerSecond;
    }

    /** PutRecords entries written (forwarded and accepted by the emulator). */
    public long entriesWritten() {
        return entriesWritten.get();
    }

    /** PutRecords entries answered ProvisionedThroughputExceededException by the proxy. */
    public long entriesThrottled() {
        return entriesThrottled.get();
    }

    public long putRecordsCalls() {
        return putRecordsCalls.get();
    }

    /** Entries written per shard id. */
    public Map<String, Long> writtenByShard() {
        return snapshot(writtenByShard);
    }

    /** Entries throttled per shard id. */
    public Map<String, Long> throttledByShard() {
        return snapshot(throttledByShard);
    }

    private static Map<String, Long> snapshot(Map<String, AtomicLong> counters) {
        Map<String, Long> copy = new TreeMap<>();
        counters.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    @Override
    protected void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (target != null && target.endsWith(".PutRecords")) {
                putRecords(exchange, body);
            } else {
                HttpResponse<byte[]> response = forward(exchange, target, body);
                reply(exchange, response.statusCode(), response.body());
            }
        } catch (IOException | RuntimeException e) {
            // the client sees a closed connection
        }
    }

    private void putRecords(HttpExchange exchange, byte[] body) throws IOException {
        putRecordsCalls.incrementAndGet();
        ObjectNode request = (ObjectNode) JSON.readTree(body);
        String stream = request.path("StreamName").asText();
        ArrayNode entries = (ArrayNode) request.get("Records");
        StreamShards shards = shardsOf(exchange, stream);
        boolean[] throttled = new boolean[entries.size()];
        String[] shardOfEntry = new String[entries.size()];
        long now = System.nanoTime();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode entry = entries.get(i);
            String partitionKey = entry.path("PartitionKey").asText();
            BigInteger hashKey = entry.hasNonNull("ExplicitHashKey") ? new BigInteger(entry.get("ExplicitHashKey").asText())
                    : new BigInteger(1, md5(partitionKey.getBytes(StandardCharsets.UTF_8)));
            String shard = shards == null ? null : shards.shardOf(hashKey);
            shardOfEntry[i] = shard;
            long size = Base64.getDecoder().decode(entry.path("Data").asText()).length
                    + partitionKey.getBytes(StandardCharsets.UTF_8).length;
            throttled[i] = shard != null && !buckets.computeIfAbsent(stream + "/" + shard, k -> new Bucket()).take(size, now);
        }
        ArrayNode results = forwardPartially(exchange, exchange.getRequestHeaders().getFirst("X-Amz-Target"), request,
                throttled, i -> "Rate exceeded for shard " + shardOfEntry[i] + " in stream " + stream
                        + " under account 000000000000.");
        if (results == null) {
            return;
        }
        for (int i = 0; i < throttled.length; i++) {
            JsonNode result = results.get(i);
            if (throttled[i]) {
                entriesThrottled.incrementAndGet();
                throttledByShard.computeIfAbsent(shardOfEntry[i], k -> new AtomicLong()).incrementAndGet();
            } else if (!result.has("ErrorCode")) {
                entriesWritten.incrementAndGet();
                writtenByShard.computeIfAbsent(result.path("ShardId").asText(), k -> new AtomicLong()).incrementAndGet();
            }
        }
    }

    /** The stream's open shards, re-read from the emulator when older than the TTL; null if it cannot be read. */
    private StreamShards shardsOf(HttpExchange exchange, String stream) throws IOException {
        StreamShards known = streams.get(stream);
        if (known != null && System.nanoTime() - known.readAtNanos < SHARDS_TTL_MS * 1_000_000) {
            return known;
        }
        ObjectNode listShards = JSON.createObjectNode().put("StreamName", stream);
        HttpResponse<byte[]> response = forward(exchange, "Kinesis_20131202.ListShards", JSON.writeValueAsBytes(listShards));
        if (response.statusCode() != 200) {
            return known;
        }
        List<BigInteger[]> ranges = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (JsonNode shard : JSON.readTree(response.body()).path("Shards")) {
            if (shard.path("SequenceNumberRange").hasNonNull("EndingSequenceNumber")) {
                continue; // closed
            }
            ids.add(shard.path("ShardId").asText());
            ranges.add(new BigInteger[] {new BigInteger(shard.path("HashKeyRange").path("StartingHashKey").asText()),
                    new BigInteger(shard.path("HashKeyRange").path("EndingHashKey").asText())});
        }
        StreamShards fresh = new StreamShards(ids, ranges, System.nanoTime());
        streams.put(stream, fresh);
        return fresh;
    }

    private static byte[] md5(byte[] bytes) {
        try {
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One shard's two buckets, each holding at most one second's worth. */
    private final class Bucket {
        private double records = recordsPerSecond;
        private double bytes = bytesPerSecond;
        private long refilledAt = System.nanoTime();

        synchronized boolean take(long size, long now) {
            double seconds = Math.max(0, now - refilledAt) / 1e9;
            refilledAt = Math.max(refilledAt, now);
            records = Math.min(recordsPerSecond, records + seconds * recordsPerSecond);
            bytes = Math.min(bytesPerSecond, bytes + seconds * bytesPerSecond);
            if (records < 1 || bytes < size) {
                return false;
            }
            records -= 1;
            bytes -= size;
            return true;
        }
    }

    private record StreamShards(List<String> ids, List<BigInteger[]> ranges, long readAtNanos) {
        String shardOf(BigInteger hashKey) {
            for (int i = 0; i < ids.size(); i++) {
                if (ranges.get(i)[0].compareTo(hashKey) <= 0 && hashKey.compareTo(ranges.get(i)[1]) <= 0) {
                    return ids.get(i);
                }
            }
            return null;
        }
    }
}
