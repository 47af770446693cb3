package io.cdclr.connector.kinesis;

/**
 * Told once per submitted record how it ended. Callbacks of one partition key run in submission order,
 * on the writer's single callback thread, so they should be quick and must not block for long.
 */
@FunctionalInterface
public interface WriteCallback {
    /**
     * @param failure {@code null} when Kinesis acknowledged the record (or the record was skipped under
     *                {@code kinesis.oversized.record.policy=skip}); otherwise why it was not written
     */
    void onComplete(Throwable failure);
}
