package io.cdclr.connector.kinesis;

import java.nio.charset.StandardCharsets;

/**
 * The hard limits of Kinesis Data Streams that batching must respect. Sizes count what Kinesis counts
 * against them: the data blob plus the UTF-8 bytes of the partition key.
 */
public final class KinesisLimits {
    /** At most this many records in one PutRecords call. */
    public static final int MAX_RECORDS_PER_CALL = 500;
    /** At most this many bytes (data plus partition keys) in one PutRecords call: 5 MiB. */
    public static final long MAX_BYTES_PER_CALL = 5L * 1024 * 1024;
    /** At most this many bytes (data plus partition key) in one record: 1 MiB. */
    public static final long MAX_BYTES_PER_RECORD = 1024L * 1024;
    /** A partition key is 1 to 256 Unicode characters. */
    public static final int MAX_PARTITION_KEY_CHARS = 256;

    private KinesisLimits() {
    }

    /** The size Kinesis counts for a record against its per-record and per-call limits. */
    public static long recordSize(String partitionKey, byte[] data) {
        return (long) data.length + partitionKey.getBytes(StandardCharsets.UTF_8).length;
    }
}
