package io.cdclr.runner.testing;

import io.cdclr.testsupport.LocalServices;
import java.net.URI;
import java.sql.Connection;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;

/**
 * The services the runner's integration tests use, from the same environment variables the runner reads
 * ({@code scripts/test.sh} points them at the local PostgreSQL and Kinesis emulator).
 */
public final class TestEnv {
    private TestEnv() {
    }

    public static String env(String name, String fallback) {
        return LocalServices.env(name, fallback);
    }

    /** A short unique suffix for slot, table, schema and stream names, so parallel runs never collide. */
    public static String unique() {
        return LocalServices.unique();
    }

    /** The test database ({@link LocalServices#connect()}: the one way every module's tests connect). */
    public static Connection connect() {
        return LocalServices.connect();
    }

    public static KinesisClient kinesis() {
        KinesisClientBuilder builder = KinesisClient.builder().region(Region.of(env("AWS_REGION", "us-east-1")));
        String endpoint = System.getenv("KINESIS_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder.build();
    }

    /** The runner's environment for these services, without stream and slot (each test picks its own). */
    public static Map<String, String> runnerEnv() {
        Map<String, String> env = new HashMap<>();
        for (String name : new String[] {"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "AWS_REGION",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "CBOR_ENABLED", "KINESIS_ENDPOINT", "PATH", "HOME"}) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.putIfAbsent("PGHOST", "127.0.0.1");
        env.putIfAbsent("PGUSER", "cdc");
        env.putIfAbsent("PGPASSWORD", "cdc");
        env.putIfAbsent("PGDATABASE", "cdc");
        env.putIfAbsent("AWS_REGION", "us-east-1");
        return env;
    }
}
