package io.cdclr.connector.snapshot;

import io.cdclr.connector.envelope.JsonText;
import io.cdclr.connector.envelope.RawValue;

/**
 * A value's JSON form as wal2json's {@code pg_decode_write_value} picks it from the column's type oid and the
 * output-function text: {@code int2/int4/int8/oid/float4/float8/numeric} as JSON numbers ({@code NaN} and
 * {@code ±Infinity} as {@code null}; all of them as strings with numeric-data-types-as-string=1), {@code bool} as
 * {@code true}/{@code false}, {@code bytea} as its hex digits without {@code \x}, everything else (domains, enums,
 * arrays, composites, json) as a JSON string escaped like PostgreSQL's {@code escape_json}. The type oid is the
 * column's own: a domain over {@code int4} is a string, as in wal2json.
 */
final class Wal2JsonValue {
    private static final long INT2 = 21;
    private static final long INT4 = 23;
    private static final long INT8 = 20;
    private static final long OID = 26;
    private static final long FLOAT4 = 700;
    private static final long FLOAT8 = 701;
    private static final long NUMERIC = 1700;
    private static final long BOOL = 16;
    private static final long BYTEA = 17;

    private Wal2JsonValue() {
    }

    static int form(long typeOid) {
        if (typeOid == INT2 || typeOid == INT4 || typeOid == INT8 || typeOid == OID || typeOid == FLOAT4
                || typeOid == FLOAT8 || typeOid == NUMERIC) {
            return RowEnvelopeWriter.FORM_NUMBER;
        }
        if (typeOid == BOOL) {
            return RowEnvelopeWriter.FORM_BOOL;
        }
        if (typeOid == BYTEA) {
            return RowEnvelopeWriter.FORM_BYTEA;
        }
        return RowEnvelopeWriter.FORM_STRING;
    }

    /** Appends the value; {@code text} is the output function's text, null for SQL NULL. */
    static void append(StringBuilder out, String text, int form, boolean numericAsString, String column) {
        if (text == null) {
            out.append("null");
            return;
        }
        switch (form) {
            case RowEnvelopeWriter.FORM_NUMBER -> appendNumber(out, text, numericAsString, column);
            case RowEnvelopeWriter.FORM_BOOL -> out.append("t".equals(text) ? "true" : "false");
            case RowEnvelopeWriter.FORM_BYTEA -> JsonText.appendString(out, text.substring(2));
            default -> JsonText.appendString(out, text);
        }
    }

    /**
     * The value as {@link #append} writes it, as the envelope parser reads it back: the JSON string's content, a
     * number's or boolean's literal text, or NULL.
     */
    static RawValue raw(String text, int form, boolean numericAsString) {
        if (text == null) {
            return RawValue.NULL;
        }
        return switch (form) {
            case RowEnvelopeWriter.FORM_NUMBER -> numericAsString ? new RawValue(text, RawValue.Kind.STRING)
                    : isSpecial(text) ? RawValue.NULL : new RawValue(text, RawValue.Kind.NUMBER);
            case RowEnvelopeWriter.FORM_BOOL -> new RawValue("t".equals(text) ? "true" : "false", RawValue.Kind.BOOLEAN);
            case RowEnvelopeWriter.FORM_BYTEA -> new RawValue(text.substring(2), RawValue.Kind.STRING);
            default -> new RawValue(text, RawValue.Kind.STRING);
        };
    }

    private static boolean isSpecial(String text) {
        return text.regionMatches(true, 0, "NaN", 0, 3) || text.regionMatches(true, 0, "Infinity", 0, 8)
                || text.regionMatches(true, 0, "-Infinity", 0, 9);
    }

    private static void appendNumber(StringBuilder out, String text, boolean numericAsString, String column) {
        boolean special = isSpecial(text);
        boolean digits = true;
        for (int i = 0; i < text.length() && digits; i++) {
            digits = "0123456789+-eE.".indexOf(text.charAt(i)) >= 0;
        }
        if (!special && !digits) {
            // wal2json fails the decoding with "... is not a number"; a snapshot must not invent a form either.
            throw new IllegalStateException(text + " is not a number (column " + column + ")");
        }
        if (numericAsString) {
            JsonText.appendString(out, text);
        } else if (special) {
            out.append("null");
        } else {
            out.append(text);
        }
    }
}
