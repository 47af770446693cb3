package io.cdclr.connector.kinesis;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter: attempt n waits between half and all of
 * min(max, initial * 2^(n-1)). The random half spreads retries of records throttled together,
 * the fixed half keeps a throttled shard from being hammered at once.
 */
final class RetryBackoff {
    private final long initialMillis;
    private final long maxMillis;

    RetryBackoff(Duration initial, Duration max) {
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
    }

    /** @param failedAttempts how many attempts of this record have failed so far, at least 1 */
    long delayMillis(int failedAttempts) {
        int doublings = Math.min(Math.max(failedAttempts - 1, 0), 40);
        long ceiling = initialMillis << doublings;
        if (ceiling <= 0 || ceiling > maxMillis) {
            ceiling = maxMillis;
        }
        long half = ceiling / 2;
        return half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
    }
}
