package io.cdclr.runner.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.connector.envelope.Envelope;
import io.cdclr.connector.envelope.EnvelopeParser;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.runner.testing.Envelopes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Compares what reached Kinesis with what the database committed (the oracle slot's changes, in commit order).
 * Changes are compared as JSON (numbers verbatim); a change is identified by its whole envelope, which includes its lsn.
 *
 * <p>Order is checked per key twice (issue 19). Per new key: the first deliveries of the changes written under one
 * partition key are in commit order (they are in one shard, so stream order decides). Per old key: an update that
 * moved its row to another primary key belongs to the old key too, so among the changes of a key K that include a
 * key change away from K, the first deliveries must be in commit order as well. Those changes may be in two shards:
 * two records in one shard are ordered by their place in it, two in different shards by ApproximateArrivalTimestamp
 * (the writer sends a later change only after the earlier one was acknowledged, so it cannot arrive earlier); equal
 * timestamps in different shards count as in order.
 */
final class Checker {
    private static final EnvelopeParser PARSER = new EnvelopeParser();

    private Checker() {
    }

    /**
     * @param committed       changes committed (the oracle)
     * @param records         Kinesis records read (all of them, duplicates included)
     * @param missing         committed changes never delivered
     * @param duplicated      deliveries beyond the first of a change
     * @param unexpected      records that are no committed change (e.g. from a rolled back transaction)
     * @param orderViolations all order violations: {@code newKeyViolations + oldKeyViolations}
     * @param newKeyViolations per partition key, first deliveries that come after the first delivery of a later change
     * @param oldKeyViolations per key that a change moved a row away from: first deliveries that come after the first
     *                        delivery of a later change of the key, where one of the two is such a key change
     * @param keyChanges      committed changes that changed their row's primary key
     */
    record Result(int committed, int records, int missing, int duplicated, int unexpected, int orderViolations,
                  List<String> examples, int newKeyViolations, int oldKeyViolations, int keyChanges) {
        @Override
        public String toString() {
            return "committed " + committed + ", delivered " + records + ", missing " + missing + ", duplicated "
                    + duplicated + ", unexpected " + unexpected + ", order " + orderViolations + " (new key "
                    + newKeyViolations + ", old key " + oldKeyViolations + "), key changes " + keyChanges
                    + (examples.isEmpty() ? "" : "; " + examples);
        }
    }

    static Result check(List<String> oracle, List<Record> delivered) {
        return check(oracle, delivered, null);
    }

    /**
     * @param shardOfKey the shard a partition key maps to (from the stream's hash-key ranges), or null: then only
     *                   records of the same partition key are known to share a shard
     */
    static Result check(List<String> oracle, List<Record> delivered, Function<String, String> shardOfKey) {
        Map<JsonNode, Integer> position = new HashMap<>();
        for (int i = 0; i < oracle.size(); i++) {
            position.putIfAbsent(Envelopes.parse(oracle.get(i)), i);
        }
        Map<JsonNode, Integer> seen = new HashMap<>();
        Map<String, List<Integer>> firstDeliveriesByKey = new LinkedHashMap<>();
        // oracle index -> where its first delivery is in the list, and the record
        Map<Integer, Integer> firstAt = new HashMap<>();
        List<String> examples = new ArrayList<>();
        int unexpected = 0;
        int duplicated = 0;
        for (int at = 0; at < delivered.size(); at++) {
            Record record = delivered.get(at);
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
                firstAt.put(index, at);
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
        int newKey = 0;
        for (Map.Entry<String, List<Integer>> entry : firstDeliveriesByKey.entrySet()) {
            int highest = -1;
            for (int index : entry.getValue()) {
                if (index < highest) {
                    if (newKey++ < 3) {
                        examples.add("order: key " + entry.getKey() + " " + entry.getValue());
                    }
                } else {
                    highest = index;
                }
            }
        }
        OldKeys old = oldKeyViolations(oracle, delivered, firstAt, shardOfKey, examples);
        return new Result(oracle.size(), delivered.size(), missing, duplicated, unexpected, newKey + old.violations,
                examples, newKey, old.violations, old.keyChanges);
    }

    private record OldKeys(int violations, int keyChanges) {
    }

    /** A change's keys: the one it is written under, and the row's previous one for a key change (else null). */
    private record Keys(String key, String previous) {
    }

    private static OldKeys oldKeyViolations(List<String> oracle, List<Record> delivered, Map<Integer, Integer> firstAt,
                                            Function<String, String> shardOfKey, List<String> examples) {
        List<Keys> keys = new ArrayList<>(oracle.size());
        Map<String, List<Integer>> membersByMovedKey = new LinkedHashMap<>();
        int keyChanges = 0;
        for (int i = 0; i < oracle.size(); i++) {
            Envelope e = PARSER.parse(oracle.get(i));
            Keys k = new Keys(PartitionKey.of(e), PartitionKey.previous(e));
            keys.add(k);
            if (k.previous() != null) {
                keyChanges++;
                membersByMovedKey.putIfAbsent(k.previous(), new ArrayList<>());
            }
        }
        if (membersByMovedKey.isEmpty()) {
            return new OldKeys(0, 0);
        }
        // The changes of each key some change moved a row away from, in commit order: written under it, or moved from it.
        for (int i = 0; i < keys.size(); i++) {
            Keys k = keys.get(i);
            List<Integer> byKey = membersByMovedKey.get(k.key());
            if (byKey != null) {
                byKey.add(i);
            }
            List<Integer> byPrevious = k.previous() == null ? null : membersByMovedKey.get(k.previous());
            if (byPrevious != null && byPrevious != byKey) {
                byPrevious.add(i);
            }
        }
        int violations = 0;
        for (Map.Entry<String, List<Integer>> entry : membersByMovedKey.entrySet()) {
            String movedKey = entry.getKey();
            List<Integer> members = entry.getValue();
            for (int y = 1; y < members.size(); y++) {
                int later = members.get(y);
                Integer laterAt = firstAt.get(later);
                if (laterAt == null) {
                    continue; // missing: counted as such
                }
                boolean laterMoved = movedKey.equals(keys.get(later).previous());
                for (int x = 0; x < y; x++) {
                    int earlier = members.get(x);
                    Integer earlierAt = firstAt.get(earlier);
                    // Pairs of changes both written under the key are the per-new-key check's.
                    if (earlierAt == null || !(laterMoved || movedKey.equals(keys.get(earlier).previous()))) {
                        continue;
                    }
                    if (deliveredBefore(delivered.get(laterAt), laterAt, delivered.get(earlierAt), earlierAt, shardOfKey)) {
                        if (violations++ < 3) {
                            examples.add("order (old key " + movedKey + "): " + abbreviate(oracle.get(later))
                                    + " delivered before the earlier " + abbreviate(oracle.get(earlier)));
                        }
                        break;
                    }
                }
            }
        }
        return new OldKeys(violations, keyChanges);
    }

    /** Whether record a (at index aAt of the delivered list) is known to be on the stream before record b. */
    private static boolean deliveredBefore(Record a, int aAt, Record b, int bAt, Function<String, String> shardOfKey) {
        boolean sameShard = a.partitionKey().equals(b.partitionKey())
                || (shardOfKey != null && Objects.equals(shardOfKey.apply(a.partitionKey()), shardOfKey.apply(b.partitionKey())));
        if (sameShard) {
            return aAt < bAt; // the list keeps each shard's order
        }
        Instant ta = a.approximateArrivalTimestamp();
        Instant tb = b.approximateArrivalTimestamp();
        return ta != null && tb != null && ta.isBefore(tb);
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
