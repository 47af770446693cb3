package io.cdclr.connector.config;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigValue;

/**
 * What a {@link ConfigRule} reads: a declared key's value as its {@code ConfigDef} parsed it (its default when not
 * set), any other key (a pass-through such as {@code wal2json.<option>}) as the trimmed text given, or null.
 */
public final class ParsedConfig {
    private final Map<String, ConfigValue> declared;
    private final Map<String, ?> given;

    ParsedConfig(Map<String, ConfigValue> declared, Map<String, ?> given) {
        this.declared = declared;
        this.given = given;
    }

    public Object get(String key) {
        ConfigValue value = declared.get(key);
        if (value != null) {
            return value.value();
        }
        Object raw = given.get(key);
        return raw == null ? null : String.valueOf(raw).trim();
    }

    /** Whether the configuration sets the key (rather than leaving it to its default). */
    public boolean isSet(String key) {
        return given.containsKey(key);
    }

    public String getString(String key) {
        Object value = get(key);
        return value == null ? null : String.valueOf(value);
    }

    public long getLong(String key) {
        return ((Number) get(key)).longValue();
    }

    public int getInt(String key) {
        return ((Number) get(key)).intValue();
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String key) {
        Object value = get(key);
        return value == null ? List.of() : (List<String>) value;
    }
}
