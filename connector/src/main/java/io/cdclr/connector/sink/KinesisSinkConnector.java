package io.cdclr.connector.sink;

import io.cdclr.connector.config.ConfigValidation;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.cdclr.connector.source.Wal2JsonSourceConnector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Kafka Connect sink connector that writes each record's value to one Amazon Kinesis data stream through the
 * {@link io.cdclr.connector.kinesis.KinesisWriter}, with the record key as the partition key. Tasks scale with the
 * topics' partitions ({@code tasks.max}); each task has its own writer.
 */
public class KinesisSinkConnector extends SinkConnector {
    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        new KinesisSinkConfig(props); // fail fast with the key that is wrong
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return KinesisSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> task = new java.util.HashMap<>(props);
            task.put(KinesisSinkConfig.TASK_ID, Integer.toString(i));
            configs.add(task);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    /** The ConfigDef's checks plus those across keys (backoff cap below its start), on the key concerned. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        return new Config(new ArrayList<>(ConfigValidation.validate(KinesisSinkConfig.CONFIG_DEF, KinesisWriterConfig.RULES,
                connectorConfigs).values()));
    }

    @Override
    public ConfigDef config() {
        return KinesisSinkConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return Wal2JsonSourceConnector.VERSION;
    }
}
