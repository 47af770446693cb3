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
 *       (counted over every message wal2json sends for the transaction, whether or not it becomes a record)</li>
 *   <li>{@code confirm_lsn}: what may be confirmed to the slot once this offset is stored: the commit LSN while
 *       inside a transaction (the server then re-sends the transaction and {@code index} skips what was
 *       delivered), the end of the commit record after C</li>
 * </ul>
 * (commit_lsn, index) identifies a change exactly and orders the whole stream.
 */
public record SourceOffset(Lsn lsn, Lsn commitLsn, long index, Lsn confirmLsn) implements Comparable<SourceOffset> {
    public static final String LSN = "lsn";
    public static final String COMMIT_LSN = "commit_lsn";
    public static final String INDEX = "index";
    public static final String CONFIRM_LSN = "confirm_lsn";

    /**
     * As a map for the record. An offset is a stored value, never a lookup key, so its key order does not matter (unlike
     * the source partition's), and the compact immutable map costs a third of a LinkedHashMap on every change.
     */
    public Map<String, Object> toMap() {
        return Map.of(LSN, lsn.value(), COMMIT_LSN, commitLsn.value(), INDEX, index, CONFIRM_LSN, confirmLsn.value());
    }

    /** Reads an offset as the host stored it (numbers may come back as Integer or Long); null if absent. */
    public static SourceOffset fromMap(Map<String, ?> map) {
        if (map == null || map.get(COMMIT_LSN) == null) {
            return null;
        }
        return new SourceOffset(new Lsn(number(map, LSN)), new Lsn(number(map, COMMIT_LSN)), number(map, INDEX),
                new Lsn(number(map, CONFIRM_LSN)));
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

    /** Stream order: by commit LSN, then by position within the transaction. */
    @Override
    public int compareTo(SourceOffset o) {
        int c = commitLsn.compareTo(o.commitLsn);
        return c != 0 ? c : Long.compare(index, o.index);
    }
}
