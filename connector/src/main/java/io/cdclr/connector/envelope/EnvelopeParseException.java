package io.cdclr.connector.envelope;

/** The message is not a wal2json format-version 2 envelope this code understands. */
public class EnvelopeParseException extends RuntimeException {
    public EnvelopeParseException(String message) {
        super(message);
    }

    public EnvelopeParseException(String message, Throwable cause) {
        super(message, cause);
    }
}
