package io.cdclr.connector.kinesis;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.services.kinesis.model.AccessDeniedException;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/**
 * PutRecords without the SDK's per-call request pipeline: the body written by {@link PutRecordsJson}, signed with the
 * SDK's SigV4 signer and the client's own credentials provider, sent on the client's own HTTP client to the endpoint
 * the SDK resolved, the answer read back into the SDK's model (a failed call as the SDK's exception types, so the
 * writer classifies it the same way).
 *
 * <p>Why: at a steady 2,000 changes/s the SDK's pipeline (interceptors, execution attributes, endpoint rules, generic
 * marshalling of every member of every record) cost about 1.3 ms of CPU per call and 10 µs per record, the largest item
 * of the runner's CPU (docs/benchmarks.md, "Steady state"). Everything that needs a library still uses the SDK:
 * credentials (the default chain, IRSA), signing, endpoint resolution, HTTP connections.
 *
 * <p>Kept from the SDK pipeline: the call timeout ({@code kinesis.call.timeout.ms}: the request is aborted, by
 * {@link CallDeadlines}' sweep, and fails with {@link ApiCallTimeoutException}); clock skew correction (a refused
 * request whose Date is minutes from ours moves the signing clock to the server's time). Not kept: SDK retries (the
 * writer retries record by record anyway), metrics publishers and execution interceptors (the project configures
 * none on this client).
 */
final class DirectPutRecords {
    private static final Logger LOG = LoggerFactory.getLogger(DirectPutRecords.class);
    private static final String TARGET = "Kinesis_20131202.PutRecords";
    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    private static final String SERVICE_NAME = "Kinesis";
    static final Duration CLOCK_SKEW_TOLERANCE = Duration.ofMinutes(4);

    private final SdkHttpClient http;
    private final URI endpoint;
    private final String region;
    private final IdentityProvider<? extends AwsCredentialsIdentity> credentials;
    private final Duration callTimeout;
    private final CallDeadlines deadlines;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    /** The system clock, moved by the skew a clock-skew error revealed. */
    private volatile Clock signingClock = Clock.systemUTC();

    DirectPutRecords(SdkHttpClient http, URI endpoint, String region,
                     IdentityProvider<? extends AwsCredentialsIdentity> credentials, Duration callTimeout,
                     ScheduledExecutorService timer) {
        this.http = http;
        this.endpoint = endpoint;
        this.region = region;
        this.credentials = credentials;
        this.callTimeout = callTimeout;
        this.deadlines = new CallDeadlines(callTimeout, timer, System::nanoTime);
    }

    URI endpoint() {
        return endpoint;
    }

