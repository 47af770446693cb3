package io.cdclr.connector.source;

import io.cdclr.connector.replication.Lsn;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.cdclr.connector.source.JsonAssert.assertJsonListsEqual;
import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Restart, confirmation and reconnect behaviour against the real server. */
class Wal2JsonResumeIT extends SourceTaskFixture {
    private final String slot = slot("resume");
    private final String table = table("resume");
    private final String other = table("resume_other");

    private Map<String, String> config() {
        return config(slot, table);
    }

    /** Three transactions of 5, 10 and 5 rows: 20 records. */
    private void writeWorkload() {
        exec("CREATE TABLE " + table + "(id int primary key, v text)");
        createSlot(slot, "wal2json");
        exec("INSERT INTO " + table + " SELECT g, 'a' || g FROM generate_series(1, 5) g",
                "INSERT INTO " + table + " SELECT g, 'b' || g FROM generate_series(6, 15) g",
                "INSERT INTO " + table + " SELECT g, 'c' || g FROM generate_series(16, 20) g");
    }

    @Test
    void restartInsideATransactionLosesNothingAndRepeatsNothingBeforeTheCommittedOffset() throws Exception {
        writeWorkload();
        InMemoryOffsets offsets = new InMemoryOffsets(config());
        task = start(offsets);
        List<SourceRecord> all = pollRecords(task, 20, 60_000);
        // The host stored the offset of record 8 (the third change of the second transaction) and no further.
        offsets.store(all.get(7));
        task.commit();
        task.stop();
        waitFor(() -> !slotActive(slot), 20_000);

        task = start(offsets);
        List<SourceRecord> rest = pollRecords(task, 12, 60_000);
        assertTrue(pollQuietly(task, 5).isEmpty(), "nothing more after the 20 changes");
        assertJsonListsEqual(values(all.subList(8, 20)), values(rest));
        for (int i = 0; i < rest.size(); i++) {
            assertEquals(all.get(8 + i).sourceOffset(), rest.get(i).sourceOffset());
            assertEquals(all.get(8 + i).key(), rest.get(i).key());
        }
    }

    @Test
    void confirmedFlushNeverPassesAnUnstoredOffset() throws Exception {
        writeWorkload();
        Lsn before = confirmedFlush(slot);
        InMemoryOffsets offsets = new InMemoryOffsets(config());
        task = start(offsets);
        List<SourceRecord> all = pollRecords(task, 20, 60_000);
        // Nothing stored: commits confirm nothing, polls do not either.
        task.commit();
        pollQuietly(task, 5);
        task.commit();
        assertEquals(before, confirmedFlush(slot));

        // Stored up to record 3 (inside the first transaction): the slot may reach that transaction's commit,
        // never past it, so the server will re-send it.
        offsets.store(all.get(2));
        task.commit();
        SourceOffset stored = SourceOffset.fromMap(all.get(2).sourceOffset());
        waitFor(() -> confirmedFlush(slot).equals(stored.confirmLsn()), 20_000);
        pollQuietly(task, 5);
        assertEquals(stored.confirmLsn(), confirmedFlush(slot));
        for (SourceRecord unstored : all.subList(3, 20)) {
            assertTrue(SourceOffset.fromMap(unstored.sourceOffset()).commitLsn().compareTo(confirmedFlush(slot)) >= 0);
        }

        // Stored everything: the slot moves on, up to the end of the last transaction.
        offsets.store(all.get(19));
        task.commit();
        SourceOffset last = SourceOffset.fromMap(all.get(19).sourceOffset());
        waitFor(() -> confirmedFlush(slot).compareTo(last.commitLsn()) >= 0, 20_000);
    }

    @Test
    void idleCapturedTableDoesNotHoldTheSlotBack() throws Exception {
        exec("CREATE TABLE " + table + "(id int primary key, v text)", "CREATE TABLE " + other + "(id int primary key)");
        createSlot(slot, "wal2json");
        InMemoryOffsets offsets = new InMemoryOffsets(config());
        task = start(offsets);
        assertTrue(pollQuietly(task, 2).isEmpty());
        exec("INSERT INTO " + other + " SELECT generate_series(1, 1000)", "UPDATE " + other + " SET id = id + 1000");
        Lsn written = currentWalLsn();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (confirmedFlush(slot).compareTo(written) < 0 && System.nanoTime() < deadline) {
            assertTrue(task.poll() == null);
            task.commit();
        }
        assertTrue(confirmedFlush(slot).compareTo(written) >= 0,
                "slot at " + confirmedFlush(slot) + " should have passed " + written);
    }

