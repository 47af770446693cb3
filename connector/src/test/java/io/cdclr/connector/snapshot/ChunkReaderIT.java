package io.cdclr.connector.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cdclr.testsupport.LocalServices;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Keyset chunks against the real database read every row once, in key order: an integer key whose select-list entry
 * is a plain ::text cast (its output column has the key's name) is still ordered as an integer, so a chunk never ends
 * at '10' before '2' and the next one (WHERE id > 10) never skips 2..9.
 */
class ChunkReaderIT {
    @Test
    void chunksCoverEveryRowInKeyOrder() throws SQLException {
        String s = "snapfix_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (Connection c = LocalServices.connect()) {
            exec(c, "CREATE SCHEMA " + s, "CREATE TABLE " + s + ".t(id int primary key, v text)",
                    "INSERT INTO " + s + ".t SELECT g, 'v' || g FROM generate_series(1, 25) g");
            try {
                TableShape.prepareSession(c);
                TableShape shape = TableShape.read(c, s, "t");
                RowEnvelopeWriter writer = new RowEnvelopeWriter(shape, Map.of("include-pk", "1"));
                ChunkReader reader = new ChunkReader();
                List<String> keys = new ArrayList<>();
                List<String> after = null;
                int chunks = 0;
                while (true) {
                    ChunkReader.Chunk chunk = reader.read(c, shape, writer, after, 4, UUID.randomUUID().toString(), "t");
                    chunk.rows().values().forEach(r -> keys.add(r.key().get(0)));
                    chunks++;
                    if (chunk.rowsRead() < 4) {
                        break;
                    }
                    after = chunk.lastKey();
                }
                assertEquals(IntStream.rangeClosed(1, 25).mapToObj(Integer::toString).toList(), keys,
                        "every row once, in key order, over " + chunks + " chunks");
            } finally {
                exec(c, "DROP SCHEMA " + s + " CASCADE");
            }
        }
    }

    private static void exec(Connection c, String... sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String q : sql) {
                st.execute(q);
            }
        }
    }
}
