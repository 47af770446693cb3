package io.cdclr.connector.source;

import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * A backlog of large rows against real wal2json: poll() batches stay within poll.max.bytes (a row larger than the
 * budget comes alone), and every row arrives once, in order, with the queue bounded in bytes well below the backlog.
 */
class Wal2JsonLargeRowsIT extends SourceTaskFixture {
    private static final int ROWS = 40;
    private static final int ROW_BYTES = 300_000;
    private static final long BUDGET = 1024 * 1024;

    private final String slot = slot("largerows");
    private final String table = table("largerows");

    @Test
    void batchesOfLargeRowsStayWithinThePollByteBoundAndARowOverItComesAlone() throws Exception {
        exec("CREATE TABLE " + table + "(id int primary key, v text)");
        createSlot(slot, "wal2json");
        // md5 text: PostgreSQL compresses it little, and the JSON is as large as the text.
        exec("INSERT INTO " + table + " SELECT g, (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, "
                + ROW_BYTES / 32 + ") i) FROM generate_series(1, " + ROWS + ") g");
        exec("INSERT INTO " + table + " SELECT 1000, (SELECT string_agg(md5(i::text), '') FROM generate_series(1, "
                + (3 * BUDGET / 32) + ") i)");
        exec("INSERT INTO " + table + " VALUES (1001, 'small')");

        Map<String, String> config = taskConfig(slot);
        config.put("wal2json.add-tables", table);
        config.put("wal2json.add-msg-prefixes", slot); // not the logical messages other tests emit on the same database
        config.put("value.format", "bytes");
        config.put("poll.max.bytes", Long.toString(BUDGET));
        config.put("queue.max.bytes", Long.toString(4 * BUDGET));
        InMemoryOffsets offsets = new InMemoryOffsets(config);
        task = start(offsets);
        Thread.sleep(2000); // the reader fills its queue (bounded at 4 MiB) before the first poll

        List<String> keys = new ArrayList<>();
        List<String> batchSizes = new ArrayList<>();
        int emptyPolls = 0;
        while (keys.size() < ROWS + 2 && emptyPolls < 120) {
            List<SourceRecord> batch = task.poll();
            if (batch == null || batch.isEmpty()) {
                emptyPolls++;
                continue;
            }
            long bytes = 0;
            for (SourceRecord r : batch) {
                bytes += ((byte[]) r.value()).length;
                keys.add((String) r.key());
                if (r.key().equals(table + "|1000")) {
                    assertEquals(1, batch.size(), "the row larger than poll.max.bytes comes alone");
                    assertTrue(((byte[]) r.value()).length > 3 * BUDGET);
                }
            }
            batchSizes.add(batch.size() + "/" + (bytes >> 10) + "KiB");
            assertTrue(batch.size() == 1 || bytes <= BUDGET, "a batch of " + batch.size() + " records and " + bytes
                    + " bytes exceeds poll.max.bytes=" + BUDGET);
            offsets.store(batch.get(batch.size() - 1));
            task.commit();
        }
        System.out.println("Large rows: batches (records/bytes) " + batchSizes);
        List<String> expected = new ArrayList<>();
        for (int id = 1; id <= ROWS; id++) {
            expected.add(table + "|" + id);
        }
        expected.add(table + "|1000");
        expected.add(table + "|1001");
        assertEquals(expected, keys, "every row once, in commit order");
        assertTrue(batchSizes.size() >= ROWS * ROW_BYTES / BUDGET, "the backlog took several batches: " + batchSizes);
    }

    /**
     * Nobody polls for four times the server's wal_sender_timeout while the reader's queue is full by bytes: the reader
     * keeps sending status updates, so the walsender stays (same pid) and every row then arrives once, in order.
     */
    @Test
    void aReaderWaitingOnAQueueFullByBytesKeepsTheWalsenderAlive() throws Exception {
        exec("CREATE TABLE " + table + "(id int primary key, v text)");
        createSlot(slot, "wal2json");
        exec("INSERT INTO " + table + " SELECT g, (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, "
                + ROW_BYTES / 32 + ") i) FROM generate_series(1, 20) g");

        Map<String, String> config = taskConfig(slot);
        config.put("wal2json.add-tables", table);
        config.put("wal2json.add-msg-prefixes", slot); // not the logical messages other tests emit on the same database
        config.put("queue.max.bytes", Long.toString(BUDGET)); // 3 of the 20 rows
        config.put("status.interval.ms", "500");
        config.put("database.options", "-c wal_sender_timeout=2s");
        InMemoryOffsets offsets = new InMemoryOffsets(config);
        task = start(offsets);
        waitFor(() -> slotActive(slot), 10_000);
        Object walsender = query1("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        Thread.sleep(8000);
        assertEquals(walsender, query1("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "'"),
                "the walsender timed out while the queue was full");

        List<String> keys = new ArrayList<>();
        int emptyPolls = 0;
        while (keys.size() < 20 && emptyPolls < 60) {
            List<SourceRecord> batch = task.poll();
            if (batch == null || batch.isEmpty()) {
                emptyPolls++;
                continue;
            }
            batch.forEach(r -> keys.add((String) r.key()));
            offsets.store(batch.get(batch.size() - 1));
            task.commit();
        }
        List<String> expected = new ArrayList<>();
        for (int id = 1; id <= 20; id++) {
            expected.add(table + "|" + id);
        }
        assertEquals(expected, keys);
        assertEquals(walsender, query1("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "'"),
                "one session throughout");
    }
}
