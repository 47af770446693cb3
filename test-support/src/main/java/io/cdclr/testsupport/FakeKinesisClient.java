package io.cdclr.testsupport;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.HashKeyRange;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.SequenceNumberRange;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The base of the in-memory Kinesis stand-ins of the unit tests: a subclass answers PutRecords its way (with the
 * entry and response builders here); ListShards answers {@link #shards()} (one open shard covering every hash key
 * unless overridden) and counts the calls. Every other call fails as the SDK's default does (unsupported).
 */
public abstract class FakeKinesisClient implements KinesisAsyncClient {
    /** 2^128 - 1: the largest hash key. */
    public static final BigInteger MAX_HASH_KEY = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    /** ListShards calls answered so far. */
    public final AtomicLong listShardsCalls = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();

    /** What ListShards answers. */
    protected List<Shard> shards() {
        return evenShards(1);
    }

    @Override
    public CompletableFuture<ListShardsResponse> listShards(ListShardsRequest request) {
        listShardsCalls.incrementAndGet();
        return CompletableFuture.completedFuture(ListShardsResponse.builder().shards(shards()).build());
    }

    /** {@code count} open shards splitting the hash key space evenly, named shardId-000000000000 on. */
    public static List<Shard> evenShards(int count) {
        List<Shard> shards = new ArrayList<>();
        BigInteger width = MAX_HASH_KEY.add(BigInteger.ONE).divide(BigInteger.valueOf(count));
        for (int i = 0; i < count; i++) {
            BigInteger start = width.multiply(BigInteger.valueOf(i));
            BigInteger end = i == count - 1 ? MAX_HASH_KEY : start.add(width).subtract(BigInteger.ONE);
            shards.add(Shard.builder().shardId(String.format("shardId-%012d", i))
                    .hashKeyRange(HashKeyRange.builder().startingHashKey(start.toString()).endingHashKey(end.toString()).build())
                    .sequenceNumberRange(SequenceNumberRange.builder().startingSequenceNumber("0").build()).build());
        }
        return shards;
    }

    /** An entry written to {@code shardId}, with the next sequence number of this stand-in. */
    protected PutRecordsResultEntry written(String shardId) {
        return PutRecordsResultEntry.builder().shardId(shardId).sequenceNumber(Long.toString(sequence.incrementAndGet()))
                .build();
    }

    /** An entry refused for its shard's throughput, as Kinesis reports it inside a successful call. */
    protected static PutRecordsResultEntry throttled() {
        return failed("ProvisionedThroughputExceededException", "Rate exceeded for shard");
    }

    protected static PutRecordsResultEntry failed(String errorCode, String errorMessage) {
        return PutRecordsResultEntry.builder().errorCode(errorCode).errorMessage(errorMessage).build();
    }

    /** The response to a call with these entry results, FailedRecordCount counted from them. */
    protected static PutRecordsResponse response(List<PutRecordsResultEntry> results) {
        int failed = (int) results.stream().filter(r -> r.errorCode() != null).count();
        return PutRecordsResponse.builder().records(results).failedRecordCount(failed).build();
    }

    @Override
    public String serviceName() {
        return "kinesis";
    }

    @Override
    public void close() {
    }
}
