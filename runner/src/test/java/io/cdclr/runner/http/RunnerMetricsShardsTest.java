package io.cdclr.runner.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.connector.kinesis.KinesisWriter;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/** The writer's per-shard counters and shard map size as the runner's /metrics exposes them. */
class RunnerMetricsShardsTest {

    @Test
    void perShardCountersAreLabelledWithTheShardId() throws Exception {
        // A client that writes every record into shard 7 and throttles each record's first attempt.
        KinesisAsyncClient client = new KinesisAsyncClient() {
            private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

            @Override
            public CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
                List<PutRecordsResultEntry> results = new ArrayList<>();
                int failed = 0;
                for (var entry : request.records()) {
                    if (seen.add(entry.partitionKey())) {
                        failed++;
                        results.add(PutRecordsResultEntry.builder().errorCode("ProvisionedThroughputExceededException")
                                .errorMessage("Rate exceeded").build());
                    } else {
                        results.add(PutRecordsResultEntry.builder().shardId("shardId-000000000007").sequenceNumber("1").build());
                    }
                }
                return CompletableFuture.completedFuture(PutRecordsResponse.builder().failedRecordCount(failed).records(results).build());
            }

            @Override
            public String serviceName() {
                return "kinesis";
            }

            @Override
            public void close() {
            }
        };
        RunnerMetrics metrics = new RunnerMetrics();
        try (var writer = new KinesisWriter(new KinesisWriterConfig(Map.of(KinesisWriterConfig.STREAM, "s",
                KinesisWriterConfig.REGION, "us-east-1", KinesisWriterConfig.RETRY_BACKOFF_INITIAL_MS, 1,
                KinesisWriterConfig.RETRY_BACKOFF_MAX_MS, 2)), client)) {
            metrics.register(writer.metrics());
            for (int i = 0; i < 3; i++) {
                writer.submit("key-" + i, "{}".getBytes(StandardCharsets.UTF_8), "change " + i, f -> { });
            }
            assertTrue(writer.flush(Duration.ofSeconds(10)));
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(body, metrics.registry().scrape());
        String text = body.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("cdc_kinesis_shard_records_total{shard=\"shardId-000000000007\"} 3.0"), text);
        assertTrue(text.contains("cdc_kinesis_shard_bytes_total{shard=\"shardId-000000000007\"}"), text);
        // without a shard map (this client cannot list shards) a throttled record's shard is not known
        assertTrue(text.contains("cdc_kinesis_shard_throttled_total{shard=\"unknown\"} 3.0"), text);
        assertTrue(text.contains("cdc_kinesis_shard_map_size 0.0"), text);
        assertTrue(text.contains("cdc_kinesis_shard_bucket_wait_seconds_total"), text);
        assertTrue(text.contains("cdc_kinesis_shard_waiting_records 0.0"), text);
    }
}
