package io.cdclr.connector.kinesis;

import io.cdclr.testsupport.LocalServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * A uniquely named stream on the local Kinesis emulator (colleagues share it), deleted on close, plus
 * what tests and the benchmark need around it: a plain SDK client, a writer config, reading every shard back.
 */
public final class EmulatorStream implements AutoCloseable {
    private final KinesisAsyncClient client;
    private final String name;

    private EmulatorStream(KinesisAsyncClient client, String name) {
        this.client = client;
        this.name = name;
    }

    public static EmulatorStream create(String prefix, int shards) throws InterruptedException {
        prepareSdkForEmulator();
        KinesisAsyncClient client = KinesisAsyncClient.builder()
                .region(Region.of(LocalServices.awsRegion()))
                .endpointOverride(LocalServices.kinesisEndpoint())
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
                .build();
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        client.createStream(b -> b.streamName(name).shardCount(shards)).join();
        EmulatorStream stream = new EmulatorStream(client, name);
        stream.awaitActive();
        return stream;
    }

    /** Waits (at most 30 s) until the stream is ACTIVE: after its creation, a split or a merge. */
    public void awaitActive() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (client.describeStreamSummary(b -> b.streamName(name)).join().streamDescriptionSummary().streamStatus()
                != StreamStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Stream " + name + " did not become ACTIVE on " + LocalServices.kinesisEndpoint());
            }
            Thread.sleep(50);
        }
    }

    /**
     * kinesalite answers CBOR requests with records it cannot encode (Data as a {"type":"Buffer"} map),
     * so the SDK's CBOR must be off. SDK v2 reads that from the system property aws.cborEnabled or the
     * environment variable CBOR_ENABLED; it ignores AWS_CBOR_DISABLED (an SDK v1 setting). The emulator
     * takes any credentials.
     */
    public static void prepareSdkForEmulator() {
        if (System.getenv("CBOR_ENABLED") == null && System.getProperty("aws.cborEnabled") == null) {
            System.setProperty("aws.cborEnabled", "false");
        }
        if (System.getenv("AWS_ACCESS_KEY_ID") == null && System.getProperty("aws.accessKeyId") == null) {
            System.setProperty("aws.accessKeyId", "local");
            System.setProperty("aws.secretAccessKey", "local");
        }
    }

    public String name() {
        return name;
    }

    public KinesisAsyncClient client() {
        return client;
    }

    /** A writer config for this stream on the emulator. */
    public Map<String, Object> writerProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(KinesisWriterConfig.STREAM, name);
        props.put(KinesisWriterConfig.REGION, LocalServices.awsRegion());
        props.put(KinesisWriterConfig.ENDPOINT, LocalServices.kinesisEndpoint().toString());
        return props;
    }

    /** Every record of every shard, each shard in its stream order. */
    public Map<String, List<Record>> readAllByShard() {
        Map<String, List<Record>> byShard = new HashMap<>();
        // DescribeStream rather than ListShards: kinesalite's ListShards answer does not parse in SDK v2.
        List<Shard> shards = client.describeStream(b -> b.streamName(name)).join().streamDescription().shards();
        for (Shard shard : shards) {
            String iterator = client.getShardIterator(b -> b.streamName(name).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
            List<Record> records = new ArrayList<>();
            while (iterator != null) {
                String current = iterator;
                GetRecordsResponse response = client.getRecords(b -> b.shardIterator(current).limit(10_000)).join();
                records.addAll(response.records());
                iterator = response.records().isEmpty() ? null : response.nextShardIterator();
            }
            byShard.put(shard.shardId(), records);
        }
        return byShard;
    }

    @Override
    public void close() {
        try {
            client.deleteStream(b -> b.streamName(name)).join();
        } finally {
            client.close();
        }
    }
}
