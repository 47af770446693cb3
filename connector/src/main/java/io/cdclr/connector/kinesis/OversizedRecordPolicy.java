package io.cdclr.connector.kinesis;

import java.util.Locale;

/** What to do with a change that is larger than a Kinesis record may be. Never silent either way. */
public enum OversizedRecordPolicy {
    /** Stop the writer with an error naming the change and its size (the default: no change is lost unnoticed). */
    FAIL,
    /** Log the same error as a warning, count it in the metrics, and acknowledge the change without writing it. */
    SKIP;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    static OversizedRecordPolicy fromConfigValue(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
}
