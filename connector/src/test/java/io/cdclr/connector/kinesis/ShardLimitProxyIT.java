package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.LocalServices;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/** The per-shard-limit proxy itself: a burst into one shard is cut at the shard's limit, entry by entry, like AWS. */
class ShardLimitProxyIT {
    private static final int RATE = 200;

    @Test
    void aBurstIntoOneShardIsThrottledPerEntryBeyondTheShardsLimit() throws Exception {
        try (var stream = EmulatorStream.create("shards-proxy", 1);
             // 200 records/s rather than AWS's 1,000: the burst must outrun the limit however slow this machine is today
             var proxy = new ShardLimitProxy(LocalServices.kinesisEndpoint().toString(), RATE, ShardLimitProxy.AWS_BYTES_PER_SECOND);
             KinesisAsyncClient client = KinesisAsyncClient.builder()
                     .region(Region.of(LocalServices.awsRegion()))
                     .endpointOverride(URI.create(proxy.endpoint()))
                     .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
                     .build()) {
            long started = System.nanoTime();
            long accepted = 0;
            long throttled = 0;
            for (int call = 0; call < 6; call++) {
                List<PutRecordsRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    entries.add(PutRecordsRequestEntry.builder().partitionKey("k" + (call * 500 + i))
                            .data(SdkBytes.fromUtf8String("{\"n\":" + i + "}")).build());
                }
                PutRecordsResponse response = client.putRecords(b -> b.streamName(stream.name()).records(entries)).join();
                for (PutRecordsResultEntry result : response.records()) {
                    if (result.errorCode() == null) {
                        accepted++;
                    } else {
                        assertEquals("ProvisionedThroughputExceededException", result.errorCode());
                        throttled++;
                    }
                }
                assertEquals(response.failedRecordCount().longValue(), response.records().stream()
                        .filter(r -> r.errorCode() != null).count());
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("shard limit proxy (%d records/s): 3000 entries in %.2f s into 1 shard: %d accepted, %d throttled%n",
                    RATE, seconds, accepted, throttled);
            assertEquals(3000, accepted + throttled);
            assertTrue(throttled > 0, "a burst over the limit is throttled");
            assertTrue(accepted <= RATE + Math.ceil(seconds * RATE), "at most a second's burst plus the refill got through");
            assertEquals(accepted, proxy.entriesWritten());
            assertEquals(throttled, proxy.entriesThrottled());
            long inStream = stream.readAllByShard().values().stream().mapToLong(List::size).sum();
            assertEquals(accepted, inStream, "throttled entries were not written");
        }
    }
}
