package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.model.AccessDeniedException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.ValidationException;

class FailureClassifierTest {

    @Test
    void recordErrorsThatPassAreRetriedByReason() {
        assertEquals(RetryReason.THROTTLED, FailureClassifier.ofRecordError("ProvisionedThroughputExceededException", "Rate exceeded").retryReason());
        assertEquals(RetryReason.KMS_THROTTLED, FailureClassifier.ofRecordError("KMSThrottlingException", "slow down").retryReason());
        assertEquals(RetryReason.SERVER_ERROR, FailureClassifier.ofRecordError("InternalFailure", "oops").retryReason());
    }

    @Test
    void kmsKeyProblemsArePermanent() {
        var outcome = FailureClassifier.ofRecordError("KMSAccessDeniedException", "no access to key");
        assertTrue(outcome.permanent());
        assertTrue(outcome.description().contains("KMSAccessDeniedException"));
    }

    @Test
    void throttlingServerErrorsTimeoutsAndNetworkFailuresOfACallAreRetried() {
        assertEquals(RetryReason.THROTTLED, FailureClassifier.ofCallFailure(
                new CompletionException(ProvisionedThroughputExceededException.builder().statusCode(400).message("x").build())).retryReason());
        assertEquals(RetryReason.KMS_THROTTLED, FailureClassifier.ofCallFailure(
                KmsThrottlingException.builder().statusCode(400).message("x").build()).retryReason());
        assertEquals(RetryReason.SERVER_ERROR, FailureClassifier.ofCallFailure(
                KinesisException.builder().statusCode(502).message("bad gateway").build()).retryReason());
        assertEquals(RetryReason.TIMEOUT, FailureClassifier.ofCallFailure(ApiCallTimeoutException.create(1000)).retryReason());
        assertEquals(RetryReason.NETWORK, FailureClassifier.ofCallFailure(
                SdkClientException.create("Unable to execute HTTP request: Connection refused")).retryReason());
    }

    @Test
    void accessDeniedAndValidationErrorsArePermanentWithAHint() {
        var denied = FailureClassifier.ofCallFailure(AccessDeniedException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDeniedException").build()).message("denied").build());
        assertTrue(denied.permanent());
        assertTrue(denied.description().contains("kinesis:PutRecords"), denied.description());
        assertTrue(FailureClassifier.ofCallFailure(ValidationException.builder().statusCode(400).message("bad").build()).permanent());
    }
}
