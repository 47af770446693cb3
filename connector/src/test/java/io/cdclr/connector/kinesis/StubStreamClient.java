package io.cdclr.connector.kinesis;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryRequest;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryResponse;
import software.amazon.awssdk.services.kinesis.model.HashKeyRange;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.SequenceNumberRange;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * A stream stand-in for unit tests of what the writer reads about its stream: a DescribeStreamSummary answer the test
 * chooses, {@code shards} equal shards from ListShards, and PutRecords that accepts every entry at once and names the
 * shard its hash key falls in. Keeps every call's entries.
 */
final class StubStreamClient implements KinesisAsyncClient {
    private final StreamDescriptionSummary summary;
    private final ShardMap map;
    private final List<Shard> shards = new ArrayList<>();
    final List<PutRecordsRequest> calls = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();

    /** @param summary null: DescribeStreamSummary fails as it does without permission */
    StubStreamClient(StreamDescriptionSummary summary, int shardCount) {
        this.summary = summary;
        List<ShardMap.Shard> mapShards = new ArrayList<>();
        BigInteger width = ShardMap.MAX_HASH_KEY.add(BigInteger.ONE).divide(BigInteger.valueOf(shardCount));
        for (int i = 0; i < shardCount; i++) {
            BigInteger start = width.multiply(BigInteger.valueOf(i));
            BigInteger end = i == shardCount - 1 ? ShardMap.MAX_HASH_KEY : start.add(width).subtract(BigInteger.ONE);
            String id = String.format("shardId-%012d", i);
            mapShards.add(new ShardMap.Shard(id, start, end));
            shards.add(Shard.builder().shardId(id)
                    .hashKeyRange(HashKeyRange.builder().startingHashKey(start.toString()).endingHashKey(end.toString()).build())
                    .sequenceNumberRange(SequenceNumberRange.builder().startingSequenceNumber("0").build()).build());
        }
        this.map = ShardMap.of(mapShards);
    }

    static StreamDescriptionSummary summary(Integer maxRecordSizeInKiB, software.amazon.awssdk.services.kinesis.model.StreamMode mode) {
        var builder = StreamDescriptionSummary.builder().streamName("test-stream").streamStatus(StreamStatus.ACTIVE)
                .maxRecordSizeInKiB(maxRecordSizeInKiB);
        if (mode != null) {
            builder.streamModeDetails(b -> b.streamMode(mode));
        }
        return builder.build();
    }

    /** The shard id a partition key goes to. */
    String shardOf(String partitionKey) {
        return map.shardFor(partitionKey).id();
    }

    @Override
    public CompletableFuture<DescribeStreamSummaryResponse> describeStreamSummary(DescribeStreamSummaryRequest request) {
        if (summary == null) {
            return CompletableFuture.failedFuture(software.amazon.awssdk.services.kinesis.model.KinesisException.builder()
                    .message("User is not authorized to perform: kinesis:DescribeStreamSummary").statusCode(400).build());
        }
        return CompletableFuture.completedFuture(DescribeStreamSummaryResponse.builder().streamDescriptionSummary(summary).build());
    }

    @Override
    public CompletableFuture<ListShardsResponse> listShards(ListShardsRequest request) {
        return CompletableFuture.completedFuture(ListShardsResponse.builder().shards(shards).build());
    }

    @Override
    public CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
        calls.add(request);
        List<PutRecordsResultEntry> results = new ArrayList<>();
        for (PutRecordsRequestEntry entry : request.records()) {
            results.add(PutRecordsResultEntry.builder().shardId(shardOf(entry.partitionKey()))
                    .sequenceNumber(Long.toString(sequence.incrementAndGet())).build());
        }
        return CompletableFuture.completedFuture(PutRecordsResponse.builder().failedRecordCount(0).records(results).build());
    }

    /** Bytes (data plus partition keys) of a call, as Kinesis counts them. */
    static long bytesOf(PutRecordsRequest call) {
        return call.records().stream().mapToLong(e -> e.data().asByteArray().length + e.partitionKey().length()).sum();
    }

    @Override
    public String serviceName() {
        return "kinesis";
    }

    @Override
    public void close() {
    }
}
