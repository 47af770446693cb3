package io.cdclr.connector.ack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The acknowledged prefix as the runner releases it (engine offsets) and as the sink commits it (Kafka offsets). */
class AcknowledgedPrefixTest {

    private static List<Integer> releaseNow(AcknowledgedPrefix<Integer> prefix) throws InterruptedException {
        List<Integer> released = new ArrayList<>();
        prefix.releaseAcknowledged(0, e -> released.add(e.change));
        return released;
    }

    @Test
    void releasesNothingUntilTheHeadIsAcknowledged() throws Exception {
        AcknowledgedPrefix<Integer> prefix = new AcknowledgedPrefix<>();
        var first = prefix.append(1, 10);
        var second = prefix.append(2, 10);
        prefix.complete(second, null);
        assertEquals(List.of(), releaseNow(prefix), "an acknowledged change behind an unacknowledged one must wait");
        prefix.complete(first, null);
        assertEquals(List.of(1, 2), releaseNow(prefix));
    }

    @Test
    void aWaitingReleaserIsWokenByTheAcknowledgementOfTheNewHead() throws Exception {
        AcknowledgedPrefix<Integer> prefix = new AcknowledgedPrefix<>();
        var first = prefix.append(1, 10);
        var second = prefix.append(2, 10);
        prefix.complete(first, null);
        assertEquals(List.of(1), releaseNow(prefix)); // the second is now the head, unacknowledged

        List<Integer> released = Collections.synchronizedList(new ArrayList<>());
        // Waits far longer than the test may run: only a wake-up lets it return in time.
        Thread releaser = new Thread(() -> {
            try {
                prefix.releaseAcknowledged(600_000, e -> released.add(e.change));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        releaser.start();
        while (releaser.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
        prefix.complete(second, null);
        releaser.join(30_000);
        assertEquals(List.of(2), released, "the releaser was not woken by the acknowledgement of the head");
        releaser.interrupt();
    }

    @Test
    void aFailureStopsTheReleaseForGood() throws Exception {
        AcknowledgedPrefix<Integer> prefix = new AcknowledgedPrefix<>();
        var first = prefix.append(1, 10);
        var failed = prefix.append(2, 10);
        var third = prefix.append(3, 10);
        prefix.complete(first, null);
        prefix.complete(third, null);
        prefix.complete(failed, new IllegalStateException("stream deleted"));
        assertEquals(List.of(1), releaseNow(prefix));
        assertEquals(List.of(), releaseNow(prefix), "nothing after the failed change is ever released");
        assertNotNull(prefix.failure());
    }

    @Test
    void randomAcknowledgementOrderReleasesExactlyTheContiguousPrefixInOrder() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            AcknowledgedPrefix<Integer> prefix = new AcknowledgedPrefix<>();
            List<AcknowledgedPrefix.Entry<Integer>> entries = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                entries.add(prefix.append(i, 1));
            }
            List<AcknowledgedPrefix.Entry<Integer>> shuffled = new ArrayList<>(entries);
            Collections.shuffle(shuffled, random);
            List<Integer> released = new ArrayList<>();
            boolean[] acked = new boolean[200];
            for (var entry : shuffled) {
                prefix.complete(entry, null);
                acked[entry.change] = true;
                released.addAll(releaseNow(prefix));
                int contiguous = 0;
                while (contiguous < 200 && acked[contiguous]) {
                    contiguous++;
                }
                assertEquals(contiguous, released.size(), "released must be exactly the acknowledged prefix");
            }
            for (int i = 0; i < released.size(); i++) {
                assertEquals(i, released.get(i));
            }
        }
    }

    /** The sink's use: the first unacknowledged offset is the highest that may be committed. */
    @Test
    void firstUnacknowledgedIsWhereTheAcknowledgedPrefixEnds() {
        AcknowledgedPrefix<Long> offsets = new AcknowledgedPrefix<>();
        assertNull(offsets.firstUnacknowledged(), "nothing in flight");
        var ten = offsets.append(10L, 0);
        var eleven = offsets.append(11L, 0);
        var twelve = offsets.append(12L, 0);
        offsets.complete(eleven, null);
        assertEquals(10L, offsets.firstUnacknowledged(), "an acknowledgement behind the head commits nothing");
        assertEquals(3, offsets.size());
        offsets.complete(ten, null);
        assertEquals(12L, offsets.firstUnacknowledged());
        assertEquals(1, offsets.size(), "the acknowledged prefix is dropped");
        offsets.complete(twelve, null);
        assertNull(offsets.firstUnacknowledged());
        assertEquals(0, offsets.size());
    }
}
