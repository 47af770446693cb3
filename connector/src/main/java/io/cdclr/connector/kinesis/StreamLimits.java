package io.cdclr.connector.kinesis;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;
import software.amazon.awssdk.services.kinesis.model.StreamMode;

/**
 * What the writer reads about its stream at start (DescribeStreamSummary): the largest record the stream accepts
 * ({@code MaxRecordSizeInKiB}: 1 MiB by default, raisable to 10 MiB since 2025) and whether it is on-demand. Fields a
 * stream or an emulator does not report fall back to the safe side: 1 MiB records, stream mode unknown.
 *
 * @param maxRecordBytes the most bytes (data plus partition key) one record may have
 * @param onDemand       true for ON_DEMAND, false for PROVISIONED, null when not reported or not readable
 * @param source         how the values were found, for the start-up log line
 */
record StreamLimits(long maxRecordBytes, Boolean onDemand, String source) {
    /** Kinesis's PutRecords limit once a stream takes records over 1 MiB: 10 MiB per call. */
    static final long MAX_BYTES_PER_CALL_LARGE_RECORDS = 10L * 1024 * 1024;

    /** What the writer assumes when it cannot ask: 1 MiB records, stream mode unknown. */
    static StreamLimits defaults(String why) {
        return new StreamLimits(KinesisLimits.MAX_BYTES_PER_RECORD, null, why);
    }

    /** The limits a DescribeStreamSummary answer gives. */
    static StreamLimits of(StreamDescriptionSummary summary) {
        Integer kib = summary.maxRecordSizeInKiB();
        long maxRecordBytes = kib == null || kib <= 0 ? KinesisLimits.MAX_BYTES_PER_RECORD : kib * 1024L;
        Boolean onDemand = summary.streamModeDetails() == null || summary.streamModeDetails().streamMode() == null
                || summary.streamModeDetails().streamMode() == StreamMode.UNKNOWN_TO_SDK_VERSION ? null
                : summary.streamModeDetails().streamMode() == StreamMode.ON_DEMAND;
        return new StreamLimits(maxRecordBytes, onDemand, "DescribeStreamSummary: "
                + (kib == null ? "no MaxRecordSizeInKiB (1 MiB assumed)" : "MaxRecordSizeInKiB " + kib)
                + ", stream mode " + (onDemand == null ? "not reported" : onDemand ? "ON_DEMAND" : "PROVISIONED"));
    }

    /**
     * Asks Kinesis; on any failure (no permission, an emulator or a test client without the call, a network error)
     * the defaults, with the reason: the writer then enforces 1 MiB and PutRecords reports what is really wrong.
     */
    static StreamLimits read(KinesisAsyncClient client, String stream, Duration timeout) {
        try {
            StreamDescriptionSummary summary = client.describeStreamSummary(b -> b.streamName(stream))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).streamDescriptionSummary();
            return of(summary);
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = FailureClassifier.unwrap(e);
            return defaults("DescribeStreamSummary failed (" + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                    + "); assuming 1 MiB records and an unknown stream mode");
        } catch (TimeoutException e) {
            return defaults("DescribeStreamSummary took longer than " + timeout.toMillis()
                    + " ms; assuming 1 MiB records and an unknown stream mode");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return defaults("interrupted while reading DescribeStreamSummary");
        }
    }

    /** Whether this read failed (the writer then says so at WARN). */
    boolean isFallback() {
        return !source.startsWith("DescribeStreamSummary:");
    }

    /** The most bytes one PutRecords call may carry: 5 MiB as always, 10 MiB for a stream that takes larger records. */
    long maxBytesPerCall() {
        return maxRecordBytes > KinesisLimits.MAX_BYTES_PER_RECORD ? MAX_BYTES_PER_CALL_LARGE_RECORDS
                : KinesisLimits.MAX_BYTES_PER_CALL;
    }
}
