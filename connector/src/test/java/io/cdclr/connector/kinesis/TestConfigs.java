package io.cdclr.connector.kinesis;

import java.util.HashMap;
import java.util.Map;

/** Writer configs for unit tests: short linger and backoff so faults are retried quickly. */
final class TestConfigs {
    static {
        // The fault tests make the writer log every retry; keep the test output readable.
        System.setProperty("org.slf4j.simpleLogger.log.io.cdclr.connector.kinesis", "error");
    }

    private TestConfigs() {
    }

    static KinesisWriterConfig fast(Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put(KinesisWriterConfig.STREAM, "test-stream");
        props.put(KinesisWriterConfig.REGION, "us-east-1");
        props.put(KinesisWriterConfig.LINGER_MS, 1);
        props.put(KinesisWriterConfig.RETRY_BACKOFF_INITIAL_MS, 1);
        props.put(KinesisWriterConfig.RETRY_BACKOFF_MAX_MS, 8);
        // The fake clients answer ListShards with one shard: pacing at the AWS limit would only slow the order tests
        // down (4 s -> 31 s); the pacing tests turn it on themselves.
        props.put(KinesisWriterConfig.SHARD_RATE_LIMIT, "off");
        props.putAll(overrides);
        return new KinesisWriterConfig(props);
    }
}
