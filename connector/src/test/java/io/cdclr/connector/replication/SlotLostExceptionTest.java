package io.cdclr.connector.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SlotLostExceptionTest {

    @Test
    void messageIsOneLineNamingSlotLastConfirmedLsnLossAndReset() {
        SlotLostException e = new SlotLostException("orders", "has been invalidated by the server", Lsn.parse("16/B374D848"),
                new IllegalStateException("ERROR: can no longer get changes from replication slot \"orders\"\n  Detail: ..."));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith("Replication slot 'orders' has been invalidated by the server: last confirmed LSN 16/B374D848;"), m);
        assertTrue(m.contains("changes after it may be lost"), m);
        assertTrue(m.contains("java -jar cdc-runner.jar reset"), m);
    }

    @Test
    void unknownPositionIsSaidSo() {
        assertTrue(new SlotLostException("s", "does not exist", Lsn.INVALID).getMessage().contains("last confirmed LSN unknown"));
    }

    @Test
    void bestKnownPositionWins() {
        SlotLostException e = new SlotLostException("s", "does not exist", new Lsn(100));
        assertSame(e, e.withLastConfirmed(new Lsn(50)));
        SlotLostException later = e.withLastConfirmed(new Lsn(200));
        assertEquals(new Lsn(200), later.lastConfirmed());
        assertEquals("does not exist", later.reason());
    }

    @Test
    void foundThroughWrappers() {
        SlotLostException e = new SlotLostException("s", "does not exist", new Lsn(1));
        assertSame(e, SlotLostException.find(new RuntimeException("engine", new RuntimeException("task", e))));
        assertNull(SlotLostException.find(new RuntimeException("other")));
        assertTrue(e instanceof SlotException, "callers that handle slot problems see it");
    }
}
