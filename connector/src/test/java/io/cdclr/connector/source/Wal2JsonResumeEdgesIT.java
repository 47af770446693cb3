package io.cdclr.connector.source;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.cdclr.connector.source.JsonAssert.assertJsonListsEqual;
import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restarts at the edges of the offset format, against the real server: a non-transactional message whose LSN is the
 * next transaction's commit LSN, and a restart inside a transaction after the table filter changed.
 */
class Wal2JsonResumeEdgesIT extends SourceTaskFixture {
    private static final Pattern ID = Pattern.compile("\\{\"name\":\"id\",\"type\":\"integer\",\"value\":(\\d+)}");

    private final String slot = slot("edges");
    private final String table = table("edges");
    private final String other = table("edges_other");
    private final String prefix = "edges_" + suffix;

    private Map<String, String> config(String addTables) {
        Map<String, String> c = config(slot, addTables);
        c.put("wal2json.add-msg-prefixes", prefix);
        return c;
    }

    /**
     * {@code BEGIN; INSERT; pg_logical_emit_message(false, ...); COMMIT} in one round trip: the message record ends
     * where the commit record starts (unless another backend writes WAL in between, hence several tries), so the
     * message (streamed first) has the transaction's commit LSN as its LSN. Stopped after the message was stored,
     * the task must still deliver that transaction's insert.
     */
    @Test
    void messageWithTheNextTransactionsCommitLsnDoesNotHideThatTransactionsFirstChange() throws Exception {
        exec("CREATE TABLE " + table + "(id int primary key, v text)");
        createSlot(slot, "wal2json");
        int tries = 20;
        for (int k = 1; k <= tries; k++) {
            exec("BEGIN; INSERT INTO " + table + " VALUES (" + k + ", 'x'); SELECT pg_logical_emit_message(false, '"
                    + prefix + "', '" + k + "'); COMMIT");
        }
        InMemoryOffsets offsets = new InMemoryOffsets(config(table));
        task = start(offsets);
        List<SourceRecord> all = pollRecords(task, 2 * tries, 60_000);
        int tie = -1;
        for (int i = 0; i + 1 < all.size() && tie < 0; i++) {
            SourceOffset m = SourceOffset.fromMap(all.get(i).sourceOffset());
            SourceOffset next = SourceOffset.fromMap(all.get(i + 1).sourceOffset());
            if (((String) all.get(i).value()).startsWith("{\"action\":\"M\"") && m.commitLsn().equals(next.commitLsn())) {
                tie = i;
            }
        }
        assertTrue(tie >= 0, "no message tied with the next commit in " + tries + " tries: " + values(all));
        System.out.println("tie: " + all.get(tie).value() + " then " + all.get(tie + 1).value());
        offsets.store(all.get(tie));
        task.commit();
        task.stop();
        waitFor(() -> !slotActive(slot), 20_000);

        task = start(offsets);
        List<SourceRecord> rest = pollRecords(task, all.size() - tie - 1, 60_000);
        assertTrue(pollQuietly(task, 3).isEmpty(), "nothing more");
        assertJsonListsEqual(values(all.subList(tie + 1, all.size())), values(rest));
    }

    /**
     * One large transaction writes {@code other} first, then {@code table}; the task captures only {@code table} and
     * is stopped inside the transaction, its stored index counting {@code table}'s rows only. Restarted with
     * add-tables covering both, it must deliver every row of {@code other} (the stored index must not skip them)
     * and every row of {@code table} after the stored one; rows before it may come again (one transaction).
     */
    @Test
    void restartInsideATransactionAfterAddTablesChangedLosesNothing() throws Exception {
        int rows = 300;
        exec("CREATE TABLE " + table + "(id int primary key, v text)", "CREATE TABLE " + other + "(id int primary key, v text)");
        createSlot(slot, "wal2json");
        exec("BEGIN; INSERT INTO " + other + " SELECT g, 'o' || g FROM generate_series(1, " + rows + ") g;"
                + " INSERT INTO " + table + " SELECT g, 't' || g FROM generate_series(1, " + rows + ") g; COMMIT");
        InMemoryOffsets offsets = new InMemoryOffsets(config(table));
        task = start(offsets);
        List<SourceRecord> first = pollRecords(task, 100, 60_000);
        offsets.store(first.get(99)); // table's row 100, index 100 counted under add-tables=table
        task.commit();
        task.stop();
        waitFor(() -> !slotActive(slot), 20_000);

        Map<String, String> widened = config(table + "," + other);
        task = new Wal2JsonSourceTask();
        task.initialize(new InMemoryOffsetsView(offsets, widened));
        task.start(widened);
        List<SourceRecord> rest = new ArrayList<>();
        long deadline = System.nanoTime() + 60_000_000_000L;
        Set<Integer> otherIds = new TreeSet<>();
        Set<Integer> tableIds = new TreeSet<>();
        while ((otherIds.size() < rows || !tableIds.containsAll(range(101, rows))) && System.nanoTime() < deadline) {
            List<SourceRecord> batch = task.poll();
            if (batch != null) {
                rest.addAll(batch);
                for (SourceRecord r : batch) {
                    String v = (String) r.value();
                    (v.contains("\"table\":\"edges_other_") ? otherIds : tableIds).add(id(v));
                }
            }
        }
        rest.addAll(pollQuietly(task, 3));
        assertEquals(range(1, rows), otherIds, "every row of the newly added table");
        assertTrue(tableIds.containsAll(range(101, rows)), "every row after the stored one");
        assertTrue(rest.size() <= 2 * rows, "duplicates bounded by the one transaction: " + rest.size());
        System.out.println("after add-tables changed inside the transaction: " + rest.size() + " records, "
                + (rest.size() - rows - (rows - 100)) + " of them sent again");
    }

    private static Set<Integer> range(int from, int to) {
        Set<Integer> out = new TreeSet<>();
        for (int i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    private static int id(String envelope) {
        Matcher m = ID.matcher(envelope);
        assertTrue(m.find(), envelope);
        return Integer.parseInt(m.group(1));
    }

    /** The same stored offsets, with another configuration (the restart's). */
    private static final class InMemoryOffsetsView implements org.apache.kafka.connect.source.SourceTaskContext {
        private final InMemoryOffsets offsets;
        private final Map<String, String> configs;

        InMemoryOffsetsView(InMemoryOffsets offsets, Map<String, String> configs) {
            this.offsets = offsets;
            this.configs = configs;
        }

        @Override
        public Map<String, String> configs() {
            return configs;
        }

        @Override
        public org.apache.kafka.connect.storage.OffsetStorageReader offsetStorageReader() {
            return offsets;
        }

        @Override
        public org.apache.kafka.common.metrics.PluginMetrics pluginMetrics() {
            return null;
        }
    }
}
