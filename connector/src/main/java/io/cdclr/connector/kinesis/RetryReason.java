package io.cdclr.connector.kinesis;

/** Why a record had to be sent again; the metrics count retries by these. */
public enum RetryReason {
    /** ProvisionedThroughputExceededException (per record or for the whole call), LimitExceededException, or an SDK throttling error. */
    THROTTLED,
    /** KMSThrottlingException: the stream's encryption key is being called too often. */
    KMS_THROTTLED,
    /** InternalFailure for a record, or an HTTP 5xx for the whole call. */
    SERVER_ERROR,
    /** The call did not complete within kinesis.call.timeout.ms; Kinesis may or may not have written it. */
    TIMEOUT,
    /** The connection failed or the response could not be read. */
    NETWORK,
    /** Anything else that is worth another attempt (clock skew, an error code this writer does not know). */
    OTHER
}
