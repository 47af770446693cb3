package io.cdclr.runner.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplicationLagTest {
    private static final long S = 1_000_000L;
    private static final long NOW = 1_800_000_000L * S;
    private final ReplicationLag lag = new ReplicationLag();

    @Test
    void nothingToMeasureFromYetIsNaN() {
        assertTrue(Double.isNaN(lag.seconds(NOW, false, 0)));
        assertTrue(Double.isNaN(lag.seconds(NOW, true, 0)));
    }

    @Test
    void nowMinusTheCommitTimeOfTheLastAcknowledgedChange() {
        lag.acknowledged(NOW - 7 * S);
        assertEquals(7.0, lag.seconds(NOW, false, 0));
        lag.acknowledged(CommitTimestamps.UNKNOWN); // a change without a timestamp changes nothing
        assertEquals(7.0, lag.seconds(NOW, false, 0));
    }

    @Test
    void whileIdleTheLastTimeTheSourceWasCaughtUpBoundsIt() {
        lag.acknowledged(NOW - 600 * S); // the last change was ten minutes ago
        long caughtUpMs = (NOW - 2 * S) / 1000; // the server's last keepalive, two seconds ago, found nothing more
        assertEquals(2.0, lag.seconds(NOW, true, caughtUpMs));
        // Holding unacknowledged changes: the caught-up time says nothing about them.
        assertEquals(600.0, lag.seconds(NOW, false, caughtUpMs));
        // Before any change at all, idle and caught up.
        assertEquals(2.0, new ReplicationLag().seconds(NOW, true, caughtUpMs));
    }

    @Test
    void anOlderCaughtUpTimeDoesNotHideANewerAcknowledgement() {
        lag.acknowledged(NOW - S);
        assertEquals(1.0, lag.seconds(NOW, true, (NOW - 30 * S) / 1000));
    }

    @Test
    void aClockSkewReadsZeroNotNegative() {
        lag.acknowledged(NOW + 3 * S);
        assertEquals(0.0, lag.seconds(NOW, false, 0));
    }
}
