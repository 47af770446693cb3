package io.cdclr.connector.envelope;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Reads the routing fields out of a wal2json v2 message: action, schema, table, lsn, nextlsn, prefix,
 * transactional, the {@code pk} names and the values of the primary-key columns. The message itself is only
 * read; values are taken as their literal text, so no number is ever converted (a bigint or a
 * {@code numeric(12,2)} keeps every digit). Thread-safe: all state is per call.
 *
 * <p>Why a hand-written scanner: this runs once per change, and with Jackson's streaming parser building a map
 * of every column (a String and a RawValue each) it was measured at about a fifth of the runner's application
 * CPU, with the most expensive JIT compilation of the process. The pipeline needs only the fields above, so
 * {@link JsonScanner} walks the UTF-8 bytes once, {@link ColumnSpans} notes where each column's name and value
 * are, and only the primary-key values are decoded at the end. Everything else (xid, timestamp, typeoids,
 * other columns, future fields) is skipped, though still checked to be well-formed JSON.
 *
 * <p>Behaviour kept from the Jackson-based parser (the differential test compares the two): a field given twice
 * counts the last time; {@code pk}, {@code columns} and {@code identity} given twice add up, a column named
 * twice counts its last value; a string field holding a number or boolean reads as its literal text, holding an
 * object or array as null; a non-array {@code pk}/{@code columns}/{@code identity} is ignored, a non-object
 * entry in one is an error; an entry without a (non-null) name is ignored.
 */
public final class EnvelopeParser {
    // Field names, indexed by the constants below them.
    private static final byte[][] ENVELOPE_FIELDS = ascii("action", "schema", "table", "lsn", "nextlsn", "prefix",
            "transactional", "pk", "columns", "identity");
    private static final int ACTION = 0;
    private static final int SCHEMA = 1;
    private static final int TABLE = 2;
    private static final int LSN = 3;
    private static final int NEXT_LSN = 4;
    private static final int PREFIX = 5;
    private static final int TRANSACTIONAL = 6;
    private static final int PK = 7;
    private static final int COLUMNS = 8;
    private static final int IDENTITY = 9;

    private static final byte[][] ENTRY_FIELDS = ascii("name", "value");
    private static final int NAME = 0;
    private static final int VALUE = 1;

    // Nesting depths, for JsonScanner's limit: the envelope is 1, its field values 2, entries of its arrays 3.
    private static final int FIELD_DEPTH = 2;
    private static final int ENTRY_FIELD_DEPTH = 4;

    public Envelope parse(String json) {
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        return parse(utf8, 0, utf8.length);
    }

