package io.cdclr.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** The benchmark's Kinesis side: streams, reading a stream back, and the sink ceiling (a plain PutRecords loop). */
final class Kinesis implements AutoCloseable {
    /** One record as it arrived: partition key, data, and Kinesis's ApproximateArrivalTimestamp in epoch ms. */
    record Arrived(String key, byte[] data, long arrivalMillis) {
        int size() {
            return data.length + key.length();
        }
    }

    private final KinesisAsyncClient client;

    Kinesis(URI endpoint, String region) {
        // The SDK's Netty client over HTTP/1.1. (The runner writes through the blocking Apache client; the recorded
        // ceilings were taken with this one, and one call at a time is bound by kinesalite either way.)
        // CBOR is off through -Daws.cborEnabled=false (kinesalite speaks only JSON).
        // The SDK's standard retries (3 attempts): right after the harness restarts kinesalite, a call can meet a
        // connection the new emulator closes ("The connection was closed during the request"), and without a retry
        // that one call ended the whole run. kinesalite does not throttle here, so the ceilings' calls retry only on
        // such a failure.
        client = KinesisAsyncClient.builder().region(Region.of(region)).endpointOverride(endpoint)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1)
                        .readTimeout(Duration.ofMinutes(5)).writeTimeout(Duration.ofMinutes(5)))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy()))
                .build();
    }

    void createStream(String name, int shards) throws InterruptedException {
        deleteStream(name);
        client.createStream(b -> b.streamName(name).shardCount(shards)).join();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            StreamStatus status = client.describeStreamSummary(b -> b.streamName(name)).join()
                    .streamDescriptionSummary().streamStatus();
            if (status == StreamStatus.ACTIVE) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("stream " + name + " not ACTIVE after 60 s");
    }

    void deleteStream(String name) throws InterruptedException {
        try {
            client.deleteStream(b -> b.streamName(name).enforceConsumerDeletion(true)).join();
        } catch (RuntimeException notThere) {
            return;
        }
        for (int i = 0; i < 100; i++) {
            try {
                client.describeStreamSummary(b -> b.streamName(name)).join();
            } catch (RuntimeException gone) {
                return;
            }
            Thread.sleep(100);
        }
    }

    /**
     * Every record in the stream, shard after shard from TRIM_HORIZON to its end (kinesalite is one thread: reading
     * shards in parallel gains nothing and makes its large responses slower still).
     */
    List<Arrived> readAll(String stream) {
        List<Shard> shards = client.listShards(b -> b.streamName(stream)).join().shards();
        List<Arrived> all = new ArrayList<>();
        for (Shard shard : shards) {
            all.addAll(readShard(stream, shard.shardId(), Integer.MAX_VALUE));
        }
        return all;
    }

    /** Up to {@code max} records of one shard, from its start. */
    List<Arrived> readShard(String stream, String shardId, int max) {
        List<Arrived> out = new ArrayList<>();
        String iterator = client.getShardIterator(b -> b.streamName(stream).shardId(shardId)
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
        while (iterator != null && out.size() < max) {
            String it = iterator;
            GetRecordsResponse response = getRecords(it);
            for (Record r : response.records()) {
                out.add(new Arrived(r.partitionKey(), r.data().asByteArrayUnsafe(), r.approximateArrivalTimestamp().toEpochMilli()));
            }
            if (response.records().isEmpty()) {
                break;
            }
            iterator = response.nextShardIterator();
        }
        return out;
    }

    /** GetRecords of at most 2,000 records, tried again a few times: a slow emulator must not end the run. */
    private GetRecordsResponse getRecords(String iterator) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return client.getRecords(b -> b.shardIterator(iterator).limit(2_000)).join();
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    String firstShard(String stream) {
        return client.listShards(b -> b.streamName(stream)).join().shards().get(0).shardId();
    }

    /**
     * The sink ceiling: one 500-record PutRecords call after another with the SDK, no batching logic, no ordering,
     * no callbacks, no retries (failed entries are counted, not re-sent). Returns the elapsed nanoseconds.
     */
    long plainPutRecordsLoop(String stream, List<Arrived> records, Runnable everyCall) {
        long failed = 0;
        long started = System.nanoTime();
        for (int from = 0; from < records.size(); from += 500) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>(500);
            for (Arrived r : records.subList(from, Math.min(from + 500, records.size()))) {
                entries.add(PutRecordsRequestEntry.builder().partitionKey(r.key()).data(SdkBytes.fromByteArrayUnsafe(r.data())).build());
            }
            PutRecordsResponse response = client.putRecords(b -> b.streamName(stream).records(entries)).join();
            failed += response.failedRecordCount() == null ? 0 : response.failedRecordCount();
            everyCall.run();
        }
        long elapsed = System.nanoTime() - started;
        if (failed > 0) {
            System.out.printf("  (sink ceiling: %,d records failed and were not retried)%n", failed);
        }
        return elapsed;
    }

    @Override
    public void close() {
        client.close();
    }
}
