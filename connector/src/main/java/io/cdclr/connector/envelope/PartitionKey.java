package io.cdclr.connector.envelope;

import io.cdclr.connector.kinesis.KinesisLimits;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The partition key of a change: which row it is about, so that changes to one row stay in order.
 * The format (also in {@code docs/envelope.md}):
 * <pre>
 *   I, U          E(schema) "." E(table) { "|" V(value) }   primary-key values from "columns" (new values)
 *   D             E(schema) "." E(table) { "|" V(value) }   primary-key values from "identity"
 *   no pk, T      E(schema) "." E(table)
 *   M             "message|" E(prefix)
 *   B, C          "transaction"
 *
 *   E(s): s with "\" written "\\", "." written "\.", "|" written "\|"
 *   V(v): "\N" for SQL NULL, else text with "\" written "\\" and "|" written "\|", where text is the JSON string's content, or the literal text of
 *         a JSON number or boolean exactly as wal2json wrote it (10.50 stays 10.50)
 * </pre>
 * Primary-key values appear in the order of the envelope's {@code pk} array. Because every separator inside
 * a name or value is escaped, two different rows never get the same key. A key longer than
 * {@value #MAX_LENGTH} Unicode characters (Kinesis's limit) is replaced by {@code "sha256:"} followed by the
 * 64 lowercase hex digits of the SHA-256 of the key's UTF-8 bytes.
 */
public final class PartitionKey {
    /** Kinesis's partition-key limit, in Unicode characters (declared with Kinesis's other limits). */
    public static final int MAX_LENGTH = KinesisLimits.MAX_PARTITION_KEY_CHARS;
    static final String HASH_PREFIX = "sha256:";
    /**
     * The Connect header a key-changing update carries, with {@link #previous} as its String value: the runner and
     * the Kinesis sink order the change against both keys. Only key changes carry it.
     */
    public static final String PREVIOUS_KEY_HEADER = "cdc.previous.partition.key";

    private PartitionKey() {
    }

    public static String of(Envelope e) {
        return limit(unlimited(e));
    }

    /**
     * The partition key the row had before a key-changing update ({@link Envelope#isKeyChange}), computed exactly
     * like {@link #of} but from the old primary-key values; null for every other change. The writer orders such an
     * update against both keys (docs/envelope.md, "Key changes").
     */
    public static String previous(Envelope e) {
        return e.isKeyChange() ? limit(rowKey(e, e.previousKeyValues())) : null;
    }

    static String unlimited(Envelope e) {
        switch (e.action()) {
            case "B", "C":
                return "transaction";
            case "M":
                return "message|" + escape(e.prefix() == null ? "" : e.prefix());
            default:
                break;
        }
        // keyValues: from "columns" for I and U, from "identity" for D, in pk order (see Envelope)
        return rowKey(e, e.isRowChange() ? e.keyValues() : java.util.List.of());
    }

    private static String rowKey(Envelope e, java.util.List<RawValue> values) {
        StringBuilder key = new StringBuilder(64);
        key.append(escape(nullToEmpty(e.schema()))).append('.').append(escape(nullToEmpty(e.table())));
        for (RawValue v : values) {
            key.append('|').append(value(v));
        }
        return key.toString();
    }

    /** The key itself when it is at most {@value #MAX_LENGTH} characters, else "sha256:" and the hex SHA-256 of its UTF-8 bytes. */
    public static String limit(String key) {
        if (key.codePointCount(0, key.length()) <= MAX_LENGTH) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HASH_PREFIX + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A key value as it appears in the key (escaped, "\\N" for null). */
    static String value(RawValue v) {
        return v.isNull() || v.text() == null ? "\\N" : escapeValue(v.text());
    }

    static String escape(String s) {
        if (!needsEscape(s, true)) {
            return s; // the usual case: no copy
        }
        StringBuilder out = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '.' || c == '|') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Values come after the first "|", where "." is no separator: only "\\" and "|" are escaped. */
    static String escapeValue(String s) {
        if (!needsEscape(s, false)) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '|') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    private static boolean needsEscape(String s, boolean dotToo) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '|' || (dotToo && c == '.')) {
                return true;
            }
        }
        return false;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
