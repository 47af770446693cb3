package io.cdclr.connector.replication;

/**
 * Where the stream stood the last time it had nothing more to read: every message up to {@code sequence} has
 * been handed out, and the server has nothing to send before {@code lsn} (from the last message or keepalive).
 */
public record IdlePosition(long sequence, Lsn lsn) {
}
