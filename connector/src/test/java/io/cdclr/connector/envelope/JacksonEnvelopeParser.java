package io.cdclr.connector.envelope;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The envelope parser as it was before the hand-written scanner (Jackson's streaming parser, a map of every
 * column), kept as the oracle of {@link EnvelopeParserDifferentialTest} and the baseline of
 * EnvelopeParserBenchmark (a JMH benchmark of the bench module). Its read loop is the old code unchanged; only the result type is its own.
 */
final class JacksonEnvelopeParser {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    /** What the old parser produced: every column of {@code columns} and {@code identity}, by name. */
    record Parsed(String json, String action, String schema, String table, String lsn, String nextLsn,
                  String prefix, boolean transactional, List<String> pkNames,
                  Map<String, RawValue> columns, Map<String, RawValue> identity) {

        /** The old partition-key lookup: pk values from identity for D, from columns otherwise. */
        List<RawValue> keyValues() {
            if (!List.of("I", "U", "D").contains(action) || pkNames.isEmpty()) {
                return List.of();
            }
            Map<String, RawValue> row = "D".equals(action) ? identity : columns;
            return pkNames.stream().map(pk -> row.getOrDefault(pk, RawValue.NULL)).toList();
        }

        /**
         * The previous partition key of an update that changed its primary key: the key from the identity's pk values,
         * when identity has every pk column and that key differs from the new one; else null.
         */
        String previousPartitionKey() {
            if (!"U".equals(action) || pkNames.isEmpty() || !pkNames.stream().allMatch(identity::containsKey)) {
                return null;
            }
            String previous = rowKey(pkNames.stream().map(identity::get).toList());
            return previous.equals(partitionKey()) ? null : previous;
        }

        private String rowKey(List<RawValue> values) {
            StringBuilder key = new StringBuilder();
            key.append(PartitionKey.escape(schema == null ? "" : schema)).append('.')
                    .append(PartitionKey.escape(table == null ? "" : table));
            for (RawValue v : values) {
                key.append('|').append(v.isNull() || v.text() == null ? "\\N" : PartitionKey.escapeValue(v.text()));
            }
            return PartitionKey.limit(key.toString());
        }

        /** The partition key as the old PartitionKey computed it from the maps. */
        String partitionKey() {
            switch (action) {
                case "B", "C":
                    return "transaction";
                case "M":
                    return "message|" + PartitionKey.escape(prefix == null ? "" : prefix);
                default:
                    break;
            }
            StringBuilder key = new StringBuilder();
            key.append(PartitionKey.escape(schema == null ? "" : schema)).append('.')
                    .append(PartitionKey.escape(table == null ? "" : table));
            for (RawValue v : keyValues()) {
                key.append('|').append(v.isNull() || v.text() == null ? "\\N" : PartitionKey.escapeValue(v.text()));
            }
            return PartitionKey.limit(key.toString());
        }
    }

    Parsed parse(String json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            return read(json, p);
        } catch (IOException e) {
            throw new EnvelopeParseException("invalid JSON: " + e.getMessage(), e);
        }
    }

    Parsed parse(String json, byte[] utf8, int offset, int length) {
        try (JsonParser p = FACTORY.createParser(utf8, offset, length)) {
            return read(json, p);
        } catch (IOException e) {
            throw new EnvelopeParseException("invalid JSON: " + e.getMessage(), e);
        }
    }

    private static Parsed read(String json, JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new EnvelopeParseException("not a JSON object", null);
        }
        String action = null, schema = null, table = null, lsn = null, nextLsn = null, prefix = null;
        boolean transactional = false;
        List<String> pk = new ArrayList<>(2);
        Map<String, RawValue> columns = new HashMap<>();
        Map<String, RawValue> identity = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "action" -> action = text(p, t);
                case "schema" -> schema = text(p, t);
                case "table" -> table = text(p, t);
                case "lsn" -> lsn = text(p, t);
                case "nextlsn" -> nextLsn = text(p, t);
                case "prefix" -> prefix = text(p, t);
                case "transactional" -> transactional = t == JsonToken.VALUE_TRUE;
                case "pk" -> readColumns(p, t, null, pk);
                case "columns" -> readColumns(p, t, columns, null);
                case "identity" -> readColumns(p, t, identity, null);
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw new EnvelopeParseException("trailing content after the JSON object", null);
        }
        if (action == null) {
            throw new EnvelopeParseException("no \"action\" field", null);
        }
        return new Parsed(json, action, schema, table, lsn, nextLsn, prefix, transactional,
                pk.isEmpty() ? List.of() : Collections.unmodifiableList(pk),
                columns.isEmpty() ? Map.of() : Collections.unmodifiableMap(columns),
                identity.isEmpty() ? Map.of() : Collections.unmodifiableMap(identity));
    }

    private static String text(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t.isStructStart()) {
            p.skipChildren();
            return null;
        }
        return p.getText();
    }

    private static void readColumns(JsonParser p, JsonToken t, Map<String, RawValue> values, List<String> names)
            throws IOException {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String name = null;
            RawValue value = RawValue.NULL;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken vt = p.nextToken();
                if ("name".equals(field)) {
                    name = text(p, vt);
                } else if ("value".equals(field)) {
                    value = raw(p, vt);
                } else {
                    p.skipChildren();
                }
            }
            if (name != null) {
                if (names != null) {
                    names.add(name);
                } else {
                    values.put(name, value);
                }
            }
        }
    }

    private static RawValue raw(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_NULL -> RawValue.NULL;
            case VALUE_STRING -> new RawValue(p.getText(), RawValue.Kind.STRING);
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new RawValue(p.getText(), RawValue.Kind.NUMBER);
            case VALUE_TRUE, VALUE_FALSE -> new RawValue(p.getText(), RawValue.Kind.BOOLEAN);
            default -> {
                p.skipChildren();
                yield new RawValue(null, RawValue.Kind.OTHER);
            }
        };
    }
}
