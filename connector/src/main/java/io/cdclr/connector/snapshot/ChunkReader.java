package io.cdclr.connector.snapshot;

import io.cdclr.connector.envelope.KeyedEnvelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads one chunk of a table in primary-key order after the last key (keyset pagination: one short statement, no
 * lock beyond the statement's ACCESS SHARE, no long snapshot), between a low and a high watermark, and formats every
 * row as the envelope wal2json would emit for its INSERT, stamped with the high watermark's LSN.
 */
final class ChunkReader {

    /**
     * One chunk: the rows by partition key (the key a streamed change of the row gets), in key order.
     *
     * @param rowsRead how many rows the query returned (fewer than asked: the table is done)
     * @param lastKey  the key values (text) of the last row read, null when none
     */
    record Chunk(String id, String lowLsn, String highLsn, LinkedHashMap<String, ChunkRow> rows, int rowsRead,
                 List<String> lastKey) {
    }

    /** A row of a chunk: its envelope and its key values (text, key order). */
    record ChunkRow(String envelope, List<String> key) {
    }

    Chunk read(Connection c, TableShape shape, RowEnvelopeWriter writer, List<String> after, int limit, String chunkId,
               String snapshotId) throws SQLException {
        String lowLsn = Watermarks.low(c, chunkId);
        LinkedHashMap<String, ChunkRow> rows = new LinkedHashMap<>();
        int read = 0;
        List<String> lastKey = null;
        try (PreparedStatement ps = c.prepareStatement(query(shape, after != null))) {
            int i = 1;
            if (after != null) {
                for (String v : after) {
                    ps.setObject(i++, v, Types.OTHER);
                }
            }
            ps.setInt(i, limit);
            // The whole chunk is fetched before the statement returns (no cursor): its snapshot is taken before the
            // high watermark is written, as the window needs.
            try (ResultSet rs = ps.executeQuery()) {
                String highLsn = Watermarks.high(c, chunkId);
                while (rs.next()) {
                    read++;
                    KeyedEnvelope envelope = writer.envelope(rs, highLsn, null, snapshotId);
                    lastKey = writer.keyValues(rs);
                    rows.put(envelope.partitionKey(), new ChunkRow(envelope.json(), lastKey));
                }
                return new Chunk(chunkId, lowLsn, highLsn, rows, read, lastKey);
            }
        }
    }

    static String query(TableShape shape, boolean after) {
        List<String> pk = shape.primaryKey();
        Map<String, String> types = shape.columns().stream()
                .collect(Collectors.toMap(TableShape.Column::name, TableShape.Column::typeName, (a, b) -> a));
        // Key columns qualified with the table: the select list may read a key column as "k"::text, whose output
        // column is also named k, and ORDER BY takes a bare name as the output column: the chunk would be in text
        // order ('1', '10', '100', '2') while the keyset condition compares typed values, skipping rows.
        String table = TableShape.quoteIdentifier(shape.schema()) + '.' + TableShape.quoteIdentifier(shape.table());
        String keyList = pk.stream().map(k -> table + '.' + TableShape.quoteIdentifier(k))
                .collect(Collectors.joining(", "));
        StringBuilder sql = new StringBuilder("SELECT ").append(shape.selectList()).append(" FROM ").append(table);
        if (after) {
            sql.append(" WHERE (").append(keyList).append(") > (")
                    .append(pk.stream().map(k -> "CAST(? AS " + types.get(k) + ")").collect(Collectors.joining(", ")))
                    .append(')');
        }
        return sql.append(" ORDER BY ").append(keyList).append(" LIMIT ?").toString();
    }
}
