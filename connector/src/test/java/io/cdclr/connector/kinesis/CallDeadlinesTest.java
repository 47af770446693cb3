package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CallDeadlinesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void aCallStillOpenAtItsDeadlineIsAbortedOnce() {
        CallDeadlines deadlines = new CallDeadlines(TIMEOUT, timer, now::get);
        AtomicInteger aborts = new AtomicInteger();
        CallDeadlines.Deadline deadline = deadlines.start(aborts::incrementAndGet);

        now.addAndGet(TIMEOUT.toNanos() - 1);
        deadlines.abortOverdue();
        assertEquals(0, aborts.get(), "not due yet");
        assertFalse(deadline.passed());

        now.addAndGet(1);
        deadlines.abortOverdue();
        deadlines.abortOverdue();
        assertEquals(1, aborts.get());
        assertTrue(deadline.passed());
    }

    @Test
    void aCallThatAnsweredIsNeverAborted() {
        CallDeadlines deadlines = new CallDeadlines(TIMEOUT, timer, now::get);
        AtomicInteger aborts = new AtomicInteger();
        try (CallDeadlines.Deadline deadline = deadlines.start(aborts::incrementAndGet)) {
            assertFalse(deadline.passed());
        }
        now.addAndGet(TIMEOUT.toNanos() * 2);
        deadlines.abortOverdue();
        assertEquals(0, aborts.get());
    }

    @Test
    void onlyTheCallsPastTheirOwnDeadlineAreAborted() {
        CallDeadlines deadlines = new CallDeadlines(TIMEOUT, timer, now::get);
        AtomicInteger firstAborts = new AtomicInteger();
        AtomicInteger secondAborts = new AtomicInteger();
        deadlines.start(firstAborts::incrementAndGet);
        now.addAndGet(TIMEOUT.toNanos() / 2);
        deadlines.start(secondAborts::incrementAndGet);

        now.addAndGet(TIMEOUT.toNanos() / 2);
        deadlines.abortOverdue();
        assertEquals(1, firstAborts.get());
        assertEquals(0, secondAborts.get());
    }

    @Test
    void theSweepRunsOnTheTimerOnItsOwn() throws InterruptedException {
        CountDownLatch aborted = new CountDownLatch(1);
        CallDeadlines deadlines = new CallDeadlines(Duration.ofMillis(40), timer, System::nanoTime);
        deadlines.start(aborted::countDown);
        assertTrue(aborted.await(5, TimeUnit.SECONDS), "the timer's sweep aborts the overdue call");
    }

    @Test
    void theTickIsAnEighthOfTheTimeoutWithinBounds() {
        assertEquals(Duration.ofSeconds(1), CallDeadlines.tick(Duration.ofSeconds(30)));
        assertEquals(Duration.ofMillis(250), CallDeadlines.tick(Duration.ofSeconds(2)));
        assertEquals(Duration.ofMillis(CallDeadlines.MIN_TICK_MS), CallDeadlines.tick(Duration.ofMillis(1)));
    }
}
