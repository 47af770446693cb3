package io.cdclr.connector.source;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

import java.util.List;
import java.util.Map;

/**
 * Kafka Connect source connector for PostgreSQL logical replication with wal2json format-version 2. One slot,
 * one task: a replication slot can only be streamed by one session at a time.
 */
public class Wal2JsonSourceConnector extends SourceConnector {
    public static final String VERSION = "0.1.0";

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        new Wal2JsonSourceConfig(props); // fail fast with the key that is wrong
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return Wal2JsonSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(props);
    }

    @Override
    public void stop() {
    }

    /**
     * Besides the ConfigDef's own checks, reports what only the whole configuration can tell (format version,
     * wal2json pass-through options) on the key concerned, so Connect's REST validation shows it too.
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        boolean clean = config.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (clean) {
            try {
                new Wal2JsonSourceConfig(connectorConfigs);
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
            return "wal2json";
        }
        int end = message.indexOf(':', at + marker.length());
        return message.substring(at + marker.length(), end < 0 ? message.length() : end);
    }

    @Override
    public ConfigDef config() {
        return Wal2JsonSourceConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return VERSION;
    }
}
