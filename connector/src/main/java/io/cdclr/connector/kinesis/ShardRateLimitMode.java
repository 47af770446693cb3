package io.cdclr.connector.kinesis;

import java.util.Locale;

/** kinesis.shard.rate.limit: whether the writer paces each shard with token buckets. */
public enum ShardRateLimitMode {
    /** Buckets for a provisioned stream (and when the stream mode is unknown), none for an on-demand one. */
    AUTO,
    ON,
    OFF;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ShardRateLimitMode fromConfigValue(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    /** Whether buckets apply to a stream of this mode; {@code onDemand} null when the mode could not be read. */
    public boolean appliesTo(Boolean onDemand) {
        return switch (this) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> !Boolean.TRUE.equals(onDemand);
        };
    }
}
