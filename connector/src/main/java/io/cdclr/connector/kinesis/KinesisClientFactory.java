package io.cdclr.connector.kinesis;

import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/** Builds the Kinesis client the writer uses in production. */
final class KinesisClientFactory {
    private KinesisClientFactory() {
    }

    static KinesisAsyncClient create(KinesisWriterConfig config) {
        // HTTP/1.1, one pooled connection per call in flight (and two spare).
        // No "Expect: 100-continue" (the Apache client's default): it made every PutRecords a second round trip,
        // headers first and the body only after the server's interim answer, for bodies the service always reads.
        SdkHttpClient http = ApacheHttpClient.builder().maxConnections(config.maxConcurrentCalls() + 2)
                .expectContinueEnabled(false).build();
        EndpointCapture endpoints = new EndpointCapture();
        var builder = KinesisClient.builder()
                // No credentialsProvider: the SDK's default chain (environment, system properties, web identity
                // token for IRSA on EKS, profile, container, instance metadata) is what we want.
                .region(Region.of(config.region()))
                .httpClient(http)
                .overrideConfiguration(o -> o
                        .addExecutionInterceptor(endpoints)
                        // The writer retries itself, record by record, so it can keep each key's order and
                        // count retries by reason; an SDK retry of a whole call would hide both.
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(config.callTimeout()));
        config.endpoint().ifPresent(builder::endpointOverride);
        return new BlockingKinesisClientAdapter(builder.build(), http, endpoints, config,
                config.putRecordsPath() == PutRecordsPath.DIRECT);
    }
}
