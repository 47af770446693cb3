package io.cdclr.connector.envelope;

/**
 * A column value as wal2json wrote it: the JSON token's text, never converted through a number type.
 *
 * @param text the string content for JSON strings, the literal text for numbers and booleans
 *             ({@code 10.50} stays {@code 10.50}), null for JSON null
 * @param kind which JSON kind the value was
 */
public record RawValue(String text, Kind kind) {
    public enum Kind { STRING, NUMBER, BOOLEAN, NULL, OTHER }

    public static final RawValue NULL = new RawValue(null, Kind.NULL);

    public boolean isNull() {
        return kind == Kind.NULL;
    }
}
