package io.cdclr.connector.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The reader queue's two bounds (messages and bytes), and that a message over the byte bound passes alone. */
class MessageQueueTest {
    private long sequence;

    private StreamMessage message(int bytes) {
        return new StreamMessage(new Lsn(++sequence), new byte[bytes], sequence);
    }

    @Test
    void theByteBoundStopsTheProducerBeforeTheCountBound() throws Exception {
        MessageQueue queue = new MessageQueue(100, 1000);
        assertTrue(queue.offer(message(400), 0, TimeUnit.MILLISECONDS));
        assertTrue(queue.offer(message(400), 0, TimeUnit.MILLISECONDS));
        assertFalse(queue.offer(message(400), 10, TimeUnit.MILLISECONDS), "1,200 bytes > 1,000");
        assertTrue(queue.offer(message(200), 0, TimeUnit.MILLISECONDS), "exactly 1,000 fits");
        assertEquals(3, queue.size());
        assertEquals(1000, queue.bytes());
    }

    @Test
    void theCountBoundStillHolds() throws Exception {
        MessageQueue queue = new MessageQueue(2, 1_000_000);
        assertTrue(queue.offer(message(1), 0, TimeUnit.MILLISECONDS));
        assertTrue(queue.offer(message(1), 0, TimeUnit.MILLISECONDS));
        assertFalse(queue.offer(message(1), 10, TimeUnit.MILLISECONDS));
    }

    @Test
    void aMessageLargerThanTheByteBoundEntersAnEmptyQueueAloneAndNothingJoinsIt() throws Exception {
        MessageQueue queue = new MessageQueue(100, 1000);
        assertTrue(queue.offer(message(5000), 0, TimeUnit.MILLISECONDS));
        assertFalse(queue.offer(message(1), 10, TimeUnit.MILLISECONDS), "nothing joins a queue over its byte bound");
        List<StreamMessage> out = new ArrayList<>();
        assertEquals(1, queue.drainTo(out, 10, 1000, true, 0));
        assertEquals(5000, out.get(0).length());
        assertTrue(queue.offer(message(1), 0, TimeUnit.MILLISECONDS), "room again once it is taken");
    }

    @Test
    void aMessageLargerThanTheQueueBoundWaitsForTheQueueToEmpty() throws Exception {
        MessageQueue queue = new MessageQueue(100, 1000);
        assertTrue(queue.offer(message(10), 0, TimeUnit.MILLISECONDS));
        assertFalse(queue.offer(message(5000), 10, TimeUnit.MILLISECONDS));
        queue.drainTo(new ArrayList<>(), 10, Long.MAX_VALUE, true, 0);
        assertTrue(queue.offer(message(5000), 0, TimeUnit.MILLISECONDS));
    }

