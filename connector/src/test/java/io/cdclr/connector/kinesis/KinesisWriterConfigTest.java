package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class KinesisWriterConfigTest {

    @Test
    void defaultsNeedOnlyStreamAndRegion() {
        var config = new KinesisWriterConfig(Map.of("kinesis.stream", "orders", "kinesis.region", "eu-west-1"));
        assertEquals("orders", config.stream());
        assertEquals("eu-west-1", config.region());
        assertEquals(Optional.empty(), config.endpoint());
        assertEquals(OversizedRecordPolicy.FAIL, config.oversizedRecordPolicy());
        assertEquals(0, config.retryMaxAttempts(), "retries without limit by default");
        assertEquals(500, config.maxRecordsPerCall());
        assertEquals(Duration.ofMillis(10), config.linger());
        assertEquals(16L * 1024 * 1024, config.maxBufferedBytes());
        assertEquals(8, config.maxConcurrentCalls());
    }

    @Test
    void readsEveryKey() {
        Map<String, Object> props = new HashMap<>();
        props.put("kinesis.stream", "orders");
        props.put("kinesis.region", "us-east-1");
        props.put("kinesis.endpoint", "http://127.0.0.1:4567");
        props.put("kinesis.linger.ms", "5");
        props.put("kinesis.max.buffered.bytes", "2097152");
        props.put("kinesis.max.concurrent.calls", "3");
        props.put("kinesis.max.records.per.call", "100");
        props.put("kinesis.oversized.record.policy", "skip");
        props.put("kinesis.retry.backoff.initial.ms", "20");
        props.put("kinesis.retry.backoff.max.ms", "400");
        props.put("kinesis.retry.max.attempts", "7");
        props.put("kinesis.call.timeout.ms", "1500");
        var config = new KinesisWriterConfig(props);
        assertEquals(Optional.of(URI.create("http://127.0.0.1:4567")), config.endpoint());
        assertEquals(Duration.ofMillis(5), config.linger());
        assertEquals(2097152, config.maxBufferedBytes());
        assertEquals(3, config.maxConcurrentCalls());
        assertEquals(100, config.maxRecordsPerCall());
        assertEquals(OversizedRecordPolicy.SKIP, config.oversizedRecordPolicy());
        assertEquals(Duration.ofMillis(20), config.retryBackoffInitial());
        assertEquals(Duration.ofMillis(400), config.retryBackoffMax());
        assertEquals(7, config.retryMaxAttempts());
        assertEquals(Duration.ofMillis(1500), config.callTimeout());
    }

    @Test
    void badInputNamesTheKey() {
        assertNamesKey("kinesis.stream", Map.of("kinesis.region", "us-east-1"));
        assertNamesKey("kinesis.region", Map.of("kinesis.stream", "s"));
        assertNamesKey("kinesis.endpoint", Map.of("kinesis.stream", "s", "kinesis.region", "r", "kinesis.endpoint", "not a uri"));
        assertNamesKey("kinesis.oversized.record.policy",
                Map.of("kinesis.stream", "s", "kinesis.region", "r", "kinesis.oversized.record.policy", "truncate"));
        assertNamesKey("kinesis.max.records.per.call", Map.of("kinesis.stream", "s", "kinesis.region", "r", "kinesis.max.records.per.call", "501"));
        assertNamesKey("kinesis.max.buffered.bytes", Map.of("kinesis.stream", "s", "kinesis.region", "r", "kinesis.max.buffered.bytes", "1000"));
        assertNamesKey("kinesis.linger.ms", Map.of("kinesis.stream", "s", "kinesis.region", "r", "kinesis.linger.ms", "soon"));
        assertNamesKey("kinesis.retry.backoff.max.ms",
                Map.of("kinesis.stream", "s", "kinesis.region", "r", "kinesis.retry.backoff.initial.ms", "500", "kinesis.retry.backoff.max.ms", "100"));
    }

    @Test
    void shardRateLimitDefaultsToAutoAtTheAwsLimits() {
        var config = new KinesisWriterConfig(Map.of("kinesis.stream", "s", "kinesis.region", "r"));
        assertEquals(ShardRateLimitMode.AUTO, config.shardRateLimit());
        assertEquals(1_000, config.shardRecordsPerSecond());
        assertEquals(1024L * 1024, config.shardBytesPerSecond());
        assertEquals(60_000, config.shardMapRefresh().toMillis());
        assertTrue(ShardRateLimitMode.AUTO.appliesTo(false), "provisioned: on");
        assertTrue(!ShardRateLimitMode.AUTO.appliesTo(null), "mode not reported (emulator): off");
        assertTrue(!ShardRateLimitMode.AUTO.appliesTo(true), "on-demand: off");
        assertTrue(ShardRateLimitMode.ON.appliesTo(true));
        assertTrue(!ShardRateLimitMode.OFF.appliesTo(false));
        assertNamesKey("kinesis.shard.rate.limit", Map.of("kinesis.stream", "s", "kinesis.region", "r", "kinesis.shard.rate.limit", "sometimes"));
        assertNamesKey("kinesis.shard.records.per.second",
                Map.of("kinesis.stream", "s", "kinesis.region", "r", "kinesis.shard.records.per.second", "0"));
    }

    @Test
    void putRecordsPathIsDirectUnlessSdkIsAsked() {
        assertEquals(PutRecordsPath.DIRECT, new KinesisWriterConfig(Map.of("kinesis.stream", "s", "kinesis.region", "r")).putRecordsPath());
        assertEquals(PutRecordsPath.SDK, new KinesisWriterConfig(Map.of("kinesis.stream", "s", "kinesis.region", "r",
                "kinesis.put.records.path", "sdk")).putRecordsPath());
        assertNamesKey("kinesis.put.records.path", Map.of("kinesis.stream", "s", "kinesis.region", "r",
                "kinesis.put.records.path", "netty"));
    }

    @Test
    void everyKeyIsDocumented() {
        CONFIG_KEYS.forEach(key -> {
            var definition = KinesisWriterConfig.CONFIG_DEF.configKeys().get(key);
            assertTrue(definition != null && definition.documentation != null && !definition.documentation.isBlank(), key);
        });
        assertEquals(CONFIG_KEYS.size(), KinesisWriterConfig.CONFIG_DEF.configKeys().size());
    }

    private static final java.util.List<String> CONFIG_KEYS = java.util.List.of(
            "kinesis.stream", "kinesis.region", "kinesis.endpoint", "kinesis.linger.ms", "kinesis.max.buffered.bytes",
            "kinesis.max.concurrent.calls", "kinesis.max.records.per.call", "kinesis.oversized.record.policy",
            "kinesis.retry.backoff.initial.ms", "kinesis.retry.backoff.max.ms", "kinesis.retry.max.attempts",
            "kinesis.call.timeout.ms",
            "kinesis.shard.rate.limit", "kinesis.shard.records.per.second", "kinesis.shard.bytes.per.second",
            "kinesis.shard.map.refresh.ms",
            "kinesis.aggregation", "kinesis.aggregation.max.records", "kinesis.aggregation.max.bytes",
            "kinesis.aggregation.linger.ms", "kinesis.put.records.path");

    @Test
    void aggregationIsOffByDefaultWithTheKplsAggregateSize() {
        KinesisWriterConfig config = TestConfigs.fast(Map.of());
        assertEquals(false, config.aggregation());
        assertEquals(1000, config.aggregationMaxRecords());
        assertEquals(51_200, config.aggregationMaxBytes());
        assertEquals(50, config.aggregationLinger().toMillis());
        assertNamesKey("kinesis.aggregation.max.bytes", withStream(Map.of("kinesis.aggregation.max.bytes", 100)));
        assertNamesKey("kinesis.aggregation.max.records", withStream(Map.of("kinesis.aggregation.max.records", 0)));
    }

    private static Map<String, Object> withStream(Map<String, Object> props) {
        Map<String, Object> all = new java.util.HashMap<>(props);
        all.put(KinesisWriterConfig.STREAM, "s");
        all.put(KinesisWriterConfig.REGION, "us-east-1");
        return all;
    }

    private static void assertNamesKey(String key, Map<String, ?> props) {
        var error = assertThrows(ConfigException.class, () -> new KinesisWriterConfig(props));
        assertTrue(error.getMessage().contains(key), error.getMessage());
    }
}
