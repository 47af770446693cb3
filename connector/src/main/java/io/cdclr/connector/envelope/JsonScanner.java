package io.cdclr.connector.envelope;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A forward-only cursor over the UTF-8 bytes of one JSON text, for {@link EnvelopeParser}. It reports where
 * scalars are (byte spans) instead of building them, so the caller decides what is worth a String: for an
 * envelope that is a handful of fields and the primary-key values, not every column.
 *
 * <p>Syntax is checked as strictly as Jackson's defaults, also in the parts that are only skipped: strings
 * must be terminated; escapes must be one of {@code \" \\ \/ \b \f \n \r \t}, or a backslash, {@code u} and four
 * hex digits (one UTF-16 unit: a lone surrogate passes, as Jackson lets it in values); unescaped control
 * characters (below U+0020) inside strings are rejected (RFC 8259; wal2json always escapes them); numbers
 * follow the JSON grammar ({@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}); objects and arrays must
 * nest properly, at most {@value #MAX_DEPTH} deep. Whitespace is space, tab, CR and LF. UTF-8 itself is not
 * validated: malformed sequences decode to U+FFFD (the bytes come from PostgreSQL, which checks encodings).
 *
 * <p>One instance per parse; not thread-safe.
 */
final class JsonScanner {
    // The kind of a value, as returned by value(); also stored in ColumnSpans.
    /** No value (a field that was not there). */
    static final int ABSENT = 0;
    /** A string without any backslash: its bytes between the quotes are its UTF-8 text. */
    static final int STRING = 1;
    /** A string with escapes: its text needs {@link #unescape}. */
    static final int ESCAPED_STRING = 2;
    static final int NUMBER = 3;
    static final int TRUE = 4;
    static final int FALSE = 5;
    static final int NULL = 6;
    /** An object or an array, skipped: no span. */
    static final int STRUCT = 7;

    /** Deepest nesting accepted (the envelope object is depth 1); Jackson's default limit too. */
    static final int MAX_DEPTH = 1000;

    private static final byte[] TRUE_BYTES = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE_BYTES = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL_BYTES = {'n', 'u', 'l', 'l'};

    /**
     * Shared Strings for one-character ASCII texts: the action of every message is one ({@code "I"}, {@code "U"},
     * ...), as are many small numbers.
     */
    private static final String[] ONE_CHAR = new String[128];

    static {
        for (char c = 0; c < ONE_CHAR.length; c++) {
            ONE_CHAR[c] = String.valueOf(c);
        }
    }

    private final byte[] buf;
    private final int offset;
    private final int end;
    private int pos;

    // The last scalar read by value(): a string's bytes between its quotes, or a number's or literal's text.
    private int tokenStart;
    private int tokenEnd;
    // The key read by the last nextField().
    private int keyKind;
    private int keyStart;
    private int keyEnd;

    JsonScanner(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.end = offset + length;
        this.pos = offset;
    }

    int tokenStart() {
        return tokenStart;
    }

    int tokenEnd() {
        return tokenEnd;
    }

    /**
     * Skips whitespace and returns the next byte (0 to 255) without consuming it, or -1 at the end of the input.
     */
    int peek() {
        // Fast path: wal2json writes no whitespace unless pretty-printing, and every byte that starts a token is
        // above ' ' (as a signed byte: those of multi-byte UTF-8 are negative, and never start a token anyway).
        // The slow path is a method of its own so that this one stays small enough for the JIT to inline at every
        // call (one per token), also under the image's shallow inlining (FreqInlineSize=50 bytes of bytecode).
        if (pos < end && buf[pos] > ' ') {
            return buf[pos];
        }
        return peekAfterWhitespace();
    }

    private int peekAfterWhitespace() {
        while (pos < end) {
            byte b = buf[pos];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return b & 0xff; // unsigned: byte 0xff must not read as the end
            }
            pos++;
        }
        return -1;
    }

    /** Consumes {@code c} (after whitespace), or fails. */
    void expect(char c) {
        int b = peek();
        if (b != c) {
            throw unexpected(b, "'" + c + "'");
        }
        pos++;
    }

    /**
     * Moves to the next field of the object whose {@code '{'} was consumed: true with the key read (see
     * {@link #fieldIndex}) and the {@code ':'} consumed, so that the value comes next; false when the
     * {@code '}'} was consumed. {@code first}: no field of this object was read yet (else a comma is due).
     */
    boolean nextField(boolean first) {
        int b = peek();
        if (b == '}') {
            pos++;
            return false;
        }
        if (!first) {
            if (b != ',') {
                throw b == -1 ? error("unterminated object") : unexpected(b, "',' or '}'");
            }
            pos++;
            b = peek();
        }
        if (b != '"') {
            throw b == -1 ? error("unterminated object") : unexpected(b, "a field name");
        }
        keyKind = scanString();
        keyStart = tokenStart;
        keyEnd = tokenEnd;
        expect(':');
        return true;
    }

    /**
     * The index in {@code names} (ASCII field names) of the key just read by {@link #nextField}, or -1. Compares
     * bytes: no String is made for a key unless it holds escapes.
     */
    int fieldIndex(byte[][] names) {
        if (keyKind == ESCAPED_STRING) {
            byte[] key = unescape(keyStart, keyEnd).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < names.length; i++) {
                if (Arrays.equals(key, names[i])) {
                    return i;
                }
            }
            return -1;
        }
        int length = keyEnd - keyStart;
        candidates:
        for (int i = 0; i < names.length; i++) {
            byte[] name = names[i];
            if (name.length != length) {
                continue;
            }
            // a plain loop: for names this short it beats Arrays.equals (range checks, then a call)
            for (int j = 0; j < length; j++) {
                if (buf[keyStart + j] != name[j]) {
                    continue candidates;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * Moves to the next element of the array whose {@code '['} was consumed: true when a value comes next,
     * false when the {@code ']'} was consumed. {@code first}: no element was read yet (else a comma is due).
     */
    boolean nextElement(boolean first) {
        int b = peek();
        if (b == ']') {
            pos++;
            return false;
        }
        if (b == -1) {
            throw error("unterminated array");
        }
        if (!first) {
            if (b != ',') {
                throw unexpected(b, "',' or ']'");
            }
            pos++;
        }
        return true;
    }

    /**
     * Reads one value and returns its kind. A scalar's span is then at {@link #tokenStart()} and
     * {@link #tokenEnd()}; an object or array is skipped whole ({@link #STRUCT}).
     *
     * @param depth the nesting depth this value has if it is an object or an array
     */
    int value(int depth) {
        int b = peek();
        switch (b) {
            case '"':
                return scanString();
            case '{':
            case '[':
                skipStruct(depth);
                return STRUCT;
            case 't':
                return literal(TRUE_BYTES, TRUE);
            case 'f':
                return literal(FALSE_BYTES, FALSE);
            case 'n':
                return literal(NULL_BYTES, NULL);
            case -1:
                throw error("missing value");
            default:
                if (b == '-' || (b >= '0' && b <= '9')) {
                    return scanNumber();
                }
                throw unexpected(b, "a value");
        }
    }

    /** Fails unless only whitespace is left. */
    void expectEnd() {
        int b = peek();
        if (b != -1) {
            throw error("trailing content after the JSON object at byte " + (pos - offset));
        }
    }

    /** The text of a scalar as the old Jackson-based parser's getText() gave it: null for null and structs. */
    String text(int kind, int start, int end) {
        return switch (kind) {
            case STRING, NUMBER -> end - start == 1 && buf[start] >= 0
                    ? ONE_CHAR[buf[start]]
                    : new String(buf, start, end - start, StandardCharsets.UTF_8);
            case ESCAPED_STRING -> unescape(start, end);
            case TRUE -> "true";
            case FALSE -> "false";
            default -> null;
        };
    }

    /** Whether a value of this kind has a text (so it can name a column). */
    static boolean hasText(int kind) {
        return kind >= STRING && kind <= FALSE;
    }

    /**
     * Whether two scalars have the same text. Compares bytes when neither has escapes (the common case, no
     * allocation), else the decoded texts ({@code "a"} and {@code "\u0061"} are one name).
     */
    boolean sameText(int kindA, int startA, int endA, int kindB, int startB, int endB) {
        if (kindA != ESCAPED_STRING && kindB != ESCAPED_STRING) {
            return Arrays.equals(buf, startA, endA, buf, startB, endB);
        }
        return text(kindA, startA, endA).equals(text(kindB, startB, endB));
    }

    EnvelopeParseException error(String reason) {
        return new EnvelopeParseException(reason);
    }

    private EnvelopeParseException unexpected(int b, String expected) {
        if (b == -1) {
            return error("unexpected end of input, expected " + expected);
        }
        String found = b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("byte 0x%02x", b & 0xff);
        return error("unexpected " + found + " at byte " + (pos - offset) + ", expected " + expected);
    }

    /** Reads the string at pos (its opening quote) up to its closing quote; returns STRING or ESCAPED_STRING. */
    private int scanString() {
        int i = pos + 1;
        int kind = STRING;
        while (true) {
            if (i >= end) {
                throw error("unterminated string starting at byte " + (pos - offset));
            }
            byte b = buf[i];
            if (b == '"') {
                break;
            }
            if (b == '\\') {
                i = skipEscape(i);
                kind = ESCAPED_STRING;
            } else if (b >= 0 && b < 0x20) { // bytes of multi-byte UTF-8 sequences are negative: never control characters
                throw error("control character in a string at byte " + (i - offset));
            } else {
                i++;
            }
        }
        tokenStart = pos + 1;
        tokenEnd = i;
        pos = i + 1;
        return kind;
    }

    /** Checks the escape whose backslash is at {@code i}; returns the index after it. */
    private int skipEscape(int i) {
        if (i + 1 >= end) {
            throw error("unterminated string");
        }
        switch (buf[i + 1]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
                return i + 2;
            case 'u':
                if (i + 6 > end) {
                    throw error("unterminated string");
                }
                for (int h = i + 2; h < i + 6; h++) {
                    if (hexDigit(buf[h]) < 0) {
                        throw error("bad \\u escape at byte " + (i - offset));
                    }
                }
                return i + 6;
            default:
                throw error("bad escape at byte " + (i - offset));
        }
    }

    /**
     * Decodes string content holding escapes (already checked by {@link #skipEscape}). Runs between escapes
     * are plain UTF-8: a backslash byte never occurs inside a multi-byte sequence. Each {@code \\uXXXX} is one
     * UTF-16 unit, so a surrogate pair written as two escapes becomes one supplementary character.
     */
    private String unescape(int start, int end) {
        StringBuilder out = new StringBuilder(end - start);
        int run = start;
        int i = start;
        while (i < end) {
            if (buf[i] != '\\') {
                i++;
                continue;
            }
            if (i > run) {
                out.append(new String(buf, run, i - run, StandardCharsets.UTF_8));
            }
            byte c = buf[i + 1];
            switch (c) {
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> out.append((char) (hexDigit(buf[i + 2]) << 12 | hexDigit(buf[i + 3]) << 8
                        | hexDigit(buf[i + 4]) << 4 | hexDigit(buf[i + 5])));
                default -> out.append((char) c); // " \ /
            }
            i += c == 'u' ? 6 : 2;
            run = i;
        }
        if (end > run) {
            out.append(new String(buf, run, end - run, StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    private static int hexDigit(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    /**
     * Reads a number at pos, checking the JSON grammar; its span is its literal text, never converted. What
     * follows it is checked by the caller's next step (a ',' '}' ']' or the end), so {@code 01} and {@code 1x} fail.
     */
    private int scanNumber() {
        int i = pos;
        if (buf[i] == '-') {
            i++;
        }
        if (i < end && buf[i] == '0') {
            i++;
        } else {
            i = digits(i);
        }
        if (i < end && buf[i] == '.') {
            i = digits(i + 1);
        }
        if (i < end && (buf[i] == 'e' || buf[i] == 'E')) {
            i++;
            if (i < end && (buf[i] == '+' || buf[i] == '-')) {
                i++;
            }
            i = digits(i);
        }
        tokenStart = pos;
        tokenEnd = i;
        pos = i;
        return NUMBER;
    }

    /** Skips one or more digits from i; returns the index after them. */
    private int digits(int i) {
        int start = i;
        while (i < end && buf[i] >= '0' && buf[i] <= '9') {
            i++;
        }
        if (i == start) {
            throw error("bad number at byte " + (pos - offset));
        }
        return i;
    }

    private int literal(byte[] word, int kind) {
        if (end - pos < word.length || !Arrays.equals(buf, pos, pos + word.length, word, 0, word.length)) {
            throw error("bad token at byte " + (pos - offset));
        }
        tokenStart = pos;
        tokenEnd = pos + word.length;
        pos = tokenEnd;
        return kind;
    }

    /** Skips the object or array at pos, checking its syntax. */
    private void skipStruct(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
        if (buf[pos++] == '{') {
            for (boolean first = true; nextField(first); first = false) {
                value(depth + 1);
            }
        } else {
            for (boolean first = true; nextElement(first); first = false) {
                value(depth + 1);
            }
        }
    }
}