    @Test
    void idleFlushWaitsUntilReturnedRecordsAreStored() throws Exception {
        exec("CREATE TABLE " + table + "(id int primary key, v text)", "CREATE TABLE " + other + "(id int primary key)");
        createSlot(slot, "wal2json");
        InMemoryOffsets offsets = new InMemoryOffsets(config());
        task = start(offsets);
        exec("INSERT INTO " + table + " VALUES (1, 'x')");
        List<SourceRecord> got = pollRecords(task, 1, 30_000);
        SourceOffset captured = SourceOffset.fromMap(got.get(0).sourceOffset());
        exec("INSERT INTO " + other + " SELECT generate_series(1, 100)");
        pollQuietly(task, 10);
        task.commit();
        pollQuietly(task, 5);
        assertTrue(confirmedFlush(slot).compareTo(captured.commitLsn()) <= 0, "unstored change must stay re-sendable");
        offsets.store(got.get(0));
        task.commit();
        Lsn written = currentWalLsn();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (confirmedFlush(slot).compareTo(written) < 0 && System.nanoTime() < deadline) {
            task.poll();
            task.commit();
        }
        assertTrue(confirmedFlush(slot).compareTo(written) >= 0);
    }

    @Test
    void reconnectsAfterTheConnectionIsKilledWithoutLosingOrRepeating() throws Exception {
        writeWorkload();
        InMemoryOffsets offsets = new InMemoryOffsets(config());
        task = start(offsets);
        List<SourceRecord> first = pollRecords(task, 20, 60_000);
        offsets.store(first.get(4));
        task.commit();
        exec("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        exec("INSERT INTO " + table + " VALUES (21, 'd21'), (22, 'd22')");
        List<SourceRecord> after = pollRecords(task, 2, 60_000);
        List<SourceRecord> more = pollQuietly(task, 5);
        // Says what came again (a replay not skipped, or the two inserts twice): the failure seen once under load.
        assertTrue(more.isEmpty(), () -> "after the reconnect " + values(after) + " then more: " + values(more));
        assertTrue(((String) after.get(0).value()).contains("\"value\":21"), after.get(0).value().toString());
        assertTrue(((String) after.get(1).value()).contains("\"value\":22"), after.get(1).value().toString());
    }

    @Test
    void stopMakesTheSlotInactive() throws Exception {
        exec("CREATE TABLE " + table + "(id int primary key, v text)");
        InMemoryOffsets offsets = new InMemoryOffsets(config());
        task = start(offsets); // creates the slot
        pollQuietly(task, 1);
        assertTrue(slotActive(slot));
        task.stop();
        waitFor(() -> !slotActive(slot), 20_000);
        assertFalse(slotActive(slot));
    }

    /**
     * With a walsender timeout of 2 s and a host that stops polling for longer while the queue is full, status
     * updates keep the same session alive: no reconnect, nothing lost.
     */
    @Test
    void statusUpdatesKeepTheWalsenderAliveWhileTheHostDoesNotPoll() throws Exception {
        exec("CREATE TABLE " + table + "(id int primary key, v text)");
        createSlot(slot, "wal2json");
        exec("INSERT INTO " + table + " SELECT g, repeat('x', 2000) FROM generate_series(1, 3000) g");
        Map<String, String> c = config();
        c.put("database.options", "-c wal_sender_timeout=2000");
        c.put("status.interval.ms", "300");
        c.put("queue.capacity", "4");
        c.put("poll.max.records", "10");
        c.put("reconnect.max.attempts", "0");
        InMemoryOffsets offsets = new InMemoryOffsets(c);
        task = start(offsets);
        List<SourceRecord> got = new java.util.ArrayList<>(pollRecords(task, 10, 60_000));
        Object pid = query1("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        Thread.sleep(6_000); // three walsender timeouts without a poll
        got.addAll(pollRecords(task, 3000 - got.size(), 120_000));
        assertEquals(3000, got.size());
        assertEquals(pid, query1("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
    }

    @Test
    void reconnectInsideATransactionNeitherLosesNorRepeats() throws Exception {
        writeWorkload();
        Map<String, String> c = config();
        c.put("queue.capacity", "1");
        c.put("poll.max.records", "1");
        InMemoryOffsets offsets = new InMemoryOffsets(c);
        task = start(offsets);
        List<SourceRecord> got = new java.util.ArrayList<>(pollRecords(task, 8, 60_000)); // inside the second transaction
        offsets.store(got.get(2));
        task.commit();
        exec("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        got.addAll(pollRecords(task, 12, 60_000));
        assertTrue(pollQuietly(task, 5).isEmpty());
        for (int i = 0; i < 20; i++) {
            assertTrue(((String) got.get(i).value()).contains("{\"name\":\"id\",\"type\":\"integer\",\"value\":" + (i + 1) + "}"),
                    "record " + i + ": " + got.get(i).value());
        }
    }
}
