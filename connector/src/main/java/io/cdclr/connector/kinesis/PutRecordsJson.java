package io.cdclr.connector.kinesis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * The PutRecords request and response bodies in Kinesis's JSON protocol (application/x-amz-json-1.1): the request as
 * the service documents it (Data in base64), the response read with Jackson's streaming parser into the SDK's own model
 * classes, so the writer handles either path's answer alike.
 *
 * <p>Why not the SDK's marshallers: they walk a generic field model for every member of every record and were, with
 * the rest of the SDK's per-call pipeline, the largest item of the runner's CPU at a steady load (see
 * {@link DirectPutRecords}).
 */
final class PutRecordsJson {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final byte[] STREAM_NAME = ascii("{\"StreamName\":\"");
    private static final byte[] STREAM_ARN = ascii("{\"StreamARN\":\"");
    private static final byte[] RECORDS = ascii("\",\"Records\":[");
    private static final byte[] DATA = ascii("{\"Data\":\"");
    private static final byte[] PARTITION_KEY = ascii("\",\"PartitionKey\":\"");
    private static final byte[] EXPLICIT_HASH_KEY = ascii("\",\"ExplicitHashKey\":\"");
    private static final byte[] RECORD_END = ascii("\"}");
    private static final byte[] END = ascii("]}");
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private PutRecordsJson() {
    }

    /**
     * {"StreamName":..,"Records":[{"Data":base64,"PartitionKey":..[,"ExplicitHashKey":..]}..]} in UTF-8, written into
     * one array of its exact size: the data in base64 by the JDK's encoder (vectorized), the strings escaped by
     * Jackson's {@link JsonStringEncoder}. Against Jackson's generator (whose base64 goes three bytes at a time),
     * a call of 300 records at 7 calls/s took 3.1 instead of 4.1 ms of CPU (PutRecordsPathBench, docs/benchmarks.md).
     */
    static byte[] request(PutRecordsRequest request) {
        List<PutRecordsRequestEntry> entries = request.records();
        boolean byArn = request.streamName() == null && request.streamARN() != null;
        byte[] stream = quoted(byArn ? request.streamARN() : request.streamName());
        byte[][] keys = new byte[entries.size()][];
        byte[][] hashKeys = new byte[entries.size()][];
        long size = STREAM_NAME.length + stream.length + RECORDS.length + END.length;
        int largest = 0;
        for (int i = 0; i < entries.size(); i++) {
            PutRecordsRequestEntry entry = entries.get(i);
            keys[i] = quoted(entry.partitionKey());
            int dataLength = entry.data().asByteArrayUnsafe().length;
            largest = Math.max(largest, dataLength);
            size += DATA.length + base64Length(dataLength) + PARTITION_KEY.length
                    + keys[i].length + RECORD_END.length + (i > 0 ? 1 : 0);
            if (entry.explicitHashKey() != null) {
                hashKeys[i] = quoted(entry.explicitHashKey());
                size += EXPLICIT_HASH_KEY.length + hashKeys[i].length;
            }
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("PutRecords body of " + size + " bytes");
        }
        byte[] body = new byte[(int) size];
        // The JDK's encoder writes at the start of an array only: each record goes through one scratch array.
        byte[] scratch = new byte[base64Length(largest)];
        int at = put(body, 0, byArn ? STREAM_ARN : STREAM_NAME);
        at = put(body, at, stream);
        at = put(body, at, RECORDS);
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) {
                body[at++] = ',';
            }
            at = put(body, at, DATA);
            byte[] data = entries.get(i).data().asByteArrayUnsafe();
            int encoded = BASE64.encode(data, scratch);
            System.arraycopy(scratch, 0, body, at, encoded);
            at += encoded;
            at = put(body, at, PARTITION_KEY);
            at = put(body, at, keys[i]);
            if (hashKeys[i] != null) {
                at = put(body, at, EXPLICIT_HASH_KEY);
                at = put(body, at, hashKeys[i]);
            }
            at = put(body, at, RECORD_END);
        }
        at = put(body, at, END);
        if (at != body.length) {
            throw new IllegalStateException("PutRecords body: wrote " + at + " of " + body.length + " bytes");
        }
        return body;
    }

    private static int base64Length(int bytes) {
        return (bytes + 2) / 3 * 4;
    }

    /** The string's JSON-escaped UTF-8 bytes, without the quotes (which the constants around it hold). */
    private static byte[] quoted(String value) {
        return JsonStringEncoder.getInstance().quoteAsUTF8(value);
    }

    private static int put(byte[] body, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, body, at, bytes.length);
        return at + bytes.length;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** A successful call's body: FailedRecordCount, EncryptionType and one result per record, in order. */
    static PutRecordsResponse response(byte[] body) throws IOException {
        PutRecordsResponse.Builder response = PutRecordsResponse.builder();
        try (JsonParser json = JSON.createParser(body)) {
            expect(json.nextToken(), JsonToken.START_OBJECT, json);
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "FailedRecordCount" -> response.failedRecordCount(json.getIntValue());
                    case "EncryptionType" -> response.encryptionType(json.getText());
                    case "Records" -> response.records(results(json, value));
                    default -> json.skipChildren();
                }
            }
        }
        return response.build();
    }

    private static List<PutRecordsResultEntry> results(JsonParser json, JsonToken start) throws IOException {
        expect(start, JsonToken.START_ARRAY, json);
        List<PutRecordsResultEntry> results = new ArrayList<>();
        while (json.nextToken() == JsonToken.START_OBJECT) {
            PutRecordsResultEntry.Builder result = PutRecordsResultEntry.builder();
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                json.nextToken();
                switch (field) {
                    case "SequenceNumber" -> result.sequenceNumber(json.getValueAsString());
                    case "ShardId" -> result.shardId(json.getValueAsString());
                    case "ErrorCode" -> result.errorCode(json.getValueAsString());
                    case "ErrorMessage" -> result.errorMessage(json.getValueAsString());
                    default -> json.skipChildren();
                }
            }
            results.add(result.build());
        }
        return results;
    }

    /** An error body, {"__type":"[namespace#]Code","message":".."}; either part null when absent or unreadable. */
    record Error(String code, String message) {
    }

    static Error error(byte[] body) {
        String type = null;
        String message = null;
        try (JsonParser json = JSON.createParser(body)) {
            if (json.nextToken() == JsonToken.START_OBJECT) {
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String field = json.currentName();
                    json.nextToken();
                    if ("__type".equals(field) || "code".equalsIgnoreCase(field)) {
                        type = json.getValueAsString();
                    } else if ("message".equalsIgnoreCase(field)) {
                        message = json.getValueAsString();
                    } else {
                        json.skipChildren();
                    }
                }
            }
        } catch (IOException notJson) {
            // an HTML page from a proxy, say: the status code says what it was
        }
        return new Error(errorCode(type), message);
    }

    /** "com.amazonaws.kinesis.v20131202#ResourceNotFoundException" or "ResourceNotFoundException:http://..." → the name. */
    static String errorCode(String type) {
        if (type == null || type.isBlank()) {
            return null;
        }
        String code = type.substring(type.lastIndexOf('#') + 1);
        int colon = code.indexOf(':');
        return colon < 0 ? code : code.substring(0, colon);
    }

    private static void expect(JsonToken actual, JsonToken expected, JsonParser json) throws IOException {
        if (actual != expected) {
            throw new IOException("PutRecords response: expected " + expected + " but found " + actual + " at "
                    + json.currentLocation());
        }
    }
}
