package io.cdclr.connector.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/**
 * Checks a configuration in one pass: every declared key with its own validator ({@link ConfigDef#validate}), then
 * every {@link ConfigRule} whose keys are valid, each problem on the key it concerns. Connect's REST
 * {@code validate}, the connectors' constructors and the runner all take their problems from here.
 */
public final class ConfigValidation {
    private ConfigValidation() {
    }

    /**
     * One {@link ConfigValue} per declared key and per key a rule reported on, in that order, each with all its
     * error messages (none when valid).
     */
    public static Map<String, ConfigValue> validate(ConfigDef def, List<ConfigRule> rules, Map<?, ?> props) {
        Map<String, Object> given = new HashMap<>();
        props.forEach((k, v) -> given.put(String.valueOf(k), v));
        @SuppressWarnings("unchecked") // ConfigDef parses each value as an Object: text, or typed values given in code
        Map<String, String> asGiven = (Map<String, String>) (Map<String, ?>) given;
        Map<String, ConfigValue> result = new LinkedHashMap<>();
        for (ConfigValue value : def.validate(asGiven)) {
            result.put(value.name(), value);
        }
        ParsedConfig parsed = new ParsedConfig(Map.copyOf(result), given);
        for (ConfigRule rule : rules) {
            if (hasProblem(result, rule.key()) || rule.reads().stream().anyMatch(k -> hasProblem(result, k))) {
                continue;
            }
            String message = rule.check().apply(parsed);
            if (message != null) {
                result.computeIfAbsent(rule.key(), k -> {
                    ConfigValue added = new ConfigValue(k);
                    added.value(parsed.get(k));
                    return added;
                }).addErrorMessage(message);
            }
        }
        return result;
    }

    /**
     * For constructors: the first problem {@link #validate} finds, as the {@link ConfigException} naming its key.
     *
     * @throws ConfigException "Invalid value V for configuration KEY: message"
     */
    public static void ensureValid(ConfigDef def, List<ConfigRule> rules, Map<?, ?> props) {
        for (ConfigValue value : validate(def, rules, props).values()) {
            if (!value.errorMessages().isEmpty()) {
                String message = value.errorMessages().get(0);
                if (message.startsWith("Invalid value ") || message.startsWith("Missing required configuration")) {
                    throw new ConfigException(message); // ConfigDef's own message names the key already
                }
                throw new ConfigException(value.name(), shown(def, value), message);
            }
        }
    }

    /** The value for a message: a password is never shown. */
    private static Object shown(ConfigDef def, ConfigValue value) {
        ConfigDef.ConfigKey key = def.configKeys().get(value.name());
        return key != null && key.type == ConfigDef.Type.PASSWORD ? "[hidden]" : value.value();
    }

    private static boolean hasProblem(Map<String, ConfigValue> result, String key) {
        ConfigValue value = result.get(key);
        return value != null && !value.errorMessages().isEmpty();
    }
}
