package io.cdclr.connector.source;

/**
 * The replication state of one source task, as JMX attributes under {@link ReplicationStatus#objectName(String)}:
 * what a host that runs the task (the runner's readiness, a Kafka Connect worker's JMX exporter) reads to tell
 * whether the task can make progress.
 */
public interface ReplicationStatusMBean {
    /** Streaming from the slot: a replication session is open and has neither failed nor gone silent. */
    boolean isConnected();

    /** Milliseconds since the last byte from the server on the replication connection (keepalives count). */
    long getLastReceivedAgeMs();

    /** Failed reconnect attempts in a row (0 while streaming). */
    int getReconnectAttempts();

    /** Successful reconnects since the task started. */
    long getReconnects();

    /**
     * When the task was last caught up with the server: the time (epoch milliseconds, this host's clock) of the server's
     * last message, data or keepalive, as of the last poll that found nothing more to hand out and every received
     * message handed out. 0 before that first happened.
     */
    default long getCaughtUpAtEpochMs() {
        return 0;
    }

    String getSlotName();
}
