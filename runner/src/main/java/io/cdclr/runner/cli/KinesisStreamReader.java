package io.cdclr.runner.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * Reads every shard of a stream from a starting point, in each shard's order. Records of one partition key live in
 * one shard, so per-key order is preserved in what {@link #poll()} returns.
 */
public final class KinesisStreamReader {
    private final KinesisClient client;
    private final Map<String, String> iterators = new LinkedHashMap<>();

    private KinesisStreamReader(KinesisClient client) {
        this.client = client;
    }

    /** From the oldest record still in the stream. */
    public static KinesisStreamReader fromStart(KinesisClient client, String stream) {
        return open(client, stream, b -> b.shardIteratorType(ShardIteratorType.TRIM_HORIZON));
    }

    /** From records arriving after now. */
    public static KinesisStreamReader fromLatest(KinesisClient client, String stream) {
        return open(client, stream, b -> b.shardIteratorType(ShardIteratorType.LATEST));
    }

    /** From records that arrived at or after {@code since}. */
    public static KinesisStreamReader since(KinesisClient client, String stream, Instant since) {
        return open(client, stream, b -> b.shardIteratorType(ShardIteratorType.AT_TIMESTAMP).timestamp(since));
    }

    private static KinesisStreamReader open(KinesisClient client, String stream,
                                            java.util.function.Consumer<GetShardIteratorRequest.Builder> start) {
        KinesisStreamReader reader = new KinesisStreamReader(client);
        for (Shard shard : shards(client, stream)) {
            String iterator = client.getShardIterator(b -> {
                b.streamName(stream).shardId(shard.shardId());
                start.accept(b);
            }).shardIterator();
            reader.iterators.put(shard.shardId(), iterator);
        }
        return reader;
    }

    private static List<Shard> shards(KinesisClient client, String stream) {
        List<Shard> shards = new ArrayList<>();
        var response = client.listShards(b -> b.streamName(stream));
        shards.addAll(response.shards());
        while (response.nextToken() != null) {
            String token = response.nextToken();
            response = client.listShards(b -> b.nextToken(token));
            shards.addAll(response.shards());
        }
        return shards;
    }

    /** One GetRecords per open shard; returns what arrived (possibly nothing). */
    public List<Record> poll() {
        List<Record> out = new ArrayList<>();
        for (Map.Entry<String, String> entry : new ArrayList<>(iterators.entrySet())) {
            if (entry.getValue() == null) {
                continue;
            }
            String iterator = entry.getValue();
            GetRecordsResponse response;
            do {
                String current = iterator;
                response = client.getRecords(b -> b.shardIterator(current).limit(10_000));
                out.addAll(response.records());
                iterator = response.nextShardIterator();
            } while (iterator != null && !response.records().isEmpty() && response.millisBehindLatest() != null
                    && response.millisBehindLatest() > 0);
            iterators.put(entry.getKey(), iterator);
        }
        return out;
    }
}
