package io.cdclr.runner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** tail's configuration: the Kinesis settings only. */
class KinesisOnlyConfigTest {
    private static final Map<String, String> KINESIS = Map.of("AWS_REGION", "eu-west-1", "KINESIS_STREAM", "orders-cdc",
            "KINESIS_ENDPOINT", "http://127.0.0.1:4567");

    @Test
    void theKinesisSettingsAloneAreEnough() {
        RunnerConfig config = RunnerConfig.loadKinesisOnly(Optional.empty(), KINESIS);
        assertEquals("orders-cdc", config.values().get("kinesis.stream"));
        assertEquals("http://127.0.0.1:4567", config.values().get("kinesis.endpoint"));
        // The full configuration still needs the database.
        List<String> problems = assertThrows(ConfigError.class, () -> RunnerConfig.load(Optional.empty(), KINESIS))
                .problems();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("database.user (PGUSER)")), problems.toString());
    }

    @Test
    void aMissingStreamAndUnknownVariablesAreStillErrors() {
        List<String> problems = assertThrows(ConfigError.class, () -> RunnerConfig.loadKinesisOnly(Optional.empty(),
                Map.of("AWS_REGION", "eu-west-1", "CDC_KINESIS_STRAEM", "x"))).problems();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("kinesis.stream (KINESIS_STREAM): required")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("CDC_KINESIS_STRAEM: unknown")), problems.toString());
    }
}
