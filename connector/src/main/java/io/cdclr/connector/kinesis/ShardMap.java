package io.cdclr.connector.kinesis;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.ShardFilter;
import software.amazon.awssdk.services.kinesis.model.ShardFilterType;

/**
 * Which open shard of a stream a record goes to, the way Kinesis decides it: the MD5 of the partition key's UTF-8
 * bytes, read as an unsigned 128-bit integer (or an explicit hash key), falls into exactly one open shard's hash-key
 * range. The map is read from ListShards (every page; open shards only) and replaced as a whole by {@link #refresh()}.
 *
 * <p>Thread-safe: lookups read an immutable snapshot and never block; {@link #refresh()} calls Kinesis on the calling
 * thread and then swaps the snapshot in. Callers decide when to refresh (a PutRecords result naming a shard not in the
 * map, a shard that closed, a period).
 *
 * <p>Kinesis may be mid-reshard when the map is read; a hash key that no open shard covers then has no shard
 * ({@link #shardForHashKey} returns null) until the next refresh.
 */
public final class ShardMap {
    /** 2^128 - 1, the largest hash key. */
    public static final BigInteger MAX_HASH_KEY = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available in this JVM", e);
        }
    });

    /** An open shard: its id and its hash-key range, both ends inclusive. */
    public record Shard(String id, BigInteger startingHashKey, BigInteger endingHashKey) {
        public Shard {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(startingHashKey, "startingHashKey");
            Objects.requireNonNull(endingHashKey, "endingHashKey");
        }

        public boolean contains(BigInteger hashKey) {
            return startingHashKey.compareTo(hashKey) <= 0 && hashKey.compareTo(endingHashKey) <= 0;
        }
    }

    private final KinesisAsyncClient client;
    private final String stream;
    private final Duration callTimeout;
    /** Open shards sorted by starting hash key; replaced as a whole. */
    private volatile Shard[] shards;
    private volatile long refreshes;

    /**
     * An empty map of the stream ({@link #size()} 0, every lookup null) until {@link #refresh()}.
     *
     * @param client      any client that implements ListShards (the writer's client does)
     * @param callTimeout how long one ListShards page may take
     */
    public ShardMap(KinesisAsyncClient client, String stream, Duration callTimeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.stream = Objects.requireNonNull(stream, "stream");
        this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
        this.shards = new Shard[0];
    }

    /** A fixed map (tests, or a stream whose shards are known): {@link #refresh()} is not possible. */
    public static ShardMap of(List<Shard> shards) {
        ShardMap map = new ShardMap(FixedShards.CLIENT, "(fixed)", Duration.ZERO);
        map.shards = sorted(shards);
        return map;
    }

    /** The hash key Kinesis computes for a partition key: MD5 of its UTF-8 bytes as an unsigned 128-bit integer. */
    public static BigInteger hashKey(String partitionKey) {
        MessageDigest md5 = MD5.get();
        md5.reset();
        return new BigInteger(1, md5.digest(partitionKey.getBytes(StandardCharsets.UTF_8)));
    }

    /** The open shard a record with this partition key (and no explicit hash key) goes to; null if none covers it. */
    public Shard shardFor(String partitionKey) {
        return shardForHashKey(hashKey(partitionKey));
    }

    /** The open shard whose range holds this hash key; null if none does (empty map, or read mid-reshard). */
    public Shard shardForHashKey(BigInteger hashKey) {
        Shard[] current = shards;
        int low = 0;
        int high = current.length - 1;
        while (low <= high) { // the last shard starting at or below the hash key
            int mid = (low + high) >>> 1;
            if (current[mid].startingHashKey().compareTo(hashKey) <= 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        if (high < 0) {
            return null;
        }
        Shard candidate = current[high];
        return candidate.contains(hashKey) ? candidate : null;
    }

    /** Whether the shard is one of the map's open shards. */
    public boolean contains(String shardId) {
        for (Shard shard : shards) {
            if (shard.id().equals(shardId)) {
                return true;
            }
        }
        return false;
    }

    /** The open shards, sorted by starting hash key. */
    public List<Shard> shards() {
        return List.of(shards);
    }

    /** Number of open shards in the map. */
    public int size() {
        return shards.length;
    }

    /** How many times the map was read from Kinesis. */
    public long refreshes() {
        return refreshes;
    }

    /**
     * Reads the stream's open shards from ListShards (all pages) and replaces the map. Blocks the calling thread for
     * the calls; on failure the map stays as it was.
     *
     * @return whether the set of open shards changed
     * @throws RuntimeException the SDK's exception (unwrapped) if a call failed or timed out
     */
    public boolean refresh() {
        List<Shard> open = new ArrayList<>();
        // Open shards only: AT_LATEST on AWS. Emulators that ignore the filter (kinesalite) also return closed shards,
        // which have an EndingSequenceNumber: those are dropped here.
        ListShardsRequest request = ListShardsRequest.builder().streamName(stream)
                .shardFilter(ShardFilter.builder().type(ShardFilterType.AT_LATEST).build()).build();
        while (true) {
            ListShardsResponse response = call(request);
            for (software.amazon.awssdk.services.kinesis.model.Shard shard : response.shards()) {
                if (shard.sequenceNumberRange() != null && shard.sequenceNumberRange().endingSequenceNumber() != null) {
                    continue;
                }
                open.add(new Shard(shard.shardId(), new BigInteger(shard.hashKeyRange().startingHashKey()),
                        new BigInteger(shard.hashKeyRange().endingHashKey())));
            }
            String next = response.nextToken();
            if (next == null || next.isEmpty() || response.shards().isEmpty()) {
                break;
            }
            // A follow-up page names only the token (Kinesis refuses it together with the stream name or a filter).
            request = ListShardsRequest.builder().nextToken(next).build();
        }
        Shard[] fresh = sorted(open);
        boolean changed = !List.of(fresh).equals(List.of(shards));
        shards = fresh;
        refreshes++;
        return changed;
    }

    private ListShardsResponse call(ListShardsRequest request) {
        try {
            var future = client.listShards(request);
            return callTimeout.isZero() ? future.get() : future.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = FailureClassifier.unwrap(e);
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause.toString(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("ListShards of stream '" + stream + "' took longer than "
                    + callTimeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while listing the shards of stream '" + stream + "'", e);
        }
    }

    private static Shard[] sorted(List<Shard> shards) {
        Shard[] array = shards.toArray(new Shard[0]);
        java.util.Arrays.sort(array, Comparator.comparing(Shard::startingHashKey));
        return array;
    }

    @Override
    public String toString() {
        return "ShardMap" + List.of(shards);
    }

    /** The client of a fixed map: refreshing one is a programming error. */
    private static final class FixedShards {
        static final KinesisAsyncClient CLIENT = new KinesisAsyncClient() {
            @Override
            public String serviceName() {
                return "kinesis";
            }

            @Override
            public void close() {
            }
        };
    }
}
