package io.cdclr.connector.replication;

/** The replication connection failed or was lost; reconnecting may help. */
public class ReplicationException extends RuntimeException {
    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
