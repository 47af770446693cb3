package io.cdclr.connector.kinesis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds one Kinesis record in the KPL aggregated-record format, which the KCL, the AWS Lambda deaggregation modules
 * and the aws-kinesis-agg libraries unpack into the user records it holds, each with its own partition key:
 *
 * <pre>
 *   0xF3 0x89 0x9A 0xC2                      magic
 *   AggregatedRecord (protobuf)              repeated string partition_key_table = 1;
 *                                            repeated string explicit_hash_key_table = 2;   (never written)
 *                                            repeated Record records = 3;
 *       Record                               uint64 partition_key_index = 1; bytes data = 3;
 *   MD5(protobuf bytes)                      16 bytes
 * </pre>
 *
 * <p>The protobuf is written by hand: the format needs two wire types (varint and length-delimited) and four field
 * tags, about forty lines, and the writer knows every size before it writes a byte (it must, to keep an aggregate
 * under the record limit), so it encodes into one exactly sized array. protobuf-java would add a runtime dependency to
 * the connector plugin (which runs inside Kafka Connect workers that may carry another protobuf version) for what a
 * test with the KCL's own protobuf-based deaggregator checks just as well.
 *
 * <p>Not thread-safe; one instance builds one aggregate.
 */
final class AggregatedRecordEncoder {
    static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};
    private static final int MD5_BYTES = 16;
    private static final int PARTITION_KEY_TABLE = 1;
    private static final int RECORDS = 3;
    private static final int RECORD_PARTITION_KEY_INDEX = 1;
    private static final int RECORD_DATA = 3;
    private static final int WIRE_VARINT = 0;
    private static final int WIRE_LENGTH_DELIMITED = 2;

    private final Map<String, Integer> partitionKeyIndex = new LinkedHashMap<>();
    private final List<byte[]> partitionKeys = new ArrayList<>();
    private final List<byte[]> data = new ArrayList<>();
    private final List<Integer> keyIndexOfRecord = new ArrayList<>();
    private String firstPartitionKey;
    private long firstPartitionKeyBytes;
    private long protobufBytes;

    /** User records added so far. */
    int count() {
        return data.size();
    }

    /** The partition key the aggregate is written under: its first user record's (so it lands on that record's shard). */
    String partitionKey() {
        return firstPartitionKey;
    }

    /**
     * What Kinesis would count for the aggregate (its data plus its partition key, against the record and call limits)
     * with this user record added.
     */
    long sizeWith(String partitionKey, byte[] recordData) {
        long grown = protobufBytes + recordFieldBytes(partitionKey, recordData.length);
        byte[] key = partitionKeyIndex.containsKey(partitionKey) ? null : partitionKey.getBytes(StandardCharsets.UTF_8);
        if (key != null) {
            grown += fieldBytes(key.length);
        }
        long keyBytes = firstPartitionKey == null ? key.length : firstPartitionKeyBytes;
        return MAGIC.length + grown + MD5_BYTES + keyBytes;
    }

    /** The aggregate's size as Kinesis counts it (data plus partition key); 0 while empty. */
    long size() {
        return firstPartitionKey == null ? 0 : MAGIC.length + protobufBytes + MD5_BYTES + firstPartitionKeyBytes;
    }

    void add(String partitionKey, byte[] recordData) {
        protobufBytes += recordFieldBytes(partitionKey, recordData.length);
        Integer index = partitionKeyIndex.get(partitionKey);
        if (index == null) {
            byte[] key = partitionKey.getBytes(StandardCharsets.UTF_8);
            index = partitionKeys.size();
            partitionKeyIndex.put(partitionKey, index);
            partitionKeys.add(key);
            protobufBytes += fieldBytes(key.length);
            if (firstPartitionKey == null) {
                firstPartitionKey = partitionKey;
                firstPartitionKeyBytes = key.length;
            }
        }
        keyIndexOfRecord.add(index);
        data.add(recordData);
    }

    /** The aggregate's data: magic, protobuf, MD5 of the protobuf. */
    byte[] encode() {
        if (protobufBytes > Integer.MAX_VALUE - MAGIC.length - MD5_BYTES) {
            throw new IllegalStateException("aggregate of " + protobufBytes + " bytes");
        }
        byte[] out = new byte[MAGIC.length + (int) protobufBytes + MD5_BYTES];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        int at = MAGIC.length;
        for (byte[] key : partitionKeys) {
            at = writeTag(out, at, PARTITION_KEY_TABLE, WIRE_LENGTH_DELIMITED);
            at = writeBytes(out, at, key);
        }
        for (int i = 0; i < data.size(); i++) {
            int index = keyIndexOfRecord.get(i);
            byte[] recordData = data.get(i);
            at = writeTag(out, at, RECORDS, WIRE_LENGTH_DELIMITED);
            at = writeVarint(out, at, recordBytes(index, recordData.length));
            at = writeTag(out, at, RECORD_PARTITION_KEY_INDEX, WIRE_VARINT);
            at = writeVarint(out, at, index);
            at = writeTag(out, at, RECORD_DATA, WIRE_LENGTH_DELIMITED);
            at = writeBytes(out, at, recordData);
        }
        if (at != MAGIC.length + protobufBytes) {
            throw new IllegalStateException("aggregate encoded to " + (at - MAGIC.length) + " bytes, sized " + protobufBytes);
        }
        MessageDigest md5 = md5();
        md5.update(out, MAGIC.length, (int) protobufBytes);
        byte[] digest = md5.digest();
        System.arraycopy(digest, 0, out, at, MD5_BYTES);
        return out;
    }

    /** Bytes of the Record field (tag, length, body) for a user record, its key index as it will be. */
    private long recordFieldBytes(String partitionKey, int dataLength) {
        Integer index = partitionKeyIndex.get(partitionKey);
        long body = recordBytes(index == null ? partitionKeys.size() : index, dataLength);
        return 1 + varintSize(body) + body;
    }

    /** Bytes of the Record message body: key index and data fields. */
    private static long recordBytes(long keyIndex, int dataLength) {
        return 1 + varintSize(keyIndex) + fieldBytes(dataLength);
    }

    /** Bytes of a length-delimited field with a one-byte tag. */
    private static long fieldBytes(long length) {
        return 1 + varintSize(length) + length;
    }

    static int varintSize(long value) {
        int size = 1;
        while ((value & ~0x7FL) != 0) {
            value >>>= 7;
            size++;
        }
        return size;
    }

    private static int writeTag(byte[] out, int at, int field, int wireType) {
        out[at] = (byte) ((field << 3) | wireType); // fields 1 and 3: one byte
        return at + 1;
    }

    private static int writeVarint(byte[] out, int at, long value) {
        while ((value & ~0x7FL) != 0) {
            out[at++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out[at++] = (byte) value;
        return at;
    }

    private static int writeBytes(byte[] out, int at, byte[] bytes) {
        at = writeVarint(out, at, bytes.length);
        System.arraycopy(bytes, 0, out, at, bytes.length);
        return at + bytes.length;
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every Java platform", e);
        }
    }
}
