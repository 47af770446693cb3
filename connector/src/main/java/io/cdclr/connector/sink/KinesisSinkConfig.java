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
    public static final String CLOSE_TIMEOUT_MS = "kinesis.sink.close.timeout.ms";
    public static final String PUT_TIMEOUT_MS = "kinesis.sink.put.timeout.ms";
    /** Set by the connector in each task's config (not by users): names the task's metrics MBean. */
    public static final String TASK_ID = "kinesis.sink.task.id";

    public static final ConfigDef CONFIG_DEF = new ConfigDef(KinesisWriterConfig.CONFIG_DEF)
            .define(COMMIT_FLUSH_TIMEOUT_MS, Type.LONG, 10_000L, Range.atLeast(0), Importance.LOW,
                    "Before each offset commit (and before partitions are closed or the task stops), wait up to this long "
                            + "for the records handed to the writer to be acknowledged, so the commit covers them. Whatever "
                            + "is not acknowledged by then is simply not committed yet (it is committed later, or re-read after "
                            + "a restart). 0 commits what is acknowledged at that moment without waiting.")
            .define(NULL_KEY_POLICY, Type.STRING, NULL_KEY_TOPIC_PARTITION,
                    ConfigDef.ValidString.in(NULL_KEY_TOPIC_PARTITION, NULL_KEY_FAIL), Importance.LOW,
                    "A record without a key: 'topic-partition' uses '<topic>-<partition>' as its Kinesis partition key "
                            + "(keeps the Kafka partition's order in one shard); 'fail' stops the task naming the record.")
            .define(CLOSE_TIMEOUT_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.LOW,
                    "When partitions are revoked (a rebalance), wait up to this long for the records of those partitions "
                            + "that are still in the writer to be acknowledged, so the next owner, which starts from the "
                            + "committed offset, never has an older change of a key land after its newer one. If they are "
                            + "not acknowledged by then, the writer is replaced: records not sent yet are dropped (never "
                            + "written) and the task's remaining partitions are rewound to their first unacknowledged "
                            + "offset (at-least-once). Keep it well below the consumer's max.poll.interval.ms (default "
                            + "300000): the group's rebalance waits for it.")
            .define(PUT_TIMEOUT_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.LOW,
                    "The longest put() waits for room in the writer's buffer (kinesis.max.buffered.bytes) while Kinesis "
                            + "is slow or throttling. Records that did not fit by then are handed back to Connect (the "
                            + "partition is rewound to them) and come again in the next put(), so the task keeps polling and "
                            + "stays in its consumer group. Keep it well below max.poll.interval.ms (default 300000).")
            .defineInternal(TASK_ID, Type.INT, 0, Importance.LOW);

    private final KinesisWriterConfig writerConfig;
    private final Duration commitFlushTimeout;
    private final boolean failOnNullKey;
    private final Duration closeTimeout;
    private final Duration putTimeout;
    private final int taskId;

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
        closeTimeout = Duration.ofMillis((Long) values.get(CLOSE_TIMEOUT_MS));
        putTimeout = Duration.ofMillis((Long) values.get(PUT_TIMEOUT_MS));
        taskId = (Integer) values.get(TASK_ID);
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

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public Duration putTimeout() {
        return putTimeout;
    }

    public int taskId() {
        return taskId;
    }
}
