package io.cdclr.connector.source;

import io.cdclr.connector.envelope.Envelope;
import io.cdclr.connector.replication.Lsn;

/**
 * Follows the stream's transaction boundaries (the task always streams with include-transaction=1) and gives
 * every message its {@link SourceOffset}. Not thread-safe: used by the polling thread only.
 */
final class TransactionTracker {
    private Lsn commitLsn;   // of the open transaction, null between transactions
    private long index;
    private String filters;   // StreamFilters fingerprint stamped on every offset; null in tests that do not set it

    /** The fingerprint of the options the stream runs with (see {@link StreamFilters}), recorded in every offset. */
    void filters(String fingerprint) {
        this.filters = fingerprint;
    }

    boolean inTransaction() {
        return commitLsn != null;
    }

    /** Forget any open transaction: after a reconnect the server starts again with a whole transaction. */
    void reset() {
        commitLsn = null;
        index = 0;
    }

    /**
     * @param streamLsn the position the server sent with the message
     * @throws IllegalStateException when the message does not fit the transaction structure
     */
    SourceOffset next(Envelope e, Lsn streamLsn) {
        switch (e.action()) {
            case "B" -> {
                if (e.lsn() == null) {
                    throw new IllegalStateException("B without \"lsn\" (include-lsn must be on)");
                }
                commitLsn = Lsn.parse(e.lsn());
                index = 0;
                return new SourceOffset(streamLsn, commitLsn, 0, commitLsn, filters);
            }
            case "C" -> {
                if (commitLsn == null) {
                    throw new IllegalStateException("C without B");
                }
                Lsn end = e.nextLsn() != null ? Lsn.parse(e.nextLsn()) : streamLsn;
                SourceOffset offset = new SourceOffset(streamLsn, commitLsn, ++index, end, filters);
                commitLsn = null;
                return offset;
            }
            default -> {
                if (commitLsn == null) {
                    if ("M".equals(e.action())) {
                        // A non-transactional message stands alone; the server re-sends it when its LSN is at or
                        // after the start position, so confirming its own LSN is safe. Its LSN (the end of its
                        // record) may equal the commit LSN of the transaction streamed next: MESSAGE_INDEX sorts it
                        // before that transaction's B and changes, so resuming from here skips none of them.
                        return new SourceOffset(streamLsn, streamLsn, SourceOffset.MESSAGE_INDEX, streamLsn, filters);
                    }
                    throw new IllegalStateException("change '" + e.action() + "' outside a transaction");
                }
                Lsn own = e.lsn() != null ? Lsn.parse(e.lsn()) : streamLsn;
                return new SourceOffset(own, commitLsn, ++index, commitLsn, filters);
            }
        }
    }
}