    /**
     * One blocking call.
     *
     * @throws AwsServiceException as the SDK would throw it, for an error answer
     * @throws ApiCallTimeoutException when the call took longer than the call timeout
     * @throws SdkClientException for a failure to reach the service or read its answer
     */
    PutRecordsResponse putRecords(PutRecordsRequest request) {
        byte[] body = PutRecordsJson.request(request);
        AwsCredentialsIdentity identity = credentials.resolveIdentity().join();
        SdkHttpFullRequest unsigned = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint)
                .putHeader("Content-Type", CONTENT_TYPE)
                .putHeader("X-Amz-Target", TARGET)
                .putHeader("Content-Length", Integer.toString(body.length))
                .build();
        ContentStreamProvider payload = ContentStreamProvider.fromByteArrayUnsafe(body);
        SignedRequest signed = signer.sign(r -> r.identity(identity)
                .request(unsigned)
                .payload(payload)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "kinesis")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, signingClock));
        ExecutableHttpRequest call = http.prepareRequest(HttpExecuteRequest.builder()
                .request(signed.request())
                .contentStreamProvider(signed.payload().orElse(payload))
                .build());
        try (CallDeadlines.Deadline deadline = deadlines.start(call::abort)) {
            return execute(call, deadline);
        }
    }

    private PutRecordsResponse execute(ExecutableHttpRequest call, CallDeadlines.Deadline deadline) {
        try {
            HttpExecuteResponse response = call.call();
            byte[] answer = readBody(response);
            SdkHttpResponse head = response.httpResponse();
            if (head.isSuccessful()) {
                return PutRecordsJson.response(answer);
            }
            throw serviceException(head, answer);
        } catch (IOException | RuntimeException e) {
            if (deadline.passed()) {
                throw ApiCallTimeoutException.builder()
                        .message("PutRecords did not complete within kinesis.call.timeout.ms (" + callTimeout.toMillis()
                                + " ms)")
                        .cause(e)
                        .build();
            }
            if (e instanceof AwsServiceException service) {
                throw service;
            }
            throw SdkClientException.builder().message("Unable to execute HTTP request: " + e.getMessage()).cause(e)
                    .build();
        }
    }

    private static byte[] readBody(HttpExecuteResponse response) throws IOException {
        if (response.responseBody().isEmpty()) {
            return new byte[0];
        }
        try (InputStream in = response.responseBody().get()) {
            return in.readAllBytes();
        }
    }

    /** The error answer as the SDK's exception of its code, so that the writer's classifier reads it alike. */
    private AwsServiceException serviceException(SdkHttpResponse head, byte[] body) {
        PutRecordsJson.Error error = PutRecordsJson.error(body);
        String code = error.code() != null ? error.code()
                : PutRecordsJson.errorCode(head.firstMatchingHeader("x-amzn-ErrorType").orElse(null));
        String message = error.message() != null ? error.message()
                : "HTTP " + head.statusCode() + (head.statusText().isPresent() ? " " + head.statusText().get() : "");
        AwsServiceException.Builder builder = builderFor(code);
        builder.awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode(code)
                        .errorMessage(message)
                        .serviceName(SERVICE_NAME)
                        .sdkHttpResponse(head)
                        .build())
                .statusCode(head.statusCode())
                .requestId(head.firstMatchingHeader("x-amzn-RequestId").orElse(null));
        if (head.statusCode() >= 400 && head.statusCode() < 500) {
            adjustClockIfSkewed(head);
        }
        return builder.build();
    }

    private static AwsServiceException.Builder builderFor(String code) {
        if (code == null) {
            return KinesisException.builder();
        }
        return switch (code) {
            case "ProvisionedThroughputExceededException" -> ProvisionedThroughputExceededException.builder();
            case "LimitExceededException" -> LimitExceededException.builder();
            case "KMSThrottlingException" -> KmsThrottlingException.builder();
            case "ResourceNotFoundException" -> ResourceNotFoundException.builder();
            case "AccessDeniedException" -> AccessDeniedException.builder();
            case "InvalidArgumentException" -> InvalidArgumentException.builder();
            default -> KinesisException.builder();
        };
    }

    /**
     * A request refused (whatever the code: Kinesis says "InvalidSignatureException: Signature expired") by a server whose
     * Date is more than {@link #CLOCK_SKEW_TOLERANCE} (SigV4 accepts 5 minutes) from ours: signs from now on with the
     * server's time, as the SDK does, so the writer's retries can succeed.
     */
    private void adjustClockIfSkewed(SdkHttpResponse head) {
        String date = head.firstMatchingHeader("Date").orElse(null);
        if (date == null) {
            return;
        }
        try {
            Instant server = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration skew = Duration.between(signingClock.instant(), server);
            if (skew.abs().compareTo(CLOCK_SKEW_TOLERANCE) <= 0) {
                return;
            }
            signingClock = Clock.offset(signingClock, skew);
            LOG.warn("Kinesis reports this host's clock off by {} ms (server Date: {}); signing with the server's time",
                    skew.toMillis(), date);
        } catch (DateTimeParseException e) {
            LOG.debug("Unreadable Date header on a clock skew error: {}", date);
        }
    }
}
