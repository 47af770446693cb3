package io.cdclr.connector.source;

import io.cdclr.connector.envelope.EnvelopeParser;
import io.cdclr.connector.replication.Lsn;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransactionTrackerTest {
    private final EnvelopeParser parser = new EnvelopeParser();
    private final TransactionTracker tracker = new TransactionTracker();

    private SourceOffset next(String json, String streamLsn) {
        return tracker.next(parser.parse(json), Lsn.parse(streamLsn));
    }

    @Test
    void changesAreNumberedWithinTheirTransactionAndConfirmTheCommitLsn() {
        SourceOffset b = next("{\"action\":\"B\",\"lsn\":\"0/200\",\"nextlsn\":\"0/230\"}", "0/100");
        SourceOffset i1 = next("{\"action\":\"I\",\"lsn\":\"0/150\",\"schema\":\"s\",\"table\":\"t\"}", "0/150");
        SourceOffset i2 = next("{\"action\":\"I\",\"lsn\":\"0/150\",\"schema\":\"s\",\"table\":\"t\"}", "0/150");
        SourceOffset c = next("{\"action\":\"C\",\"lsn\":\"0/200\",\"nextlsn\":\"0/230\"}", "0/230");
        assertEquals(new SourceOffset(Lsn.parse("0/100"), Lsn.parse("0/200"), 0, Lsn.parse("0/200")), b);
        assertEquals(new SourceOffset(Lsn.parse("0/150"), Lsn.parse("0/200"), 1, Lsn.parse("0/200")), i1);
        assertEquals(new SourceOffset(Lsn.parse("0/150"), Lsn.parse("0/200"), 2, Lsn.parse("0/200")), i2);
        assertEquals(new SourceOffset(Lsn.parse("0/230"), Lsn.parse("0/200"), 3, Lsn.parse("0/230")), c);
        assertTrue(i1.compareTo(b) > 0 && i2.compareTo(i1) > 0 && c.compareTo(i2) > 0);
        // a later transaction whose changes have lower LSNs still orders after
        next("{\"action\":\"B\",\"lsn\":\"0/300\"}", "0/120");
        SourceOffset later = next("{\"action\":\"U\",\"lsn\":\"0/120\",\"schema\":\"s\",\"table\":\"t\"}", "0/120");
        assertTrue(later.compareTo(c) > 0);
    }

    @Test
    void nonTransactionalMessageStandsAlone() {
        SourceOffset m = next("{\"action\":\"M\",\"transactional\":false,\"prefix\":\"p\",\"content\":\"\"}", "0/500");
        assertEquals(new SourceOffset(Lsn.parse("0/500"), Lsn.parse("0/500"), 1, Lsn.parse("0/500")), m);
    }

    @Test
    void offsetMapRoundTripsThroughStorageTypes() {
        SourceOffset o = new SourceOffset(Lsn.parse("0/150"), Lsn.parse("1/200"), 7, Lsn.parse("1/200"));
        assertEquals(o, SourceOffset.fromMap(o.toMap()));
        Map<String, Object> asInts = Map.of("lsn", 0x150, "commit_lsn", (0x1L << 32) | 0x200, "index", 7, "confirm_lsn",
                (0x1L << 32) | 0x200);
        assertEquals(o, SourceOffset.fromMap(asInts));
    }

    @Test
    void changeOutsideTransactionIsAnError() {
        assertThrows(IllegalStateException.class,
                () -> next("{\"action\":\"I\",\"lsn\":\"0/150\",\"schema\":\"s\",\"table\":\"t\"}", "0/150"));
    }
}
