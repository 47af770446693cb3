package io.cdclr.connector.kinesis;

import java.util.Locale;

/** kinesis.put.records.path: how a PutRecords call is made. */
public enum PutRecordsPath {
    /** {@link DirectPutRecords}: the project's own marshalling on the SDK's signer, credentials and HTTP client. */
    DIRECT,
    /** The SDK client's whole request pipeline, as before the direct path existed. */
    SDK;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PutRecordsPath fromConfigValue(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
}
