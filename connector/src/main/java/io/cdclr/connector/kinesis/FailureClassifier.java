package io.cdclr.connector.kinesis;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;

/**
 * Sorts what went wrong with a PutRecords call, or with one record in it, into "try again later"
 * (with the reason, for the metrics) or "permanent" (the writer must stop).
 */
final class FailureClassifier {

    /** A retryable failure has a reason; a permanent one has none. */
    record Outcome(RetryReason retryReason, String description) {
        boolean permanent() {
            return retryReason == null;
        }
    }

    private FailureClassifier() {
    }

    /** One record of a call came back with an error code (the call as a whole succeeded). */
    static Outcome ofRecordError(String errorCode, String errorMessage) {
        String description = errorCode + ": " + errorMessage;
        if ("ProvisionedThroughputExceededException".equals(errorCode)) {
            return new Outcome(RetryReason.THROTTLED, description);
        }
        if ("KMSThrottlingException".equals(errorCode)) {
            return new Outcome(RetryReason.KMS_THROTTLED, description);
        }
        if ("InternalFailure".equals(errorCode) || "ServiceUnavailable".equals(errorCode)) {
            return new Outcome(RetryReason.SERVER_ERROR, description);
        }
        if (errorCode != null && errorCode.startsWith("KMS")) {
            // KMSDisabledException, KMSAccessDeniedException, KMSNotFoundException, ...: the key needs a human.
            return new Outcome(null, description + " (check the stream's KMS key and the writer's permission to use it)");
        }
        return new Outcome(RetryReason.OTHER, description);
    }

    /** The whole call failed. */
    static Outcome ofCallFailure(Throwable failure) {
        Throwable cause = unwrap(failure);
        String description = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        if (cause instanceof ProvisionedThroughputExceededException || cause instanceof LimitExceededException) {
            return new Outcome(RetryReason.THROTTLED, description);
        }
        if (cause instanceof KmsThrottlingException) {
            return new Outcome(RetryReason.KMS_THROTTLED, description);
        }
        if (cause instanceof AwsServiceException service) {
            if (service.isThrottlingException()) {
                return new Outcome(RetryReason.THROTTLED, description);
            }
            if (service.statusCode() >= 500) {
                return new Outcome(RetryReason.SERVER_ERROR, description);
            }
            if (service.isClockSkewException()) {
                return new Outcome(RetryReason.OTHER, description);
            }
            // Stream not found, access denied, validation, invalid argument: retrying cannot help.
            return new Outcome(null, description + hintFor(service));
        }
        if (cause instanceof ApiCallTimeoutException || cause instanceof ApiCallAttemptTimeoutException
                || cause instanceof TimeoutException) {
            return new Outcome(RetryReason.TIMEOUT, description);
        }
        if (cause instanceof SdkClientException || cause instanceof IOException) {
            return new Outcome(RetryReason.NETWORK, description);
        }
        return new Outcome(null, description);
    }

    private static String hintFor(AwsServiceException service) {
        String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
        if ("ResourceNotFoundException".equals(code)) {
            return " (check kinesis.stream and kinesis.region)";
        }
        if ("AccessDeniedException".equals(code) || service.statusCode() == 403) {
            return " (the writer's credentials need kinesis:PutRecords on the stream)";
        }
        return "";
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
