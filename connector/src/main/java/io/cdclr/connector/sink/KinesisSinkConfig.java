package io.cdclr.connector.sink;

import io.cdclr.connector.kinesis.KinesisWriterConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of the {@link KinesisSinkConnector}: every key of the Kinesis writer ({@link KinesisWriterConfig#CONFIG_DEF})
 * plus the sink's own. Connect's own keys (topics, converters, tasks.max, ...) are validated by Connect.
 */
public final class KinesisSinkConfig {
    public static final String COMMIT_FLUSH_TIMEOUT_MS = "kinesis.sink.commit.flush.timeout.ms";
    public static final String NULL_KEY_POLICY = "kinesis.sink.null.key";
    public static final String NULL_KEY_TOPIC_PARTITION = "topic-partition";
    public static final String NULL_KEY_FAIL = "fail";

    public static final ConfigDef CONFIG_DEF = new ConfigDef(KinesisWriterConfig.CONFIG_DEF)
            .define(COMMIT_FLUSH_TIMEOUT_MS, Type.LONG, 10_000L, Range.atLeast(0), Importance.LOW,
                    "Before each offset commit (and before partitions are closed or the task stops), wait up to this long "
                            + "for the records handed to the writer to be acknowledged, so the commit covers them. Whatever "
                            + "is not acknowledged by then is simply not committed yet (it is committed later, or re-read after "
                            + "a restart). 0 commits what is acknowledged at that moment without waiting.")
            .define(NULL_KEY_POLICY, Type.STRING, NULL_KEY_TOPIC_PARTITION,
                    ConfigDef.ValidString.in(NULL_KEY_TOPIC_PARTITION, NULL_KEY_FAIL), Importance.LOW,
                    "A record without a key: 'topic-partition' uses '<topic>-<partition>' as its Kinesis partition key "
                            + "(keeps the Kafka partition's order in one shard); 'fail' stops the task naming the record.");

    private final KinesisWriterConfig writerConfig;
    private final Duration commitFlushTimeout;
    private final boolean failOnNullKey;

    /** @throws ConfigException naming the key, on a missing or invalid value */
    public KinesisSinkConfig(Map<String, String> props) {
        Map<String, Object> values = CONFIG_DEF.parse(props);
        Map<String, Object> writerProps = new HashMap<>();
        for (String name : KinesisWriterConfig.CONFIG_DEF.names()) {
            if (props.containsKey(name)) {
                writerProps.put(name, props.get(name));
            }
        }
        writerConfig = new KinesisWriterConfig(writerProps);
        commitFlushTimeout = Duration.ofMillis((Long) values.get(COMMIT_FLUSH_TIMEOUT_MS));
        failOnNullKey = NULL_KEY_FAIL.equals(values.get(NULL_KEY_POLICY));
    }

    public KinesisWriterConfig writerConfig() {
        return writerConfig;
    }

    public Duration commitFlushTimeout() {
        return commitFlushTimeout;
    }

    public boolean failOnNullKey() {
        return failOnNullKey;
    }
}
