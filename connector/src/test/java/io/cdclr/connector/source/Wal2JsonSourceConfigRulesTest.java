package io.cdclr.connector.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.connector.config.ConfigValidation;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

/** The source connector's rules across keys: each problem on the key to change, all of them in one pass. */
class Wal2JsonSourceConfigRulesTest {
    /** Key -> first error, for the keys that have one. */
    private static Map<String, String> problems(Map<String, String> props) {
        Map<String, String> problems = new TreeMap<>();
        for (ConfigValue v : ConfigValidation.validate(Wal2JsonSourceConfig.CONFIG_DEF, Wal2JsonSourceConfig.rules(props),
                props).values()) {
            if (!v.errorMessages().isEmpty()) {
                problems.put(v.name(), v.errorMessages().get(0));
            }
        }
        return problems;
    }

    private static Map<String, String> with(String... keyValues) {
        Map<String, String> p = Wal2JsonSourceConfigTest.minimal();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private static void assertOnly(String key, String fragment, Map<String, String> props) {
        Map<String, String> problems = problems(props);
        assertEquals(List.of(key), List.copyOf(problems.keySet()), problems.toString());
        assertTrue(problems.get(key).contains(fragment), problems.toString());
    }

    @Test
    void aValidConfigurationHasNoProblem() {
        assertEquals(Map.of(), problems(with("wal2json.add-tables", "public.orders", "snapshot.tables", "public.orders")));
    }

    @Test
    void eachRuleIsReportedOnItsKey() {
        assertOnly("wal2json.include-lsn", "include-lsn=0 is not supported", with("wal2json.include-lsn", "off"));
        assertOnly("reconnect.backoff.max.ms", "must be at least reconnect.backoff.initial.ms",
                with("reconnect.backoff.initial.ms", "5000", "reconnect.backoff.max.ms", "100"));
        assertOnly("wal2json.add-msg-prefixes", "cdclr.snapshot,cdclr.snapshot.wm",
                with("snapshot.tables", "public.orders", "wal2json.add-msg-prefixes", "app"));
        assertOnly("snapshot.tables", "include-pk=1", with("snapshot.tables", "public.orders", "wal2json.include-pk", "0"));
        assertOnly("snapshot.tables", "'orders' is not schema.table", with("snapshot.tables", "orders"));
        assertOnly("wal2json.format.version", "only wal2json format-version 2", with("wal2json.format.version", "1"));
    }

    @Test
    void eachPassThroughOptionIsReportedUnderItsOwnKey() {
        assertOnly("wal2json.foo", "unknown wal2json option 'foo'", with("wal2json.foo", "1"));
        assertOnly("wal2json.format-version", "only wal2json format-version 2", with("wal2json.format-version", "1"));
        assertOnly("wal2json.pretty-print", "format-version 1 option", with("wal2json.pretty-print", "on"));
        assertOnly("wal2json.include-transaction", "expected a boolean", with("wal2json.include-transaction", "maybe"));
        assertOnly("wal2json.include-lsn", "expected a boolean", with("wal2json.include-lsn", "maybe"));
    }

    @Test
    void severalProblemsComeOutTogether() {
        Map<String, String> problems = problems(with("wal2json.foo", "1", "wal2json.include-lsn", "0",
                "reconnect.backoff.initial.ms", "5000", "reconnect.backoff.max.ms", "100", "database.port", "x",
                "snapshot.tables", "public.orders", "wal2json.include-pk", "f"));
        assertEquals(List.of("database.port", "reconnect.backoff.max.ms", "snapshot.tables", "wal2json.foo",
                "wal2json.include-lsn"), List.copyOf(problems.keySet()), problems.toString());
    }
}
