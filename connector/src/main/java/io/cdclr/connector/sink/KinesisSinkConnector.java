package io.cdclr.connector.sink;

import io.cdclr.connector.source.Wal2JsonSourceConnector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
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
            configs.add(props);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    /** The ConfigDef's checks plus those across keys (backoff cap below its start), on the key concerned. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        boolean clean = config.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (clean) {
            try {
                new KinesisSinkConfig(connectorConfigs);
            } catch (ConfigException e) {
                String key = keyOf(e.getMessage());
                ConfigValue value = config.configValues().stream().filter(v -> v.name().equals(key)).findFirst()
                        .orElseGet(() -> {
                            ConfigValue added = new ConfigValue(key);
                            config.configValues().add(added);
                            return added;
                        });
                value.addErrorMessage(e.getMessage());
            }
        }
        return config;
    }

    /** ConfigException(name, value, message) reads "Invalid value V for configuration NAME: message". */
    static String keyOf(String message) {
        String marker = " for configuration ";
        int at = message == null ? -1 : message.indexOf(marker);
        if (at < 0) {
            return "kinesis";
        }
        int end = message.indexOf(':', at + marker.length());
        return message.substring(at + marker.length(), end < 0 ? message.length() : end);
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
