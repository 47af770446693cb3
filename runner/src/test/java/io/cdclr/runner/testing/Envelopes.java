package io.cdclr.runner.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.ExactJson;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.kinesis.model.Record;

/** JSON equality with numbers verbatim ({@code 10.50} is not {@code 10.5}), and the per-key order check. */
public final class Envelopes {
    private Envelopes() {
    }

    public static JsonNode parse(String json) {
        return ExactJson.tree(json);
    }

    public static String data(Record record) {
        return record.data().asString(StandardCharsets.UTF_8);
    }

    /** Whether every oracle change is among the records (duplicates and order aside): a wait condition. */
    public static boolean containsAll(List<Record> delivered, List<String> oracle) {
        java.util.Set<JsonNode> seen = new java.util.HashSet<>();
        delivered.forEach(r -> seen.add(parse(data(r))));
        return oracle.stream().map(Envelopes::parse).allMatch(seen::contains);
    }

    /**
     * Every oracle change is on the stream, and nothing else is; with {@code exactlyOnce} none twice. For each partition
     * key, the first deliveries of its changes are in the oracle's (commit) order.
     */
    public static void assertDelivered(List<String> oracle, List<Record> delivered, boolean exactlyOnce) {
        List<JsonNode> expected = oracle.stream().map(Envelopes::parse).toList();
        Map<JsonNode, Integer> position = new HashMap<>();
        for (int i = 0; i < expected.size(); i++) {
            position.putIfAbsent(expected.get(i), i);
        }
        Map<JsonNode, Integer> seen = new HashMap<>();
        Map<String, List<Integer>> firstDeliveriesByKey = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        for (Record record : delivered) {
            JsonNode node = parse(data(record));
            Integer index = position.get(node);
            if (index == null) {
                unexpected.add(data(record));
                continue;
            }
            if (seen.merge(node, 1, Integer::sum) == 1) {
                firstDeliveriesByKey.computeIfAbsent(record.partitionKey(), k -> new ArrayList<>()).add(index);
            }
        }
        if (!unexpected.isEmpty()) {
            String lsn = parse(unexpected.get(0)).path("lsn").asText();
            List<String> sameLsn = oracle.stream().filter(o -> parse(o).path("lsn").asText().equals(lsn)).toList();
            throw new AssertionError(unexpected.size() + " records that wal2json did not emit, e.g. " + unexpected.get(0)
                    + "\nwal2json's changes at the same lsn: " + sameLsn);
        }
        List<String> missing = new ArrayList<>();
        for (JsonNode node : expected) {
            if (!seen.containsKey(node)) {
                missing.add(node.toString());
            }
        }
        assertTrue(missing.isEmpty(), missing.size() + " of " + expected.size() + " changes missing, e.g. "
                + missing.subList(0, Math.min(3, missing.size())));
        if (exactlyOnce) {
            List<String> duplicated = seen.entrySet().stream().filter(e -> e.getValue() > 1)
                    .map(e -> e.getValue() + "x " + e.getKey()).toList();
            assertEquals(List.of(), duplicated, "duplicates delivered");
            assertEquals(expected.size(), delivered.size(), "duplicates delivered");
        }
        firstDeliveriesByKey.forEach((key, indexes) -> {
            for (int i = 1; i < indexes.size(); i++) {
                assertTrue(indexes.get(i - 1) < indexes.get(i), "per-key order broken for key " + key + ": " + indexes);
            }
        });
    }
}
