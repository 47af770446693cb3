package io.cdclr.connector.snapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the low and high watermarks of a chunk as non-transactional logical messages with the prefix
 * {@value #PREFIX} and content {@code <chunkId>:low} / {@code <chunkId>:high}: they appear in the stream at their own
 * WAL position at once, with no transaction around them.
 *
 * <p>Why the low watermark waits ("settles"): a transaction's commit record reaches the WAL (and so the stream) a
 * moment before the transaction becomes visible to new snapshots (the commit is flushed first). A transaction caught
 * in that moment when the low watermark is written streams before the watermark, yet the chunk query may not see it:
 * its change would not be in the window and the chunk would carry the row's older value after it. So after writing
 * the low watermark we wait until every transaction that was in progress then has finished (bounded by
 * {@link #SETTLE_LIMIT_MS}: one still running after that is not in its commit, it commits after the watermark).
 */
final class Watermarks {
    static final String PREFIX = SnapshotRequest.PREFIX + ".wm";
    static final long SETTLE_LIMIT_MS = 2_000;

    private Watermarks() {
    }

    /** Writes the low watermark and waits for transactions that may be committing; returns its LSN. */
    static String low(Connection c, String chunkId) throws SQLException {
        String lsn;
        String snapshot;
        long me;
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_logical_emit_message(false, ?, ?)::text,"
                + " pg_current_snapshot()::text, pg_current_xact_id()::text")) {
            ps.setString(1, PREFIX);
            ps.setString(2, chunkId + ":low");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                lsn = rs.getString(1);
                snapshot = rs.getString(2);
                me = Long.parseLong(rs.getString(3));
            }
        }
        settle(c, inProgress(snapshot, me));
        return lsn;
    }

    /**
     * Writes the high watermark; returns its LSN. The statement also takes a transaction id (as the low watermark's
     * does) so that its commit writes a commit record and flushes the WAL: a non-transactional message alone is not
     * flushed, and the walsender sends only flushed WAL, so on an otherwise idle database the watermark would reach
     * the stream only at the WAL writer's next round (wal_writer_delay, 200 ms by default), which paced the snapshot
     * at a chunk per 200 ms.
     */
    static String high(Connection c, String chunkId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_logical_emit_message(false, ?, ?)::text,"
                + " pg_current_xact_id()::text")) {
            ps.setString(1, PREFIX);
            ps.setString(2, chunkId + ":high");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** The transactions a snapshot "xmin:xmax:xip,.." counts in progress, below {@code me} (ours, excluded). */
    static List<Long> inProgress(String snapshot, long me) {
        String[] parts = snapshot.split(":", -1);
        long xmax = Long.parseLong(parts[1]);
        List<Long> xids = new ArrayList<>();
        if (parts.length > 2 && !parts[2].isEmpty()) {
            for (String x : parts[2].split(",")) {
                long xid = Long.parseLong(x.trim());
                if (xid != me) {
                    xids.add(xid);
                }
            }
        }
        // xmax is the oldest xid not yet completed; those from there up to ours had started too.
        for (long xid = xmax; xid < me && xids.size() < 10_000; xid++) {
            xids.add(xid);
        }
        return xids;
    }

    private static void settle(Connection c, List<Long> xids) throws SQLException {
        if (xids.isEmpty()) {
            return;
        }
        long until = System.nanoTime() + SETTLE_LIMIT_MS * 1_000_000L;
        String array = "{" + String.join(",", xids.stream().map(String::valueOf).toList()) + "}";
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM unnest(?::xid8[]) x"
                + " WHERE pg_xact_status(x) = 'in progress'")) {
            ps.setString(1, array);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 0 || System.nanoTime() > until) {
                        return;
                    }
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