    @Test
    void theDrainStopsAtTheByteBudgetAndTakesAnOversizedFirstMessageOnlyWhenAsked() throws Exception {
        MessageQueue queue = new MessageQueue(100, 1_000_000);
        for (int size : new int[] {300, 300, 300, 2000, 10}) {
            assertTrue(queue.offer(message(size), 0, TimeUnit.MILLISECONDS));
        }
        List<StreamMessage> out = new ArrayList<>();
        assertEquals(2, queue.drainTo(out, 100, 700, true, 0), "300 + 300 <= 700 < 900");
        assertEquals(1, queue.drainTo(out, 100, 700, false, 0), "the third 300, then 2,000 does not fit");
        assertEquals(0, queue.drainTo(out, 100, 700, false, 0), "2,000 > 700 and not asked to take it alone");
        assertEquals(1, queue.drainTo(out, 100, 700, true, 0), "taken alone: 2,000 then 10 would exceed 700");
        assertEquals(2000, out.get(3).length());
        assertEquals(1, queue.drainTo(out, 1, 700, true, 0));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), out.stream().map(StreamMessage::sequence).toList(), "in order");
        assertEquals(0, queue.bytes());
        assertTrue(queue.isEmpty());
    }

    @Test
    void theDrainRespectsTheCountToo() throws Exception {
        MessageQueue queue = new MessageQueue(100, 1_000_000);
        for (int i = 0; i < 5; i++) {
            queue.offer(message(1), 0, TimeUnit.MILLISECONDS);
        }
        List<StreamMessage> out = new ArrayList<>();
        assertEquals(3, queue.drainTo(out, 3, Long.MAX_VALUE, true, 0));
        assertEquals(2, queue.size());
    }

    @Test
    void anEmptyDrainWaitsForTheFirstMessage() throws Exception {
        MessageQueue queue = new MessageQueue(4, 1000);
        List<StreamMessage> out = new ArrayList<>();
        assertEquals(0, queue.drainTo(out, 10, 1000, true, 20));
        CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.drainTo(out, 10, 1000, true, 10_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        queue.offer(message(10), 0, TimeUnit.MILLISECONDS);
        assertEquals(1, drained.get(10, TimeUnit.SECONDS));
    }

    /**
     * A producer and a consumer with random sizes around the byte bound, some far above it: everything arrives in
     * order, nothing is lost or stuck, and at no moment does the queue hold more than the bound unless it holds one
     * message.
     */
    @Test
    @Timeout(60)
    void producerAndConsumerNeverDeadlockAndTheBoundsHoldThroughout() throws Exception {
        int total = 20_000;
        long maxBytes = 10_000;
        MessageQueue queue = new MessageQueue(16, maxBytes);
        java.util.Random random = new java.util.Random(19);
        int[] sizes = new int[total];
        for (int i = 0; i < total; i++) {
            sizes[i] = random.nextInt(50) == 0 ? 10_000 + random.nextInt(30_000) : 1 + random.nextInt(3000);
        }
        AtomicLong violations = new AtomicLong();
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; i < total; i++) {
                    StreamMessage m = new StreamMessage(new Lsn(i + 1), new byte[sizes[i]], i + 1);
                    while (!queue.offer(m, 5, TimeUnit.MILLISECONDS)) {
                        // as the reader does: keep going (it sends status updates here)
                    }
                    if (queue.size() > 1 && queue.bytes() > maxBytes) {
                        violations.incrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        List<StreamMessage> out = new ArrayList<>();
        long batchBudget = 7_000;
        while (out.size() < total) {
            List<StreamMessage> batch = new ArrayList<>();
            long bytes = 0;
            while (bytes < batchBudget) {
                int before = batch.size();
                queue.drainTo(batch, 100, batchBudget - bytes, bytes == 0, batch.isEmpty() ? 100 : 0);
                if (batch.size() == before) {
                    break;
                }
                for (int i = before; i < batch.size(); i++) {
                    bytes += batch.get(i).length();
                }
            }
            if (batch.size() > 1 && bytes > batchBudget) {
                violations.incrementAndGet();
            }
            out.addAll(batch);
        }
        producer.join(10_000);
        assertEquals(0, violations.get(), "moments the queue or a batch held more than its bound with more than one message");
        for (int i = 0; i < total; i++) {
            assertEquals(i + 1, out.get(i).sequence());
            assertEquals(sizes[i], out.get(i).length());
        }
    }

    @Test
    @Timeout(30)
    void aLingeringPollIsWokenWhenItsBatchIsFullNotBefore() throws Exception {
        MessageQueue queue = new MessageQueue(100, 1_000_000);
        queue.offer(message(10), 0, TimeUnit.MILLISECONDS);
        CompletableFuture<Integer> lingering = CompletableFuture.supplyAsync(() -> {
            try {
                queue.awaitAtLeast(3, Long.MAX_VALUE, TimeUnit.MINUTES.toNanos(10));
                return queue.size();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        queue.offer(message(10), 0, TimeUnit.MILLISECONDS);
        queue.offer(message(10), 0, TimeUnit.MILLISECONDS);
        // Returns well before its ten minutes (the test's timeout says so) once three are queued.
        assertTrue(lingering.get() >= 3);
    }

    @Test
    @Timeout(30)
    void aLingeringPollIsWokenByBytesOrAFullQueue() throws Exception {
        MessageQueue queue = new MessageQueue(2, 1_000_000);
        CompletableFuture<Void> byCount = CompletableFuture.runAsync(() -> {
            try {
                queue.awaitAtLeast(50, Long.MAX_VALUE, TimeUnit.MINUTES.toNanos(10)); // more than the queue holds
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        queue.offer(message(10), 0, TimeUnit.MILLISECONDS);
        queue.offer(message(10), 0, TimeUnit.MILLISECONDS);
        byCount.get();
        queue.drainTo(new ArrayList<>(), 10, Long.MAX_VALUE, true, 0);

        CompletableFuture<Void> byBytes = CompletableFuture.runAsync(() -> {
            try {
                queue.awaitAtLeast(50, 100, TimeUnit.MINUTES.toNanos(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        queue.offer(message(150), 0, TimeUnit.MILLISECONDS);
        byBytes.get();
    }

    @Test
    @Timeout(30)
    void aLingerEndsAtItsTimeoutAndAPlainDrainIsWokenAgainAfterIt() throws Exception {
        MessageQueue queue = new MessageQueue(100, 1_000_000);
        queue.awaitAtLeast(5, Long.MAX_VALUE, TimeUnit.MILLISECONDS.toNanos(20));
        assertEquals(0, queue.size());
        CompletableFuture<Integer> drain = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.drainTo(new ArrayList<>(), 10, Long.MAX_VALUE, true, TimeUnit.MINUTES.toMillis(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        queue.offer(message(10), 0, TimeUnit.MILLISECONDS);
        assertEquals(1, drain.get(), "one message wakes a drain that waits for its first");
    }

    @Test
    @Timeout(30)
    void aLingeringPollPublishesWhenItWillTakeItsBatchAndWithdrawsItWhenWoken() throws Exception {
        MessageQueue queue = new MessageQueue(100, 1_000_000);
        assertEquals(MessageQueue.NOT_LINGERING, queue.lingerDeadline());
        long before = System.nanoTime();
        CompletableFuture<Void> lingering = CompletableFuture.runAsync(() -> {
            try {
                queue.awaitAtLeast(2, Long.MAX_VALUE, TimeUnit.MINUTES.toNanos(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        while (queue.lingerDeadline() == MessageQueue.NOT_LINGERING) {
            Thread.onSpinWait();
        }
        long deadline = queue.lingerDeadline();
        assertTrue(deadline - before >= TimeUnit.MINUTES.toNanos(10), "the deadline is the linger's end");
        assertTrue(deadline - System.nanoTime() <= TimeUnit.MINUTES.toNanos(10), "counted from the linger's start");
        queue.offer(message(10), 0, TimeUnit.MILLISECONDS);
        queue.offer(message(10), 0, TimeUnit.MILLISECONDS);
        lingering.get();
        assertEquals(MessageQueue.NOT_LINGERING, queue.lingerDeadline(), "no deadline once the poll was woken");
    }
}
