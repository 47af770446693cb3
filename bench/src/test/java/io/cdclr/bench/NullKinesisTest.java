package io.cdclr.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** The null sink speaks Kinesis as the SDK expects it (JSON, CBOR off) and puts each key on the shard Kinesis would. */
class NullKinesisTest {
    static {
        System.setProperty("aws.cborEnabled", "false");
    }

    @Test
    void answersTheSdkWithAResultPerRecordOnTheShardOfItsKey() throws Exception {
        try (NullKinesis sink = new NullKinesis(0, 4); KinesisClient client = client(sink.endpoint())) {
            assertEquals(StreamStatus.ACTIVE, client.describeStreamSummary(b -> b.streamName("s")).streamDescriptionSummary().streamStatus());
            assertEquals(4, client.describeStreamSummary(b -> b.streamName("s")).streamDescriptionSummary().openShardCount());
            List<Shard> shards = client.listShards(b -> b.streamName("s")).shards();
            assertEquals(4, shards.size());
            assertEquals(4, client.describeStream(b -> b.streamName("s")).streamDescription().shards().size());

            sink.countKeysStartingWith("public.orders");
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            long bytes = 0;
            for (int i = 0; i < 500; i++) {
                // Keys with characters JSON escapes, so the sink's unescaping is exercised too.
                String key = (i % 5 == 0 ? "public.other" : "public.orders") + "[" + i + ",\"q\\\"é\"]";
                byte[] data = ("{\"n\":" + i + "}").repeat(1 + i % 7).getBytes(StandardCharsets.UTF_8);
                bytes += data.length;
                entries.add(PutRecordsRequestEntry.builder().partitionKey(key).data(SdkBytes.fromByteArray(data)).build());
            }
            PutRecordsResponse response = client.putRecords(b -> b.streamName("s").records(entries));

            assertEquals(0, response.failedRecordCount());
            assertEquals(500, response.records().size());
            for (int i = 0; i < 500; i++) {
                PutRecordsResultEntry result = response.records().get(i);
                assertEquals(shardOf(entries.get(i).partitionKey(), shards), result.shardId(), "shard of record " + i);
                assertEquals(null, result.errorCode());
            }
            assertEquals(500, sink.records());
            assertEquals(400, sink.recordsWithKeyPrefix());
            assertEquals(bytes, sink.dataBytes());
            assertEquals(1, sink.calls());
        }
    }

    /** The shard whose hash-key range holds MD5 of the key, as Kinesis picks it. */
    private static String shardOf(String key, List<Shard> shards) throws Exception {
        BigInteger hash = new BigInteger(1, MessageDigest.getInstance("MD5").digest(key.getBytes(StandardCharsets.UTF_8)));
        for (Shard shard : shards) {
            if (hash.compareTo(new BigInteger(shard.hashKeyRange().startingHashKey())) >= 0
                    && hash.compareTo(new BigInteger(shard.hashKeyRange().endingHashKey())) <= 0) {
                return shard.shardId();
            }
        }
        throw new AssertionError("no shard for " + key);
    }

    private static KinesisClient client(URI endpoint) {
        return KinesisClient.builder().region(Region.US_EAST_1).endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(ApacheHttpClient.builder()).build();
    }
}
