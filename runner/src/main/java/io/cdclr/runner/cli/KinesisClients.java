package io.cdclr.runner.cli;

import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;

/** A synchronous Kinesis client for the operator commands (preflight, tail), configured like the writer. */
final class KinesisClients {
    private KinesisClients() {
    }

    static KinesisClient sync(Map<String, String> values) {
        KinesisClientBuilder builder = KinesisClient.builder().region(Region.of(values.get("kinesis.region")));
        String endpoint = values.get("kinesis.endpoint");
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder.build();
    }
}
