package io.cdclr.connector.kinesis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * The PutRecords request and response bodies in Kinesis's JSON protocol (application/x-amz-json-1.1), written and read
 * with Jackson's streaming API: the request as the service documents it (Data in base64), the response into the SDK's
 * own model classes, so the writer handles either path's answer alike.
 *
 * <p>Why not the SDK's marshallers: they walk a generic field model for every member of every record and were, with
 * the rest of the SDK's per-call pipeline, the largest item of the runner's CPU at a steady load (see
 * {@link DirectPutRecords}).
 */
final class PutRecordsJson {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private PutRecordsJson() {
    }

    /** {"StreamName":..,"Records":[{"Data":base64,"PartitionKey":..[,"ExplicitHashKey":..]}..]}, in UTF-8. */
    static byte[] request(PutRecordsRequest request) {
        long dataBytes = 0;
        for (PutRecordsRequestEntry entry : request.records()) {
            dataBytes += entry.data().asByteArrayUnsafe().length;
        }
        // Base64 is 4/3 of the data; about 40 bytes of names and a key per record besides.
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 64,
                dataBytes * 4 / 3 + 64L * request.records().size() + 128));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            if (request.streamName() != null) {
                json.writeStringField("StreamName", request.streamName());
            }
            if (request.streamARN() != null) {
                json.writeStringField("StreamARN", request.streamARN());
            }
            json.writeArrayFieldStart("Records");
            for (PutRecordsRequestEntry entry : request.records()) {
                json.writeStartObject();
                byte[] data = entry.data().asByteArrayUnsafe();
                json.writeFieldName("Data");
                json.writeBinary(data, 0, data.length);
                json.writeStringField("PartitionKey", entry.partitionKey());
                if (entry.explicitHashKey() != null) {
                    json.writeStringField("ExplicitHashKey", entry.explicitHashKey());
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
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
