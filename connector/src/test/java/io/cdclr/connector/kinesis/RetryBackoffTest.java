package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {
    private final RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(100), Duration.ofMillis(10_000));

    @Test
    void doublesFromTheInitialDelayWithJitterInTheUpperHalf() {
        for (int i = 0; i < 1_000; i++) {
            assertBetween(50, 100, backoff.delayMillis(1));
            assertBetween(100, 200, backoff.delayMillis(2));
            assertBetween(400, 800, backoff.delayMillis(4));
        }
    }

    @Test
    void staysAtTheCapHoweverManyAttemptsFailed() {
        for (int attempts : new int[] {8, 20, 64, 1_000, Integer.MAX_VALUE}) {
            assertBetween(5_000, 10_000, backoff.delayMillis(attempts));
        }
    }

    private static void assertBetween(long low, long high, long value) {
        assertTrue(value >= low && value <= high, value + " not in [" + low + ", " + high + "]");
    }
}
