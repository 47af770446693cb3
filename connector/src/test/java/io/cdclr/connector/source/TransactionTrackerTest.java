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
        assertEquals(new SourceOffset(Lsn.parse("0/500"), Lsn.parse("0/500"), SourceOffset.MESSAGE_INDEX, Lsn.parse("0/500")), m);
    }

    /**
     * As wal2json really sends it (BEGIN; INSERT; pg_logical_emit_message(false, ...); COMMIT): the message's LSN is
     * the end of its record, which is where the commit record starts, so it equals the commit LSN of the transaction
     * streamed right after it. Resuming from the message's offset must skip nothing of that transaction.
     */
    @Test
    void messageWhoseLsnIsTheNextTransactionsCommitLsnSortsBeforeIt() {
        SourceOffset m = next("{\"action\":\"M\",\"lsn\":\"0/1942838\",\"transactional\":false,\"prefix\":\"p\",\"content\":\"tie\"}",
                "0/1942838");
        SourceOffset b = next("{\"action\":\"B\",\"lsn\":\"0/1942838\",\"nextlsn\":\"0/1942868\"}", "0/1942778");
        SourceOffset i = next("{\"action\":\"I\",\"lsn\":\"0/1942778\",\"schema\":\"s\",\"table\":\"t\"}", "0/1942778");
        SourceOffset c = next("{\"action\":\"C\",\"lsn\":\"0/1942838\",\"nextlsn\":\"0/1942868\"}", "0/1942868");
        assertEquals(m.commitLsn(), b.commitLsn(), "the tie");
        assertTrue(m.compareTo(b) < 0 && m.compareTo(i) < 0 && m.compareTo(c) < 0, "the message sorts first");
        // Stored and read back (the task skips everything at or before the stored offset): the change is not skipped.
        SourceOffset stored = SourceOffset.fromMap(m.toMap());
        assertTrue(i.compareTo(stored) > 0 && b.compareTo(stored) > 0);
    }

    /** The previous format stored that message as index 1, the position of the tied transaction's first change. */
    @Test
    void aMessageOffsetOfThePreviousFormatIsReadAsAMessage() {
        long x = Lsn.parse("0/1942838").value();
        SourceOffset old = SourceOffset.fromMap(Map.of("lsn", x, "commit_lsn", x, "index", 1, "confirm_lsn", x));
        assertEquals(SourceOffset.MESSAGE_INDEX, old.index());
        SourceOffset firstChange = new SourceOffset(Lsn.parse("0/1942778"), new Lsn(x), 1, new Lsn(x));
        assertTrue(firstChange.compareTo(old) > 0, "the tied transaction's first change is delivered");
        // a first change of the previous format stays what it was (its own LSN is below the commit LSN)
        assertEquals(firstChange, SourceOffset.fromMap(Map.of("lsn", Lsn.parse("0/1942778").value(), "commit_lsn", x,
                "index", 1, "confirm_lsn", x)));
    }

    @Test
    void offsetMapRoundTripsThroughStorageTypes() {
        SourceOffset o = new SourceOffset(Lsn.parse("0/150"), Lsn.parse("1/200"), 7, Lsn.parse("1/200"));
        assertEquals(o, SourceOffset.fromMap(o.toMap()));
        Map<String, Object> asInts = Map.of("lsn", 0x150, "commit_lsn", (0x1L << 32) | 0x200, "index", 7, "confirm_lsn",
                (0x1L << 32) | 0x200);
        assertEquals(o, SourceOffset.fromMap(asInts));
        SourceOffset withFilters = new SourceOffset(Lsn.parse("0/150"), Lsn.parse("1/200"), 7, Lsn.parse("1/200"),
                "add-tables=0a1b2c3d");
        assertEquals(withFilters, SourceOffset.fromMap(withFilters.toMap()));
        SourceOffset message = new SourceOffset(Lsn.parse("0/500"), Lsn.parse("0/500"), -1, Lsn.parse("0/500"), "");
        assertEquals(message, SourceOffset.fromMap(message.toMap()));
    }

    @Test
    void changeOutsideTransactionIsAnError() {
        assertThrows(IllegalStateException.class,
                () -> next("{\"action\":\"I\",\"lsn\":\"0/150\",\"schema\":\"s\",\"table\":\"t\"}", "0/150"));
    }
}
