package io.cdclr.runner.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.runner.testing.Envelopes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Compares what reached Kinesis with what the database committed (the oracle slot's changes, in commit order).
 * Changes are compared as JSON (numbers verbatim); a change is identified by its whole envelope, which includes its lsn.
 */
final class Checker {
    private Checker() {
    }

    /**
     * @param committed     changes committed (the oracle)
     * @param records       Kinesis records read (all of them, duplicates included)
     * @param missing       committed changes never delivered
     * @param duplicated    deliveries beyond the first of a change
     * @param unexpected    records that are no committed change (e.g. from a rolled back transaction)
     * @param orderViolations per partition key, first deliveries that come after the first delivery of a later change
     */
    record Result(int committed, int records, int missing, int duplicated, int unexpected, int orderViolations,
                  List<String> examples) {
    }

    static Result check(List<String> oracle, List<Record> delivered) {
        Map<JsonNode, Integer> position = new HashMap<>();
        for (int i = 0; i < oracle.size(); i++) {
            position.putIfAbsent(Envelopes.parse(oracle.get(i)), i);
        }
        Map<JsonNode, Integer> seen = new HashMap<>();
        Map<String, List<Integer>> firstDeliveriesByKey = new LinkedHashMap<>();
        List<String> examples = new ArrayList<>();
        int unexpected = 0;
        int duplicated = 0;
        for (Record record : delivered) {
            JsonNode node = Envelopes.parse(Envelopes.data(record));
            Integer index = position.get(node);
            if (index == null) {
                if (unexpected++ < 3) {
                    String lsn = node.path("lsn").asText();
                    List<String> sameLsn = oracle.stream().filter(o -> o.contains("\"lsn\":\"" + lsn + "\"")).toList();
                    examples.add("unexpected: " + abbreviate(Envelopes.data(record)) + " (committed changes at lsn "
                            + lsn + ": " + sameLsn.stream().map(Checker::abbreviate).toList() + ")");
                }
                continue;
            }
            if (seen.merge(node, 1, Integer::sum) == 1) {
                firstDeliveriesByKey.computeIfAbsent(record.partitionKey(), k -> new ArrayList<>()).add(index);
            } else {
                duplicated++;
            }
        }
        int missing = 0;
        for (String change : oracle) {
            if (!seen.containsKey(Envelopes.parse(change)) && missing++ < 3) {
                examples.add("missing: " + abbreviate(change));
            }
        }
        int violations = 0;
        for (Map.Entry<String, List<Integer>> entry : firstDeliveriesByKey.entrySet()) {
            int highest = -1;
            for (int index : entry.getValue()) {
                if (index < highest) {
                    if (violations++ < 3) {
                        examples.add("order: key " + entry.getKey() + " " + entry.getValue());
                    }
                } else {
                    highest = index;
                }
            }
        }
        return new Result(oracle.size(), delivered.size(), missing, duplicated, unexpected, violations, examples);
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
