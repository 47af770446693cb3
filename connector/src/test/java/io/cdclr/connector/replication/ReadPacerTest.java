package io.cdclr.connector.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReadPacerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private long now = 1_000_000 * MS;
    private long deadline = MessageQueue.NOT_LINGERING;
    private final ReadPacer pacer = new ReadPacer(() -> deadline, () -> now);

    @Test
    void withoutALingeringPollTheRoundsAreTenMillisecondsApart() {
        assertEquals(10 * MS, pacer.nextPauseNanos());
        now += 10 * MS;
        pacer.read(500);
        assertEquals(10 * MS, pacer.nextPauseNanos());
    }

    @Test
    void aLightStreamWaitsUntilJustBeforeTheLingeringPollTakesItsBatch() {
        pacer.nextPauseNanos();
        now += 10 * MS;
        pacer.read(20 * 600); // 2,000 changes/s of 600 bytes: 1.2 MB/s, 128 KiB in 109 ms
        deadline = now + 50 * MS;
        assertEquals(40 * MS, pacer.nextPauseNanos(), "until 10 ms before the poll takes its batch");
    }

    @Test
    void theSocketBudgetBoundsThePauseAtTheRateTheLastRoundFound() {
        pacer.nextPauseNanos();
        now += 10 * MS;
        pacer.read(20 * 1500); // 2,000 changes/s of 1,500 bytes: 3 MB/s, 128 KiB in 43.7 ms
        deadline = now + 95 * MS;
        assertEquals(ReadPacer.SOCKET_BUDGET_BYTES * 10 * MS / (20 * 1500), pacer.nextPauseNanos());
    }

    @Test
    void aHeavyStreamKeepsTheTenMillisecondRoundsWhileAPollLingers() {
        pacer.nextPauseNanos();
        now += 10 * MS;
        pacer.read(100 * 1500); // 10,000 changes/s of 1,500 bytes: 150 KB in 10 ms, more than the budget
        deadline = now + 95 * MS;
        assertEquals(10 * MS, pacer.nextPauseNanos());
    }

    @Test
    void aPauseNeverExceedsAHundredMillisecondsNorFallsUnderTen() {
        pacer.nextPauseNanos();
        now += 10 * MS;
        deadline = now + 10_000 * MS; // poll.linger.ms=10000, nothing read
        assertEquals(100 * MS, pacer.nextPauseNanos());
        now += 100 * MS;
        deadline = now + 5 * MS; // the poll takes its batch sooner than a round's pause
        assertEquals(10 * MS, pacer.nextPauseNanos());
    }

    @Test
    void theFirstRoundHasNoRateYetSoItPausesTenMilliseconds() {
        deadline = now + 95 * MS;
        pacer.read(1_000_000);
        assertEquals(10 * MS, pacer.nextPauseNanos());
    }

    @Test
    void afterAWaitOnAQuietSocketTheFirstRoundHasNoRateYet() {
        pacer.nextPauseNanos();
        now += 5_000 * MS; // five quiet seconds, then a burst
        pacer.awaitingBytes();
        pacer.read(100 * 600);
        deadline = now + 95 * MS;
        assertEquals(10 * MS, pacer.nextPauseNanos(), "not five seconds' worth of rate");
    }
}
