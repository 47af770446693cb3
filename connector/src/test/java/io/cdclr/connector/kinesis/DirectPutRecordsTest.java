package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/**
 * The direct PutRecords path against a local HTTP server that records what arrives and answers as told: the request is
 * the one the SDK sends (body, target, content type), its signature is valid for what went over the wire, and every
 * kind of answer comes back as the SDK would have given it. Kinesis itself (kinesalite) is exercised by the writer's
 * ITs, which take this path by default.
 */
class DirectPutRecordsTest {
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private record Received(String method, Map<String, String> headers, byte[] body) {
    }

    private HttpServer server;
    private final List<Received> received = new ArrayList<>();
    private volatile Consumer<HttpExchange> answer;
    private SdkHttpClient http;
    private ScheduledExecutorService timer;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
            byte[] body = exchange.getRequestBody().readAllBytes();
            synchronized (received) {
                received.add(new Received(exchange.getRequestMethod(), headers, body));
            }
            answer.accept(exchange);
        });
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        http = ApacheHttpClient.builder().expectContinueEnabled(false).build();
        timer = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        http.close();
        timer.shutdownNow();
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private DirectPutRecords direct(Duration timeout) {
        return new DirectPutRecords(http, endpoint(), "eu-west-1", CREDENTIALS, timeout, timer);
    }

    private static PutRecordsRequest request() {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        return PutRecordsRequest.builder().streamName("orders-stream").records(
                PutRecordsRequestEntry.builder().partitionKey("{\"id\":1}").data(SdkBytes.fromUtf8String("{\"action\":\"I\",\"note\":\"é €\"}")).build(),
                PutRecordsRequestEntry.builder().partitionKey("clé-ü").data(SdkBytes.fromByteArray(everyByte)).build(),
                PutRecordsRequestEntry.builder().partitionKey("k").explicitHashKey("170141183460469231731687303715884105728")
                        .data(SdkBytes.fromByteArray(new byte[0])).build()).build();
    }

    private static void reply(HttpExchange exchange, int status, String body, String... headers) {
        try {
            for (int i = 0; i < headers.length; i += 2) {
                exchange.getResponseHeaders().set(headers[i], headers[i + 1]);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static final String OK_ANSWER = "{\"FailedRecordCount\":1,\"Records\":["
            + "{\"SequenceNumber\":\"4960\",\"ShardId\":\"shardId-000000000001\"},"
            + "{\"ErrorCode\":\"ProvisionedThroughputExceededException\",\"ErrorMessage\":\"Rate exceeded for shard\"},"
            + "{\"SequenceNumber\":\"4961\",\"ShardId\":\"shardId-000000000003\",\"Unknown\":{\"x\":[1]}}],"
            + "\"EncryptionType\":\"NONE\"}";

    @Test
    void sendsWhatTheSdkSendsAndReadsTheAnswerAsTheSdkDoes() throws Exception {
        answer = exchange -> reply(exchange, 200, OK_ANSWER, "Content-Type", "application/x-amz-json-1.1");
        PutRecordsResponse viaDirect = direct(Duration.ofSeconds(10)).putRecords(request());
        PutRecordsResponse viaSdk;
        // The SDK speaks CBOR to Kinesis unless told otherwise; the direct path speaks the JSON protocol, which Kinesis
        // also serves (and kinesalite only). Compared in JSON.
        String cbor = System.setProperty("aws.cborEnabled", "false");
        try (KinesisClient sdk = KinesisClient.builder().region(Region.EU_WEST_1).credentialsProvider(CREDENTIALS)
                .endpointOverride(endpoint()).httpClient(ApacheHttpClient.builder().build())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
            viaSdk = sdk.putRecords(request());
        } finally {
            if (cbor == null) {
                System.clearProperty("aws.cborEnabled");
            } else {
                System.setProperty("aws.cborEnabled", cbor);
            }
        }
        assertEquals(viaSdk.records(), viaDirect.records());
        assertEquals(viaSdk.failedRecordCount(), viaDirect.failedRecordCount());
        assertEquals(viaSdk.encryptionTypeAsString(), viaDirect.encryptionTypeAsString());

        Received direct = received.get(0);
        Received sdk = received.get(1);
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(sdk.body()), json.readTree(direct.body()), "the same JSON body");
        assertEquals("POST", direct.method());
        for (String header : List.of("X-Amz-Target", "Content-Type")) {
            assertEquals(sdk.headers().get(header), direct.headers().get(header), header);
        }
        assertEquals(String.valueOf(direct.body().length), direct.headers().get("Content-Length"));
    }

    /** The Authorization header is the SDK signer's for exactly the method, headers and body the server received. */
    @Test
    void signatureCoversWhatWentOverTheWire() {
        answer = exchange -> reply(exchange, 200, OK_ANSWER);
        direct(Duration.ofSeconds(10)).putRecords(request());
        Received got = received.get(0);
        String authorization = got.headers().get("Authorization");
        assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), authorization);
        assertTrue(authorization.contains("/eu-west-1/kinesis/aws4_request"), authorization);
        String signedHeaders = authorization.replaceAll(".*SignedHeaders=([^,]+),.*", "$1");
        SdkHttpFullRequest.Builder again = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(endpoint());
        for (String name : signedHeaders.split(";")) {
            if (!name.equals("host")) {
                again.putHeader(name, got.headers().get(name));
            }
        }
        Instant signedAt = Instant.from(AMZ_DATE.parse(got.headers().get("X-Amz-Date")));
        String expected = AwsV4HttpSigner.create().sign(r -> r.identity(CREDENTIALS.resolveCredentials())
                        .request(again.build())
                        .payload(ContentStreamProvider.fromByteArray(got.body()))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "kinesis")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1")
                        .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElseThrow();
        assertEquals(expected, authorization);
        assertTrue(signedHeaders.contains("x-amz-target") && signedHeaders.contains("host"), signedHeaders);
    }

    @Test
    void errorAnswersBecomeTheSdksExceptions() {
        DirectPutRecords direct = direct(Duration.ofSeconds(10));
        answer = exchange -> reply(exchange, 400, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream orders-stream"
                + " under account 123 not found.\"}", "x-amzn-RequestId", "req-1");
        ResourceNotFoundException notFound = assertThrows(ResourceNotFoundException.class, () -> direct.putRecords(request()));
        assertEquals(400, notFound.statusCode());
        assertEquals("ResourceNotFoundException", notFound.awsErrorDetails().errorCode());
        assertEquals("req-1", notFound.requestId());
        assertTrue(notFound.getMessage().contains("not found"), notFound.getMessage());
        assertTrue(FailureClassifier.ofCallFailure(notFound).permanent());
        assertTrue(FailureClassifier.ofCallFailure(notFound).description().contains("check kinesis.stream"));

        answer = exchange -> reply(exchange, 400, "{\"__type\":\"com.amazonaws.kinesis.v20131202#ProvisionedThroughputExceededException\","
                + "\"message\":\"Rate exceeded\"}");
        ProvisionedThroughputExceededException throttled = assertThrows(ProvisionedThroughputExceededException.class,
                () -> direct.putRecords(request()));
        assertEquals(RetryReason.THROTTLED, FailureClassifier.ofCallFailure(throttled).retryReason());

        answer = exchange -> reply(exchange, 502, "<html>Bad Gateway</html>", "Content-Type", "text/html");
        KinesisException gateway = assertThrows(KinesisException.class, () -> direct.putRecords(request()));
        assertEquals(502, gateway.statusCode());
        assertNull(gateway.awsErrorDetails().errorCode());
        assertEquals(RetryReason.SERVER_ERROR, FailureClassifier.ofCallFailure(gateway).retryReason());
    }

    @Test
    void aCallPastTheTimeoutIsAbortedAsTheSdksTimeout() {
        answer = exchange -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reply(exchange, 200, OK_ANSWER);
        };
        ApiCallTimeoutException timeout = assertThrows(ApiCallTimeoutException.class,
                () -> direct(Duration.ofMillis(300)).putRecords(request()));
        assertEquals(RetryReason.TIMEOUT, FailureClassifier.ofCallFailure(timeout).retryReason());
    }

    /**
     * The JDK's HttpServer writes its own Date header, so this one server is a socket answering by hand: first a refusal
     * dated an hour ahead, then success.
     */
    @Test
    void aRefusalFromAServerWhoseClockIsFarAheadMovesTheSigningClock() throws Exception {
        Instant serverNow = Instant.now().plus(Duration.ofHours(1));
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(serverNow, ZoneOffset.UTC));
        String refusal = "{\"__type\":\"InvalidSignatureException\",\"message\":\"Signature expired\"}";
        List<String> amzDates = new ArrayList<>();
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread answering = new Thread(() -> {
                for (int call = 0; call < 2; call++) {
                    try (java.net.Socket connection = socket.accept()) {
                        var in = new java.io.BufferedInputStream(connection.getInputStream());
                        int length = 0;
                        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                            String lower = line.toLowerCase(java.util.Locale.ROOT);
                            if (lower.startsWith("content-length:")) {
                                length = Integer.parseInt(line.substring(15).trim());
                            } else if (lower.startsWith("x-amz-date:")) {
                                amzDates.add(line.substring(11).trim());
                            }
                        }
                        in.readNBytes(length);
                        String body = call == 0 ? refusal : OK_ANSWER;
                        String head = (call == 0 ? "HTTP/1.1 400 Bad Request" : "HTTP/1.1 200 OK") + "\r\nDate: " + date
                                + "\r\nContent-Type: application/x-amz-json-1.1\r\nConnection: close\r\nContent-Length: "
                                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n";
                        connection.getOutputStream().write((head + body).getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            answering.start();
            DirectPutRecords direct = new DirectPutRecords(http, URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/"),
                    "eu-west-1", CREDENTIALS, Duration.ofSeconds(10), timer);
            assertThrows(KinesisException.class, () -> direct.putRecords(request()));
            direct.putRecords(request());
            answering.join(10_000);
        }
        Instant first = Instant.from(AMZ_DATE.parse(amzDates.get(0)));
        Instant second = Instant.from(AMZ_DATE.parse(amzDates.get(1)));
        long movedMinutes = Duration.between(first, second).toMinutes();
        assertTrue(movedMinutes >= 59 && movedMinutes <= 61, "signed " + movedMinutes + " min later after the refusal");
    }

    private static String readLine(java.io.InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
