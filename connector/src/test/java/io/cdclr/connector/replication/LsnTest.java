package io.cdclr.connector.replication;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LsnTest {
    @Test
    void parsesAndFormatsLikePostgres() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertEquals((0x16L << 32) | 0xB374D848L, lsn.value());
        assertEquals("16/B374D848", lsn.toString());
        assertEquals("0/0", Lsn.INVALID.toString());
    }

    @Test
    void comparesUnsigned() {
        assertTrue(Lsn.parse("FFFFFFFF/0").compareTo(Lsn.parse("1/0")) > 0);
        assertEquals(Lsn.parse("0/2"), Lsn.max(Lsn.parse("0/1"), Lsn.parse("0/2")));
    }

    @Test
    void rejectsGarbage() {
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("12"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("1/"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("1/123456789"));
    }
}
