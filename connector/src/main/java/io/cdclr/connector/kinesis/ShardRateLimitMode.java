package io.cdclr.connector.kinesis;

import java.util.Locale;

/** kinesis.shard.rate.limit: whether the writer paces each shard with token buckets. */
public enum ShardRateLimitMode {
    /**
     * Buckets for a stream that says it is provisioned, none for an on-demand one, and none when the mode is not
     * reported or cannot be read: AWS always reports it, so an unknown mode is an emulator (no shard limits to keep
     * to; pacing would only slow it down) or a DescribeStreamSummary the role may not call (the writer then reacts to
     * throttling as it always did).
     */
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
            case AUTO -> Boolean.FALSE.equals(onDemand);
        };
    }
}
