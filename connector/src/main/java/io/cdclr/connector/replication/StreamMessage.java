package io.cdclr.connector.replication;

/**
 * One message from the replication stream.
 *
 * @param lsn      the WAL position the server sent with it (XLogData start): a change's own LSN, a commit's end
 *                 LSN for C, the first LSN of the transaction for B, a logical message's LSN for M
 * @param data     the plugin's output bytes
 * @param sequence 1-based position of the message within this session
 */
public record StreamMessage(Lsn lsn, byte[] data, long sequence) {
}
