package io.cdclr.runner.cli;

import io.cdclr.connector.kinesis.KinesisWriterConfig;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;

/** A synchronous Kinesis client for the operator commands (preflight, tail), configured like the writer. */
final class KinesisClients {
    private KinesisClients() {
    }

    static KinesisClient sync(KinesisWriterConfig writer) {
        KinesisClientBuilder builder = KinesisClient.builder().region(Region.of(writer.region()));
        writer.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
