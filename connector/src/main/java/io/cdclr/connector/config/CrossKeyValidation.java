package io.cdclr.connector.config;

import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/**
 * Connect's REST {@code validate} runs only each key's own validator. The checks that need the whole configuration
 * live in the config classes' constructors; this runs them and puts their error on the key concerned, so the REST
 * answer names it too.
 */
public final class CrossKeyValidation {
    private CrossKeyValidation() {
    }

    /**
     * @param config      what {@code super.validate} returned
     * @param construct   builds the connector's config class from the properties, throwing {@link ConfigException}
     * @param fallbackKey where an error that names no key is reported
     */
    public static Config addTo(Config config, Map<String, String> props, Consumer<Map<String, String>> construct,
                               String fallbackKey) {
        boolean clean = config.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (!clean) {
            return config; // the per-key errors come first; the cross-key checks assume valid keys
        }
        try {
            construct.accept(props);
        } catch (ConfigException e) {
            String key = keyOf(e.getMessage(), fallbackKey);
            ConfigValue value = config.configValues().stream().filter(v -> v.name().equals(key)).findFirst()
                    .orElseGet(() -> {
                        ConfigValue added = new ConfigValue(key);
                        config.configValues().add(added);
                        return added;
                    });
            value.addErrorMessage(e.getMessage());
        }
        return config;
    }

    /** ConfigException(name, value, message) reads "Invalid value V for configuration NAME: message". */
    static String keyOf(String message, String fallbackKey) {
        String marker = " for configuration ";
        int at = message == null ? -1 : message.indexOf(marker);
        if (at < 0) {
            return fallbackKey;
        }
        int end = message.indexOf(':', at + marker.length());
        return message.substring(at + marker.length(), end < 0 ? message.length() : end);
    }
}
