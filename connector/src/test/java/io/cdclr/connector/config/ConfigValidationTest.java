package io.cdclr.connector.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class ConfigValidationTest {
    private static final ConfigDef DEF = new ConfigDef()
            .define("low", Type.LONG, 10L, Range.atLeast(0), Importance.LOW, "lower bound")
            .define("high", Type.LONG, 100L, Range.atLeast(0), Importance.LOW, "upper bound")
            .define("port", Type.INT, 1, Range.between(1, 65535), Importance.LOW, "a port")
            .define("secret", Type.PASSWORD, null, Importance.LOW, "a password");

    private static final ConfigRule HIGH_ABOVE_LOW = ConfigRule.on("high", List.of("low"),
            c -> c.getLong("high") < c.getLong("low") ? "must be at least low" : null);
    private static final ConfigRule SECRET_WITH_PORT = ConfigRule.on("secret", List.of("port"),
            c -> c.getInt("port") == 2 && c.get("secret") != null ? "not with port 2" : null);
    private static final ConfigRule PASS_THROUGH = ConfigRule.on("extra.option", List.of(),
            c -> "yes".equals(c.getString("extra.option")) ? null : "expected yes");

    private static List<String> errors(Map<String, ConfigValue> result, String key) {
        ConfigValue value = result.get(key);
        return value == null ? List.of() : value.errorMessages();
    }

    @Test
    void aRuleIsReportedOnItsOwnKeyAndNoOther() {
        Map<String, ConfigValue> result = ConfigValidation.validate(DEF, List.of(HIGH_ABOVE_LOW),
                Map.of("low", "50", "high", "20"));
        assertEquals(List.of("must be at least low"), errors(result, "high"));
        assertTrue(errors(result, "low").isEmpty(), result.toString());
    }

    @Test
    void everyProblemComesOutInOnePassEachOnItsKey() {
        Map<String, ConfigValue> result = ConfigValidation.validate(DEF, List.of(HIGH_ABOVE_LOW, PASS_THROUGH),
                Map.of("low", "50", "high", "20", "port", "99999", "extra.option", "no"));
        assertEquals(List.of("must be at least low"), errors(result, "high"));
        assertEquals(1, errors(result, "port").size(), result.toString());
        assertTrue(errors(result, "port").get(0).contains("port"), errors(result, "port").toString());
        assertEquals(List.of("expected yes"), errors(result, "extra.option"), "an undeclared key gets its own value");
    }

    @Test
    void aRuleWaitsUntilTheKeysItReadsAreValid() {
        Map<String, ConfigValue> result = ConfigValidation.validate(DEF, List.of(HIGH_ABOVE_LOW),
                Map.of("low", "-1", "high", "0"));
        assertEquals(1, errors(result, "low").size(), "the key's own problem");
        assertTrue(errors(result, "high").isEmpty(), "no second report built on an invalid value");
    }

    @Test
    void rulesSeeDefaults() {
        Map<String, ConfigValue> result = ConfigValidation.validate(DEF, List.of(HIGH_ABOVE_LOW), Map.of("high", "5"));
        assertEquals(List.of("must be at least low"), errors(result, "high"), "low defaults to 10");
    }

    @Test
    void constructorsGetTheFirstProblemNamingItsKeyAndNeverAPassword() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigValidation.ensureValid(DEF,
                List.of(HIGH_ABOVE_LOW), Map.of("low", "50", "high", "20")));
        assertEquals("Invalid value 20 for configuration high: must be at least low", e.getMessage());
        ConfigException secret = assertThrows(ConfigException.class, () -> ConfigValidation.ensureValid(DEF,
                List.of(SECRET_WITH_PORT), Map.of("port", "2", "secret", "hunter2")));
        assertTrue(secret.getMessage().contains("configuration secret"), secret.getMessage());
        assertFalse(secret.getMessage().contains("hunter2"), secret.getMessage());
        ConfigValidation.ensureValid(DEF, List.of(HIGH_ABOVE_LOW, SECRET_WITH_PORT), Map.of("port", "3"));
    }
}
