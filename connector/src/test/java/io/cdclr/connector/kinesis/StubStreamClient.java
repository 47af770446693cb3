package io.cdclr.connector.kinesis;

import io.cdclr.testsupport.FakeKinesisClient;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryRequest;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * A stream stand-in for unit tests of what the writer reads about its stream: a DescribeStreamSummary answer the test
 * chooses, {@code shards} equal shards from ListShards, and PutRecords that accepts every entry at once and names the
 * shard its hash key falls in. Keeps every call's entries.
 */
final class StubStreamClient extends FakeKinesisClient {
    private final StreamDescriptionSummary summary;
    private final ShardMap map;
    private final List<Shard> shards;
    final List<PutRecordsRequest> calls = new CopyOnWriteArrayList<>();

    /** @param summary null: DescribeStreamSummary fails as it does without permission */
    StubStreamClient(StreamDescriptionSummary summary, int shardCount) {
        this.summary = summary;
        this.shards = evenShards(shardCount);
        List<ShardMap.Shard> mapShards = new ArrayList<>();
        for (Shard s : shards) {
            mapShards.add(new ShardMap.Shard(s.shardId(), new BigInteger(s.hashKeyRange().startingHashKey()),
                    new BigInteger(s.hashKeyRange().endingHashKey())));
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
    protected List<Shard> shards() {
        return shards;
    }

    @Override
    public CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
        calls.add(request);
        List<PutRecordsResultEntry> results = new ArrayList<>();
        for (PutRecordsRequestEntry entry : request.records()) {
            results.add(written(shardOf(entry.partitionKey())));
        }
        return CompletableFuture.completedFuture(response(results));
    }

    /** Bytes (data plus partition keys) of a call, as Kinesis counts them. */
    static long bytesOf(PutRecordsRequest call) {
        return call.records().stream().mapToLong(e -> e.data().asByteArray().length + e.partitionKey().length()).sum();
    }
}
