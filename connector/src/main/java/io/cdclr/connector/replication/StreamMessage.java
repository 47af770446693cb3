package io.cdclr.connector.replication;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One message from the replication stream.
 *
 * @param lsn      the WAL position the server sent with it (XLogData start): a change's own LSN, a commit's end
 *                 LSN for C, the first LSN of the transaction for B, a logical message's LSN for M
 * @param buffer   holds the plugin's output bytes at {@code offset}, {@code length} long. It is the array PgJDBC
 *                 read the message into (a fresh one per message), shared rather than copied: nothing writes it
 * @param sequence 1-based position of the message within this session
 */
public record StreamMessage(Lsn lsn, byte[] buffer, int offset, int length, long sequence) {

    /** A message whose bytes are the whole array. */
    public StreamMessage(Lsn lsn, byte[] data, long sequence) {
        this(lsn, data, 0, data.length, sequence);
    }

    /** The plugin's output as text (wal2json writes UTF-8). */
    public String text() {
        return new String(buffer, offset, length, StandardCharsets.UTF_8);
    }

    /**
     * The plugin's output bytes as an array of their own: PgJDBC's array itself when the message fills it, else a
     * copy of the range (PgJDBC's array starts with the XLogData header).
     */
    public byte[] bytes() {
        return offset == 0 && length == buffer.length ? buffer : Arrays.copyOfRange(buffer, offset, offset + length);
    }

    /** The first {@code max} bytes of the output at most, for error messages. */
    public byte[] head(int max) {
        return Arrays.copyOfRange(buffer, offset, offset + Math.min(max, length));
    }
}
