package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.FakeKinesisClient;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.HashKeyRange;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.SequenceNumberRange;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardFilterType;

/** The shard map without Kinesis: hashing, lookups, paging and the closed-shard filter against a stub ListShards. */
class ShardMapTest {
    private static final BigInteger HALF = BigInteger.ONE.shiftLeft(127);

    @Test
    void theHashKeyIsTheMd5OfThePartitionKeyAsAnUnsigned128BitInteger() {
        // md5("a") = 0cc175b9c0f1b6a831c399e269772661; md5("") = d41d8cd98f00b204e9800998ecf8427e (top bit set: unsigned)
        assertEquals(new BigInteger("0cc175b9c0f1b6a831c399e269772661", 16), ShardMap.hashKey("a"));
        assertEquals(new BigInteger("d41d8cd98f00b204e9800998ecf8427e", 16), ShardMap.hashKey(""));
        assertTrue(ShardMap.hashKey("").signum() > 0);
        // UTF-8 bytes, not UTF-16: md5 of C3 A9
        assertEquals(new BigInteger("66ddcd97cfdeabb2f6fb8a999b4bc76f", 16), ShardMap.hashKey("\u00e9"));
    }

    @Test
    void aHashKeyFallsIntoTheShardWhoseRangeHoldsIt() {
        ShardMap map = ShardMap.of(List.of(
                new ShardMap.Shard("shardId-000000000001", HALF, ShardMap.MAX_HASH_KEY),
                new ShardMap.Shard("shardId-000000000000", BigInteger.ZERO, HALF.subtract(BigInteger.ONE))));
        assertEquals(2, map.size());
        assertEquals("shardId-000000000000", map.shardForHashKey(BigInteger.ZERO).id());
        assertEquals("shardId-000000000000", map.shardForHashKey(HALF.subtract(BigInteger.ONE)).id());
        assertEquals("shardId-000000000001", map.shardForHashKey(HALF).id());
        assertEquals("shardId-000000000001", map.shardForHashKey(ShardMap.MAX_HASH_KEY).id());
        // md5("a") starts with 0x0c: lower half; md5("") starts with 0xd4: upper half
        assertEquals("shardId-000000000000", map.shardFor("a").id());
        assertEquals("shardId-000000000001", map.shardFor("").id());
        assertTrue(map.contains("shardId-000000000001"));
        assertFalse(map.contains("shardId-000000000002"));
        assertEquals("shardId-000000000000", map.shards().get(0).id(), "sorted by starting hash key");
    }

    @Test
    void aHashKeyNoOpenShardCoversHasNoShard() {
        ShardMap gap = ShardMap.of(List.of(new ShardMap.Shard("s1", HALF, ShardMap.MAX_HASH_KEY)));
        assertNull(gap.shardForHashKey(BigInteger.TEN));
        assertNull(ShardMap.of(List.of()).shardFor("a"));
    }

    @Test
    void refreshReadsEveryPageAndKeepsOnlyOpenShards() {
        StubListShards stub = new StubListShards();
        // page 1: the closed parent (it has an EndingSequenceNumber) and its lower child; page 2: the upper child
        stub.pages.add(ListShardsResponse.builder().shards(
                shard("shardId-000000000000", BigInteger.ZERO, ShardMap.MAX_HASH_KEY, true),
                shard("shardId-000000000001", BigInteger.ZERO, HALF.subtract(BigInteger.ONE), false))
                .nextToken("token-2").build());
        stub.pages.add(ListShardsResponse.builder().shards(
                shard("shardId-000000000002", HALF, ShardMap.MAX_HASH_KEY, false)).build());
        ShardMap map = new ShardMap(stub, "orders", Duration.ofSeconds(5));
        assertEquals(0, map.size());
        assertNull(map.shardFor("a"));

        assertTrue(map.refresh());
        assertEquals(2, map.size());
        assertFalse(map.contains("shardId-000000000000"), "closed parent dropped");
        assertEquals("shardId-000000000001", map.shardFor("a").id());
        assertEquals("shardId-000000000002", map.shardFor("").id());
        assertEquals(1, map.refreshes());

        ListShardsRequest first = stub.requests.get(0);
        assertEquals("orders", first.streamName());
        assertEquals(ShardFilterType.AT_LATEST, first.shardFilter().type());
        ListShardsRequest second = stub.requests.get(1);
        assertEquals("token-2", second.nextToken());
        assertNull(second.streamName(), "a follow-up page names only its token");
        assertNull(second.shardFilter());

        stub.pages.add(ListShardsResponse.builder().shards(
                shard("shardId-000000000001", BigInteger.ZERO, HALF.subtract(BigInteger.ONE), false),
                shard("shardId-000000000002", HALF, ShardMap.MAX_HASH_KEY, false)).build());
        assertFalse(map.refresh(), "same open shards: unchanged");
    }

    @Test
    void aFailedRefreshKeepsTheMapAndThrowsTheCause() {
        StubListShards stub = new StubListShards();
        stub.pages.add(ListShardsResponse.builder().shards(shard("s0", BigInteger.ZERO, ShardMap.MAX_HASH_KEY, false)).build());
        ShardMap map = new ShardMap(stub, "orders", Duration.ofSeconds(5));
        map.refresh();
        stub.failure = ResourceNotFoundException.builder().message("Stream orders not found").build();
        assertThrows(ResourceNotFoundException.class, map::refresh);
        assertEquals("s0", map.shardFor("a").id());
    }

    private static Shard shard(String id, BigInteger start, BigInteger end, boolean closed) {
        return Shard.builder().shardId(id)
                .hashKeyRange(HashKeyRange.builder().startingHashKey(start.toString()).endingHashKey(end.toString()).build())
                .sequenceNumberRange(SequenceNumberRange.builder().startingSequenceNumber("1")
                        .endingSequenceNumber(closed ? "99" : null).build())
                .build();
    }

    private static final class StubListShards extends FakeKinesisClient {
        final List<ListShardsResponse> pages = new ArrayList<>();
        final List<ListShardsRequest> requests = new ArrayList<>();
        RuntimeException failure;

        @Override
        public CompletableFuture<ListShardsResponse> listShards(ListShardsRequest request) {
            requests.add(request);
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            return CompletableFuture.completedFuture(pages.remove(0));
        }
    }
}
