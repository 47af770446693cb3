package io.cdclr.connector.kinesis;

/** The writer cannot deliver: a permanent Kinesis error, an oversized record under policy 'fail', or the writer is closed. */
public class KinesisWriterException extends RuntimeException {
    public KinesisWriterException(String message) {
        super(message);
    }

    public KinesisWriterException(String message, Throwable cause) {
        super(message, cause);
    }
}
