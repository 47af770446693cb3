package io.cdclr.connector.source;

import io.cdclr.connector.replication.Lsn;

import java.util.Map;

/**
 * What a record's source offset says, as a plain map:
 * <ul>
 *   <li>{@code lsn}: the change's own WAL position (as the server sent it; not unique: a COPY's rows share one)</li>
 *   <li>{@code commit_lsn}: the commit LSN of its transaction (for a non-transactional message, the message's
 *       LSN). Transactions reach us in commit-LSN order, so this orders the stream.</li>
 *   <li>{@code index}: the message's position within its transaction: B is 0, the changes 1..n, C is n+1
 *       (counted over every message wal2json sends for the transaction, whether or not it becomes a record);
 *       {@value #MESSAGE_INDEX} for a non-transactional message</li>
 *   <li>{@code confirm_lsn}: what may be confirmed to the slot once this offset is stored: the commit LSN while
 *       inside a transaction (the server then re-sends the transaction and {@code index} skips what was
 *       delivered), the end of the commit record after C</li>
 *   <li>{@code filters}: the {@link StreamFilters} fingerprint of the wal2json options {@code index} depends on;
 *       absent in offsets stored before it existed (null here)</li>
 * </ul>
 * (commit_lsn, index) identifies a change exactly and orders the whole stream.
 *
 * <p>A non-transactional message carries the END of its WAL record as its LSN, so when the next WAL record is a
 * transaction's commit, the message's LSN equals that transaction's commit LSN while it is streamed before it.
 * Its index {@value #MESSAGE_INDEX} sorts it before that transaction's B (0) and first change (1): resuming from
 * the message's offset skips nothing of the transaction.
 */
public record SourceOffset(Lsn lsn, Lsn commitLsn, long index, Lsn confirmLsn, String filters)
        implements Comparable<SourceOffset> {
    public static final String LSN = "lsn";
    public static final String COMMIT_LSN = "commit_lsn";
    public static final String INDEX = "index";
    public static final String CONFIRM_LSN = "confirm_lsn";
    public static final String FILTERS = "filters";
    /** Index of a non-transactional message: before everything of a transaction with the same commit LSN. */
    public static final long MESSAGE_INDEX = -1;

    public SourceOffset(Lsn lsn, Lsn commitLsn, long index, Lsn confirmLsn) {
        this(lsn, commitLsn, index, confirmLsn, null);
    }

    /**
     * As a map for the record. An offset is a stored value, never a lookup key, so its key order does not matter (unlike
     * the source partition's), and the compact immutable map costs a third of a LinkedHashMap on every change.
     */
    public Map<String, Object> toMap() {
        if (filters == null) {
            return Map.of(LSN, lsn.value(), COMMIT_LSN, commitLsn.value(), INDEX, index, CONFIRM_LSN, confirmLsn.value());
        }
        return Map.of(LSN, lsn.value(), COMMIT_LSN, commitLsn.value(), INDEX, index, CONFIRM_LSN, confirmLsn.value(),
                FILTERS, filters);
    }

    /** Reads an offset as the host stored it (numbers may come back as Integer or Long); null if absent. */
    public static SourceOffset fromMap(Map<String, ?> map) {
        if (map == null || map.get(COMMIT_LSN) == null) {
            return null;
        }
        Lsn lsn = new Lsn(number(map, LSN));
        Lsn commitLsn = new Lsn(number(map, COMMIT_LSN));
        long index = number(map, INDEX);
        Lsn confirmLsn = new Lsn(number(map, CONFIRM_LSN));
        Object filters = map.get(FILTERS);
        if (filters == null && index == 1 && lsn.equals(commitLsn) && confirmLsn.equals(commitLsn)) {
            // The previous format stored a non-transactional message as (its LSN, index 1), the same position as the
            // first change of a transaction committed right after it. Nothing else had lsn = commit_lsn = confirm_lsn
            // with index 1 (a change's own LSN is below its commit LSN; C confirms past it): it was a message, and
            // read as one, the transaction it may tie with is not skipped.
            index = MESSAGE_INDEX;
        }
        return new SourceOffset(lsn, commitLsn, index, confirmLsn, filters == null ? null : filters.toString());
    }

    private static long number(Map<String, ?> map, String key) {
        Object v = map.get(key);
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof String s) {
            return Long.parseLong(s);
        }
        throw new IllegalArgumentException("stored source offset has no numeric '" + key + "': " + map);
    }

    /**
     * Inside a transaction past its B: resuming skips changes by {@code index}, which counts what wal2json sent under
     * the options the offset was stored with.
     */
    public boolean insideTransaction() {
        return index >= 1 && confirmLsn.equals(commitLsn);
    }

    /** The same transaction's B: resuming from here re-sends every change of the transaction. */
    public SourceOffset transactionStart() {
        return new SourceOffset(lsn, commitLsn, 0, commitLsn, filters);
    }

    /** Stream order: by commit LSN, then by position within the transaction. */
    @Override
    public int compareTo(SourceOffset o) {
        int c = commitLsn.compareTo(o.commitLsn);
        return c != 0 ? c : Long.compare(index, o.index);
    }
}
