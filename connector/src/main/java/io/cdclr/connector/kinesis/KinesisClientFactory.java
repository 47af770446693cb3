package io.cdclr.connector.kinesis;

import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/** Builds the Kinesis client the writer uses in production. */
final class KinesisClientFactory {
    private KinesisClientFactory() {
    }

    static KinesisAsyncClient create(KinesisWriterConfig config) {
        var builder = KinesisAsyncClient.builder()
                // No credentialsProvider: the SDK's default chain (environment, system properties, web identity
                // token for IRSA on EKS, profile, container, instance metadata) is what we want.
                .region(Region.of(config.region()))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        // The Kinesis client defaults to HTTP/2, which only SubscribeToShard needs; emulators on
                        // plain http:// do not speak it (no h2c). HTTP/1.1 with one connection per call in flight
                        // serves PutRecords as well.
                        .protocol(Protocol.HTTP1_1)
                        .maxConcurrency(config.maxConcurrentCalls() + 2))
                .overrideConfiguration(o -> o
                        // The writer retries itself, record by record, so it can keep each key's order and
                        // count retries by reason; an SDK retry of a whole call would hide both.
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(config.callTimeout()));
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
