package io.cdclr.connector.source;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.source.SourceConnector;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Wal2JsonSourceConnectorTest {
    private static final Map<String, String> PROPS = Map.of("database.user", "cdc", "database.dbname", "cdc",
            "slot.name", "orders_slot");

    @Test
    void oneTaskPerSlotWhateverMaxTasksSays() {
        Wal2JsonSourceConnector c = new Wal2JsonSourceConnector();
        c.start(PROPS);
        assertEquals(List.of(PROPS), c.taskConfigs(8));
        assertEquals(Wal2JsonSourceTask.class, c.taskClass());
        assertTrue(c.config().names().containsAll(List.of("database.hostname", "database.port", "database.user",
                "database.password", "database.dbname", "database.sslmode", "slot.name", "slot.create.if.missing",
                "slot.active.wait.ms", "wal2json.format.version", "topic.prefix", "poll.max.records")));
    }

    @Test
    void badConfigFailsAtStart() {
        assertThrows(ConfigException.class, () -> new Wal2JsonSourceConnector().start(Map.of("database.user", "cdc",
                "database.dbname", "cdc", "wal2json.format.version", "1")));
    }

    @Test
    void everyKeyIsDocumented() {
        Wal2JsonSourceConfig.CONFIG_DEF.configKeys().values().forEach(k ->
                assertTrue(k.documentation != null && !k.documentation.isBlank(), k.name));
    }

    @Test
    void registeredAsAServiceForPluginDiscovery() {
        assertTrue(ServiceLoader.load(SourceConnector.class).stream()
                .anyMatch(p -> p.type() == Wal2JsonSourceConnector.class));
    }

    @Test
    void validateReportsWholeConfigurationProblemsOnTheirKey() {
        Map<String, String> props = new java.util.HashMap<>(PROPS);
        props.put("wal2json.format.version", "3");
        org.apache.kafka.common.config.ConfigValue v = new Wal2JsonSourceConnector().validate(props).configValues().stream()
                .filter(c -> c.name().equals("wal2json.format.version")).findFirst().orElseThrow();
        assertTrue(v.errorMessages().get(0).contains("only wal2json format-version 2 is supported"), v.errorMessages().toString());
        props.remove("wal2json.format.version");
        props.put("wal2json.include-lsn", "off");
        org.apache.kafka.common.config.ConfigValue lsn = new Wal2JsonSourceConnector().validate(props).configValues().stream()
                .filter(c -> c.name().equals("wal2json.include-lsn")).findFirst().orElseThrow();
        assertTrue(!lsn.errorMessages().isEmpty());
    }
}
