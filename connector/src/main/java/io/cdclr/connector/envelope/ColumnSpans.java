package io.cdclr.connector.envelope;

import java.util.Arrays;

/**
 * Where the entries of an envelope's {@code pk}, {@code columns} and {@code identity} arrays are in the message
 * bytes: for each entry, which array it came from and the kind and byte span of its {@code name} and
 * {@code value} (kinds of {@link JsonScanner}). Kept as ints in one growable array so that reading a row makes
 * no object per column; only the primary-key values are ever decoded, once the whole message has been read
 * (wal2json writes {@code pk} after the columns, and nothing forces that order). One instance per parse.
 */
final class ColumnSpans {
    static final int PK = 0;
    static final int COLUMNS = 1;
    static final int IDENTITY = 2;

    // An entry is five ints: the three small numbers (source, name kind, value kind) packed into one, then the spans.
    private static final int KINDS = 0;
    private static final int NAME_START = 1;
    private static final int NAME_END = 2;
    private static final int VALUE_START = 3;
    private static final int VALUE_END = 4;
    private static final int INTS_PER_ENTRY = 5;
    private static final int KIND_BITS = 4; // sources and JsonScanner kinds are below 16
    private static final int KIND_MASK = (1 << KIND_BITS) - 1;

    /** Room for a typical row (a few columns, its identity and pk) before the first growth. */
    private int[] entries = new int[8 * INTS_PER_ENTRY];
    private int size;

    void add(int source, int nameKind, int nameStart, int nameEnd, int valueKind, int valueStart, int valueEnd) {
        int at = size * INTS_PER_ENTRY;
        if (at + INTS_PER_ENTRY > entries.length) {
            entries = Arrays.copyOf(entries, entries.length * 2);
        }
        entries[at + KINDS] = source | nameKind << KIND_BITS | valueKind << 2 * KIND_BITS;
        entries[at + NAME_START] = nameStart;
        entries[at + NAME_END] = nameEnd;
        entries[at + VALUE_START] = valueStart;
        entries[at + VALUE_END] = valueEnd;
        size++;
    }

    int size() {
        return size;
    }

    int count(int source) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (source(i) == source) {
                n++;
            }
        }
        return n;
    }

    int source(int entry) {
        return get(entry, KINDS) & KIND_MASK;
    }

    /** The first entry of {@code source}, or -1. */
    int first(int source) {
        for (int i = 0; i < size; i++) {
            if (source(i) == source) {
                return i;
            }
        }
        return -1;
    }

    String name(int entry, JsonScanner scanner) {
        return scanner.text(nameKind(entry), get(entry, NAME_START), get(entry, NAME_END));
    }

    /**
     * The last entry of {@code source} named like entry {@code named} (a pk entry), or -1. The last one, because a
     * name given twice meant "the later value wins" for the map the parser used to build.
     */
    int findLast(int source, int named, JsonScanner scanner) {
        int kind = nameKind(named);
        int start = get(named, NAME_START);
        int end = get(named, NAME_END);
        for (int i = size - 1; i >= 0; i--) {
            if (source(i) == source && scanner.sameText(kind, start, end,
                    nameKind(i), get(i, NAME_START), get(i, NAME_END))) {
                return i;
            }
        }
        return -1;
    }

    /** The entry's value as {@link RawValue}: text as written, {@link RawValue#NULL} when null or absent. */
    RawValue value(int entry, JsonScanner scanner) {
        int kind = get(entry, KINDS) >>> 2 * KIND_BITS & KIND_MASK;
        String text = scanner.text(kind, get(entry, VALUE_START), get(entry, VALUE_END));
        return switch (kind) {
            case JsonScanner.STRING, JsonScanner.ESCAPED_STRING -> new RawValue(text, RawValue.Kind.STRING);
            case JsonScanner.NUMBER -> new RawValue(text, RawValue.Kind.NUMBER);
            case JsonScanner.TRUE, JsonScanner.FALSE -> new RawValue(text, RawValue.Kind.BOOLEAN);
            case JsonScanner.STRUCT -> new RawValue(null, RawValue.Kind.OTHER);
            default -> RawValue.NULL;
        };
    }

    /**
     * Whether two entries' values are written alike: same kind and same bytes (decoded text for escaped strings). A
     * cheap test for "no key change"; values written differently may still mean the same key (1 and "1").
     */
    boolean sameValue(int a, int b, JsonScanner scanner) {
        int kind = valueKind(a);
        return kind == valueKind(b) && scanner.sameText(kind, get(a, VALUE_START), get(a, VALUE_END),
                kind, get(b, VALUE_START), get(b, VALUE_END));
    }

    private int valueKind(int entry) {
        return get(entry, KINDS) >>> 2 * KIND_BITS & KIND_MASK;
    }

    private int nameKind(int entry) {
        return get(entry, KINDS) >>> KIND_BITS & KIND_MASK;
    }

    private int get(int entry, int field) {
        return entries[entry * INTS_PER_ENTRY + field];
    }
}
