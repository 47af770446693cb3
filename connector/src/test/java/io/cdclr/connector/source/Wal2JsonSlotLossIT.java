package io.cdclr.connector.source;

import io.cdclr.connector.replication.SlotLostException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A slot that vanishes once the connector has a position in it is never re-created (that would silently skip
 * every change in between): the task fails with one message naming the slot and the last confirmed LSN.
 */
class Wal2JsonSlotLossIT extends SourceTaskFixture {
    private final String slot = slot("slotloss");
    private final String table = table("slotloss");

    private Map<String, String> config() {
        return config(slot, table);
    }

    private boolean slotExists() {
        return query1("SELECT slot_name FROM pg_replication_slots WHERE slot_name = '" + slot + "'") != null;
    }

    /** Streams 5 rows, stores the last offset and confirms it; returns the stored offset. */
    private SourceOffset streamAndStore(InMemoryOffsets offsets) throws InterruptedException {
        exec("CREATE TABLE " + table + "(id int primary key, v text)");
        task = start(offsets);
        exec("INSERT INTO " + table + " SELECT g, 'a' || g FROM generate_series(1, 5) g");
        List<SourceRecord> records = pollRecords(task, 5, 30_000);
        offsets.store(records.get(4));
        task.commit();
        SourceOffset stored = SourceOffset.fromMap(records.get(4).sourceOffset());
        waitFor(() -> confirmedFlush(slot).equals(stored.confirmLsn()), 20_000);
        return stored;
    }

    private static void assertSlotLostMessage(Throwable e, String slot, SourceOffset stored) {
        SlotLostException lost = SlotLostException.find(e);
        assertNotNull(lost, "expected a SlotLostException in " + e);
        String m = e.getMessage();
        assertEquals(lost.getMessage(), m, "the task fails with the slot-lost message itself");
        assertTrue(m.contains("'" + slot + "'"), m);
        assertTrue(m.contains("last confirmed LSN " + stored.confirmLsn()), m);
        assertTrue(m.contains("may be lost"), m);
        assertTrue(m.contains("cdc-runner.jar reset"), m);
        assertTrue(!m.contains("\n"), "one line: " + m);
    }

    @Test
    void storedOffsetAndDroppedSlotFailsAsSlotLostAndCreatesNothing() throws Exception {
        InMemoryOffsets offsets = new InMemoryOffsets(config());
        SourceOffset stored = streamAndStore(offsets);
        task.stop();
        task = null;
        dropSlotQuietly(slot);
        assertTrue(!slotExists());

        ConnectException e = assertThrows(ConnectException.class, () -> task = start(offsets));
        assertSlotLostMessage(e, slot, stored);
        assertTrue(!slotExists(), "the slot must not be re-created");
        // Same again: a restart fails the same way, no crash loop that creates a slot on its second try.
        ConnectException again = assertThrows(ConnectException.class, () -> task = start(offsets));
        assertEquals(e.getMessage(), again.getMessage());
        assertTrue(!slotExists(), "the slot must not be re-created");
    }

    @Test
    void storedOffsetAndDroppedSlotFailsEvenWithCreateDisabled() throws Exception {
        InMemoryOffsets offsets = new InMemoryOffsets(config());
        SourceOffset stored = streamAndStore(offsets);
        task.stop();
        task = null;
        dropSlotQuietly(slot);
        Map<String, String> noCreate = config();
        noCreate.put("slot.create.if.missing", "false");
        InMemoryOffsets restarted = new InMemoryOffsets(noCreate);
        restarted.copyFrom(offsets);
        ConnectException e = assertThrows(ConnectException.class, () -> task = start(restarted));
        assertSlotLostMessage(e, slot, stored);
    }

    @Test
    void firstStartWithoutOffsetStillCreatesTheSlot() {
        task = start(new InMemoryOffsets(config()));
        assertEquals("wal2json", query1("SELECT plugin FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
    }

    @Test
    void slotDroppedWhileStreamingFailsTheTaskOnReconnectAndCreatesNothing() throws Exception {
        InMemoryOffsets offsets = new InMemoryOffsets(config());
        SourceOffset stored = streamAndStore(offsets);
        // What a failover without failover slots, or an operator, does: end the walsender and drop the slot before
        // the task reconnects (it reconnects within a second, so try until the drop wins the race).
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (slotExists()) {
            if (System.nanoTime() > deadline) {
                fail("could not drop the slot");
            }
            try {
                exec("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot
                        + "' AND active_pid IS NOT NULL");
                exec("SELECT pg_drop_replication_slot('" + slot + "')");
            } catch (RuntimeException activeAgain) {
                Thread.sleep(20);
            }
        }
        exec("INSERT INTO " + table + " SELECT g, 'b' || g FROM generate_series(6, 10) g");
        ConnectException e = assertThrows(ConnectException.class, () -> {
            for (int i = 0; i < 500; i++) {
                task.poll();
            }
        });
        assertSlotLostMessage(e, slot, stored);
        assertNull(query1("SELECT slot_name FROM pg_replication_slots WHERE slot_name = '" + slot + "'"),
                "the slot must not be re-created after streaming began");
    }
}
