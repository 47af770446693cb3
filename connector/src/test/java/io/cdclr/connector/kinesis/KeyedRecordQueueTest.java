package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The linger's clock: a ready record counts from its submission, not from when it became ready. */
class KeyedRecordQueueTest {
    private static PendingRecord record(String key) {
        return new PendingRecord(key, null, new byte[] {1}, "test", 1 + key.length(), false, error -> { });
    }

    @Test
    void aRecordThatWaitedBehindItsKeyIsReadySinceItsSubmission() throws Exception {
        KeyedRecordQueue queue = new KeyedRecordQueue();
        PendingRecord first = record("k");
        PendingRecord second = record("k");
        queue.add(first);
        queue.add(second);
        assertEquals(first.submittedNanos, queue.readySinceNanos());
        assertSame(first, queue.takeReadyHead());
        Thread.sleep(5); // the second waits behind the first, in flight
        queue.acknowledgeHead(first);
        assertSame(second, queue.peekReadyHead());
        assertEquals(second.submittedNanos, queue.readySinceNanos(), "its wait behind its key counts towards the linger");
    }

    @Test
    void theOldestSubmissionAmongTheReadyRecordsSetsTheClock() {
        KeyedRecordQueue queue = new KeyedRecordQueue();
        PendingRecord first = record("a");
        PendingRecord behindFirst = record("a");
        PendingRecord other = record("b");
        queue.add(first);
        queue.add(behindFirst);
        assertSame(first, queue.takeReadyHead());
        queue.add(other); // ready at once, submitted after behindFirst
        queue.acknowledgeHead(first); // behindFirst becomes ready after other, but was submitted before it
        assertEquals(behindFirst.submittedNanos, queue.readySinceNanos());
    }
}
