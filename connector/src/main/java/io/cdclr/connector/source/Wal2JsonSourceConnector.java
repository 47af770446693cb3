package io.cdclr.connector.source;

import io.cdclr.connector.config.ConfigValidation;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

import java.util.ArrayList;
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
     * Besides the ConfigDef's own checks, reports what only the whole configuration can tell (the wal2json
     * pass-through options, {@link Wal2JsonSourceConfig#rules}) on the key concerned, so Connect's REST validation
     * shows it too.
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        return new Config(new ArrayList<>(ConfigValidation.validate(Wal2JsonSourceConfig.CONFIG_DEF,
                Wal2JsonSourceConfig.rules(connectorConfigs), connectorConfigs).values()));
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