    /**
     * Parses {@code length} bytes of {@code utf8} from {@code offset}, a message as it came off the replication
     * stream (no String is made of it).
     */
    public Envelope parse(byte[] utf8, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, utf8.length);
        return read(new JsonScanner(utf8, offset, length));
    }

    private static Envelope read(JsonScanner s) {
        if (s.peek() != '{') {
            throw new EnvelopeParseException("not a JSON object");
        }
        s.expect('{');
        String action = null, schema = null, table = null, lsn = null, nextLsn = null, prefix = null;
        boolean transactional = false;
        ColumnSpans spans = new ColumnSpans();
        for (boolean first = true; s.nextField(first); first = false) {
            switch (s.fieldIndex(ENVELOPE_FIELDS)) {
                case ACTION -> action = text(s);
                case SCHEMA -> schema = text(s);
                case TABLE -> table = text(s);
                case LSN -> lsn = text(s);
                case NEXT_LSN -> nextLsn = text(s);
                case PREFIX -> prefix = text(s);
                case TRANSACTIONAL -> transactional = s.value(FIELD_DEPTH) == JsonScanner.TRUE;
                case PK -> readEntries(s, spans, ColumnSpans.PK);
                case COLUMNS -> readEntries(s, spans, ColumnSpans.COLUMNS);
                case IDENTITY -> readEntries(s, spans, ColumnSpans.IDENTITY);
                default -> s.value(FIELD_DEPTH);
            }
        }
        s.expectEnd();
        if (action == null) {
            throw new EnvelopeParseException("no \"action\" field");
        }
        List<String> pkNames = pkNames(s, spans);
        List<RawValue> keyValues = keyValues(s, spans, action, pkNames.size());
        List<RawValue> previousKeyValues = "U".equals(action) && !pkNames.isEmpty()
                ? previousKeyValues(s, spans, keyValues) : List.of();
        return new Envelope(action, schema, table, lsn, nextLsn, prefix, transactional, pkNames, keyValues,
                previousKeyValues);
    }

    /**
     * For an update: the old primary-key values (from {@code identity}, in pk order) when they give another partition
     * key than the new ones, else none. Also none when {@code identity} lacks a key column (the old key is unknown).
     * The usual update keeps its key: then this costs one look-up and one byte comparison per key column and makes
     * nothing; the values are decoded only when their bytes differ.
     */
    private static List<RawValue> previousKeyValues(JsonScanner s, ColumnSpans spans, List<RawValue> keyValues) {
        boolean writtenAlike = true;
        for (int i = 0; i < spans.size(); i++) {
            if (spans.source(i) != ColumnSpans.PK) {
                continue;
            }
            int old = spans.findLast(ColumnSpans.IDENTITY, i, s);
            if (old < 0) {
                return List.of();
            }
            if (writtenAlike) {
                int now = spans.findLast(ColumnSpans.COLUMNS, i, s);
                writtenAlike = now >= 0 && spans.sameValue(old, now, s);
            }
        }
        if (writtenAlike) {
            return List.of();
        }
        RawValue[] previous = new RawValue[keyValues.size()];
        boolean sameKey = true;
        int n = 0;
        for (int i = 0; i < spans.size(); i++) {
            if (spans.source(i) == ColumnSpans.PK) {
                previous[n] = keyValue(s, spans, ColumnSpans.IDENTITY, i);
                sameKey &= PartitionKey.value(previous[n]).equals(PartitionKey.value(keyValues.get(n)));
                n++;
            }
        }
        return sameKey ? List.of() : List.of(previous);
    }

    /** Reads a field value as text: null for null, an object or an array. */
    private static String text(JsonScanner s) {
        int kind = s.value(FIELD_DEPTH);
        return s.text(kind, s.tokenStart(), s.tokenEnd());
    }

    /** Notes the name and value spans of each entry of a pk/columns/identity array; skips a value that is no array. */
    private static void readEntries(JsonScanner s, ColumnSpans spans, int source) {
        if (s.peek() != '[') {
            s.value(FIELD_DEPTH);
            return;
        }
        s.expect('[');
        for (boolean first = true; s.nextElement(first); first = false) {
            if (s.peek() != '{') {
                throw new EnvelopeParseException("an entry of \"pk\", \"columns\" or \"identity\" is not an object");
            }
            s.expect('{');
            int nameKind = JsonScanner.ABSENT, nameStart = 0, nameEnd = 0;
            int valueKind = JsonScanner.ABSENT, valueStart = 0, valueEnd = 0;
            for (boolean firstField = true; s.nextField(firstField); firstField = false) {
                int field = s.fieldIndex(ENTRY_FIELDS);
                int kind = s.value(ENTRY_FIELD_DEPTH);
                if (field == NAME) {
                    nameKind = kind;
                    nameStart = s.tokenStart();
                    nameEnd = s.tokenEnd();
                } else if (field == VALUE) {
                    valueKind = kind;
                    valueStart = s.tokenStart();
                    valueEnd = s.tokenEnd();
                }
            }
            if (JsonScanner.hasText(nameKind)) {
                spans.add(source, nameKind, nameStart, nameEnd, valueKind, valueStart, valueEnd);
            }
        }
    }

    private static List<String> pkNames(JsonScanner s, ColumnSpans spans) {
        int count = spans.count(ColumnSpans.PK);
        if (count == 0) {
            return List.of();
        }
        if (count == 1) { // the usual case: no array to fill
            return List.of(spans.name(spans.first(ColumnSpans.PK), s));
        }
        String[] names = new String[count];
        int n = 0;
        for (int i = 0; i < spans.size(); i++) {
            if (spans.source(i) == ColumnSpans.PK) {
                names[n++] = spans.name(i, s);
            }
        }
        return List.of(names);
    }

    /**
     * The primary-key columns' values in pk order: new values ({@code columns}) for I and U, old ones
     * ({@code identity}) for D, {@link RawValue#NULL} for a pk column the array lacks; none for other actions.
     */
    private static List<RawValue> keyValues(JsonScanner s, ColumnSpans spans, String action, int pkCount) {
        int source = switch (action) {
            case "I", "U" -> ColumnSpans.COLUMNS;
            case "D" -> ColumnSpans.IDENTITY;
            default -> -1;
        };
        if (source < 0 || pkCount == 0) {
            return List.of();
        }
        if (pkCount == 1) { // the usual case: no array to fill
            return List.of(keyValue(s, spans, source, spans.first(ColumnSpans.PK)));
        }
        RawValue[] values = new RawValue[pkCount];
        int n = 0;
        for (int i = 0; i < spans.size(); i++) {
            if (spans.source(i) == ColumnSpans.PK) {
                values[n++] = keyValue(s, spans, source, i);
            }
        }
        return List.of(values);
    }

    /** The value of the key column named by pk entry {@code pkEntry}, in {@code source}: NULL when it lacks one. */
    private static RawValue keyValue(JsonScanner s, ColumnSpans spans, int source, int pkEntry) {
        int column = spans.findLast(source, pkEntry, s);
        return column < 0 ? RawValue.NULL : spans.value(column, s);
    }

    private static byte[][] ascii(String... names) {
        byte[][] bytes = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            bytes[i] = names[i].getBytes(StandardCharsets.US_ASCII);
        }
        return bytes;
    }
}
