package io.cdclr.connector.source;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transaction of a million rows streams through in bounded batches without being held in memory. Row count:
 * {@code -Dit.largeTransaction.rows=N} (default 1,000,000).
 */
class Wal2JsonLargeTransactionIT extends SourceTaskFixture {
    private static final int ROWS = Integer.getInteger("it.largeTransaction.rows", 1_000_000);
    private static final int BATCH = 1000;

    private final String slot = slot("large");
    private final String table = table("large");

    @Test
    void millionRowTransactionStreamsInBoundedBatches() throws Exception {
        exec("CREATE TABLE " + table + "(id int primary key, v text)");
        createSlot(slot, "wal2json");
        exec("INSERT INTO " + table + " SELECT g, md5(g::text) FROM generate_series(1, " + ROWS + ") g");

        Map<String, String> config = taskConfig(slot);
        config.put("wal2json.add-tables", table);
        config.put("poll.max.records", Integer.toString(BATCH));
        config.put("queue.capacity", "2048");
        InMemoryOffsets offsets = new InMemoryOffsets(config);
        task = start(offsets);

        long count = 0;
        long expectedId = 1;
        long maxUsedAfterGc = 0;
        int emptyPollsInARow = 0;
        while (count < ROWS && emptyPollsInARow < 600) { // bounded: about two minutes of nothing arriving
            List<SourceRecord> batch = task.poll();
            if (batch == null || batch.isEmpty()) {
                emptyPollsInARow++;
                continue;
            }
            emptyPollsInARow = 0;
            assertTrue(batch.size() <= BATCH, "batch of " + batch.size());
            for (SourceRecord r : batch) {
                assertEquals("public.large_" + suffix + "|" + expectedId, r.key());
                expectedId++;
            }
            count += batch.size();
            offsets.store(batch.get(batch.size() - 1));
            task.commit();
            if (count % 200_000 < BATCH) {
                System.gc();
                Runtime rt = Runtime.getRuntime();
                maxUsedAfterGc = Math.max(maxUsedAfterGc, rt.totalMemory() - rt.freeMemory());
            }
        }
        assertEquals(ROWS, count);
        // A million records of this table are well over 300 MB as Java strings; the task holds a bounded queue.
        assertTrue(maxUsedAfterGc < 256L * 1024 * 1024, "heap in use after GC: " + maxUsedAfterGc);
        System.out.println("Large transaction: " + count + " records, max heap used after GC " + (maxUsedAfterGc >> 20) + " MiB");
    }
}
