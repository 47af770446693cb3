package io.cdclr.connector.config;

import java.util.List;
import java.util.function.Function;

/**
 * A check over several keys, declared beside the keys it reads and reported on the one key an operator changes to
 * fix it. Kafka's {@code ConfigDef} validators see one value each; a rule sees the whole configuration, parsed.
 *
 * @param key   where a problem is reported (also a key the rule needs valid)
 * @param reads the other keys the check needs: it is skipped while one of them has a problem of its own, which is
 *              reported already
 * @param check the message of the problem, or null when there is none
 */
public record ConfigRule(String key, List<String> reads, Function<ParsedConfig, String> check) {
    public ConfigRule {
        reads = List.copyOf(reads);
    }

    public static ConfigRule on(String key, List<String> reads, Function<ParsedConfig, String> check) {
        return new ConfigRule(key, reads, check);
    }
}
