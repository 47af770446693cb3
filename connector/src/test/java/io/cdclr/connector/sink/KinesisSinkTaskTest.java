package io.cdclr.connector.sink;

import io.cdclr.testsupport.FakeKinesisClient;
import io.cdclr.connector.kinesis.KinesisWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KinesisSinkTaskTest {
    private static final TopicPartition P0 = new TopicPartition("cdc.public.t", 0);
    private static final TopicPartition P1 = new TopicPartition("cdc.public.t", 1);

    /** Acknowledges every record at once, except records of blocked keys, which are throttled until unblocked. */
    static final class FakeKinesis extends FakeKinesisClient {
        final Set<String> blocked = new HashSet<>();
        final Map<String, List<byte[]>> accepted = new HashMap<>();
        volatile RuntimeException permanent;

        @Override
        public synchronized CompletableFuture<PutRecordsResponse> putRecords(PutRecordsRequest request) {
            if (permanent != null) {
                return CompletableFuture.failedFuture(permanent);
            }
            List<PutRecordsResultEntry> results = new ArrayList<>();
            for (PutRecordsRequestEntry entry : request.records()) {
                if (blocked.contains(entry.partitionKey())) {
                    results.add(throttled());
                } else {
                    accepted.computeIfAbsent(entry.partitionKey(), k -> new ArrayList<>()).add(entry.data().asByteArray());
                    results.add(written("shardId-000000000000"));
                }
            }
            return CompletableFuture.completedFuture(response(results));
        }

        synchronized void block(String key) {
            blocked.add(key);
        }

        synchronized void unblock(String key) {
            blocked.remove(key);
        }

        synchronized boolean has(String key) {
            return accepted.containsKey(key);
        }

        synchronized List<byte[]> of(String key) {
            return new ArrayList<>(accepted.getOrDefault(key, List.of()));
        }
    }

    private final FakeKinesis kinesis = new FakeKinesis();
    private final KinesisSinkTask task = new KinesisSinkTask(config -> new KinesisWriter(config, kinesis));

    static Map<String, String> props(String... overrides) {
        Map<String, String> props = new HashMap<>();
        props.put("kinesis.stream", "test-stream");
        props.put("kinesis.region", "us-east-1");
        props.put("kinesis.linger.ms", "1");
        props.put("kinesis.retry.backoff.initial.ms", "1");
        props.put("kinesis.retry.backoff.max.ms", "5");
        props.put(KinesisSinkConfig.COMMIT_FLUSH_TIMEOUT_MS, "0");
        for (int i = 0; i < overrides.length; i += 2) {
            props.put(overrides[i], overrides[i + 1]);
        }
        return props;
    }

    static SinkRecord record(TopicPartition tp, long offset, Object key, Object value) {
        return new SinkRecord(tp.topic(), tp.partition(), Schema.OPTIONAL_STRING_SCHEMA, key, null, value, offset);
    }

    static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 20 s");
            Thread.sleep(5);
        }
    }

    @AfterEach
    void stop() {
        task.stop();
    }

    @Test
    void commitsOnlyTheContiguousAcknowledgedPrefixPerPartition() throws InterruptedException {
        task.start(props());
        kinesis.block("b");
        task.put(List.of(record(P0, 10, "a", "v10"), record(P0, 11, "b", "v11"), record(P0, 12, "c", "v12"),
                record(P1, 5, "d", "v5")));
        waitFor(() -> kinesis.has("a") && kinesis.has("c") && kinesis.has("d"));

        Map<TopicPartition, OffsetAndMetadata> consumed = Map.of(P0, new OffsetAndMetadata(13), P1, new OffsetAndMetadata(6));
        // 10 and 12 are acknowledged (their callbacks run shortly after Kinesis answered), 11 is not: P0 may only
        // commit up to 11 (the offset of the first unacknowledged record), never 13.
        waitFor(() -> task.preCommit(consumed).get(P0).offset() == 11 && task.preCommit(consumed).get(P1).offset() == 6);
        Thread.sleep(50);
        assertEquals(11, task.preCommit(consumed).get(P0).offset());

        kinesis.unblock("b");
        waitFor(() -> kinesis.has("b"));
        waitFor(() -> task.preCommit(consumed).get(P0).offset() == 13);
    }

    @Test
    void preCommitWaitsForInFlightRecordsWhenConfigured() {
        task.start(props(KinesisSinkConfig.COMMIT_FLUSH_TIMEOUT_MS, "10000"));
        task.put(List.of(record(P0, 0, "a", "v0"), record(P0, 1, "b", "v1")));
        assertEquals(2, task.preCommit(Map.of(P0, new OffsetAndMetadata(2))).get(P0).offset());
    }

    @Test
    void valuesAndKeysAreWrittenAsTheyAre() throws InterruptedException {
        task.start(props());
        byte[] raw = {0, 1, (byte) 0xff};
        task.put(List.of(record(P0, 0, "k1", "{\"action\":\"I\",\"n\":10.50}"),
                record(P0, 1, "k2".getBytes(StandardCharsets.UTF_8), raw),
                record(P0, 2, null, "no key"),
                record(P0, 3, "k1", null)));
        waitFor(() -> kinesis.has("k1") && kinesis.has("k2") && kinesis.has("cdc.public.t-0"));
        assertEquals("{\"action\":\"I\",\"n\":10.50}", new String(kinesis.of("k1").get(0), StandardCharsets.UTF_8));
        assertEquals(1, kinesis.of("k1").size(), "the tombstone is not written");
        assertArrayEquals(raw, kinesis.of("k2").get(0));
        waitFor(() -> task.preCommit(Map.of(P0, new OffsetAndMetadata(4))).get(P0).offset() == 4);
    }

    @Test
    void aKeyChangeCarriedInTheHeaderWaitsForTheEarlierChangeOfItsOldKey() throws InterruptedException {
        task.start(props());
        kinesis.block("s.t|1");
        SinkRecord update = record(P0, 1, "s.t|2", "U 1->2");
        update.headers().addString(io.cdclr.connector.envelope.PartitionKey.PREVIOUS_KEY_HEADER, "s.t|1");
        task.put(List.of(record(P0, 0, "s.t|1", "U 1"), update, record(P0, 2, "s.t|3", "I 3")));
        waitFor(() -> kinesis.has("s.t|3"));
        Thread.sleep(50);
        assertTrue(!kinesis.has("s.t|2"), "the key change waits while the earlier change of its old key is throttled");
        kinesis.unblock("s.t|1");
        waitFor(() -> kinesis.has("s.t|2"));
        waitFor(() -> task.preCommit(Map.of(P0, new OffsetAndMetadata(3))).get(P0).offset() == 3);
    }

    @Test
    void previousKeyHeaderIsReadAsStringOrBytes() {
        SinkRecord asBytes = record(P0, 0, "k", "v");
        asBytes.headers().addBytes(io.cdclr.connector.envelope.PartitionKey.PREVIOUS_KEY_HEADER,
                "s.t|1".getBytes(StandardCharsets.UTF_8));
        assertEquals("s.t|1", KinesisSinkTask.previousPartitionKey(asBytes));
        assertEquals(null, KinesisSinkTask.previousPartitionKey(record(P0, 1, "k", "v")));
        // Through Kafka with Connect's default header converter (SimpleHeaderConverter), both ways
        var converter = new org.apache.kafka.connect.storage.SimpleHeaderConverter();
        converter.configure(Map.of());
        for (String key : List.of("public.items|5", "s.t|10.50|\\N", "s.t|true", "s.t|[1,2]", "s.t|a\\|b")) {
            byte[] wire = converter.fromConnectHeader("t", "h", Schema.STRING_SCHEMA, key);
            var back = converter.toConnectHeader("t", "h", wire);
            SinkRecord r = record(P0, 2, "k", "v");
            r.headers().add(io.cdclr.connector.envelope.PartitionKey.PREVIOUS_KEY_HEADER, back);
            assertEquals(key, KinesisSinkTask.previousPartitionKey(r), key);
        }
    }

    @Test
    void longKeysAreHashedLikeTheEnvelopeKeys() throws InterruptedException {
        task.start(props());
        String longKey = "x".repeat(300);
        task.put(List.of(record(P0, 0, longKey, "v")));
        waitFor(() -> kinesis.accepted.keySet().stream().anyMatch(k -> k.startsWith("sha256:")));
    }

    @Test
    void structValuesAndMissingKeysUnderFailAreDataErrors() {
        task.start(props(KinesisSinkConfig.NULL_KEY_POLICY, "fail"));
        Schema schema = SchemaBuilder.struct().field("a", Schema.STRING_SCHEMA).build();
        DataException value = assertThrows(DataException.class,
                () -> task.put(List.of(record(P0, 0, "k", new Struct(schema).put("a", "x")))));
        assertTrue(value.getMessage().contains("value.converter"), value.getMessage());
        DataException key = assertThrows(DataException.class, () -> task.put(List.of(record(P0, 1, null, "v"))));
        assertTrue(key.getMessage().contains("has no key"), key.getMessage());
    }

    @Test
    void permanentWriterFailureFailsTheTaskWithTheWritersMessage() throws InterruptedException {
        task.start(props());
        kinesis.permanent = ResourceNotFoundException.builder().statusCode(400).message("Stream test-stream not found").build();
        task.put(List.of(record(P0, 0, "a", "v0")));
        Map<TopicPartition, OffsetAndMetadata> consumed = Map.of(P0, new OffsetAndMetadata(1));
        waitFor(() -> {
            try {
                task.preCommit(consumed);
                return false;
            } catch (ConnectException e) {
                assertTrue(e.getMessage().contains("test-stream"), e.getMessage());
                return true;
            }
        });
        ConnectException put = assertThrows(ConnectException.class, () -> task.put(List.of(record(P0, 1, "a", "v1"))));
        assertTrue(put.getMessage().contains("test-stream"), put.getMessage());
    }

    @Test
    void connectorValidatesThroughTheConfigDef() {
        KinesisSinkConnector connector = new KinesisSinkConnector();
        Map<String, String> missing = new HashMap<>(props());
        missing.remove("kinesis.stream");
        List<ConfigValue> values = connector.validate(missing).configValues();
        assertTrue(errors(values, "kinesis.stream").size() > 0, values.toString());

        List<ConfigValue> backoff = connector.validate(props("kinesis.retry.backoff.initial.ms", "100",
                "kinesis.retry.backoff.max.ms", "10")).configValues();
        assertTrue(errors(backoff, "kinesis.retry.backoff.max.ms").size() > 0, backoff.toString());

        List<ConfigValue> badEndpoint = connector.validate(props("kinesis.endpoint", "not a uri")).configValues();
        assertTrue(errors(badEndpoint, "kinesis.endpoint").size() > 0, badEndpoint.toString());

        connector.start(props());
        assertEquals(3, connector.taskConfigs(3).size());
        assertTrue(connector.config().names().containsAll(List.of("kinesis.stream", KinesisSinkConfig.COMMIT_FLUSH_TIMEOUT_MS)));
    }

    private static List<String> errors(List<ConfigValue> values, String name) {
        return values.stream().filter(v -> v.name().equals(name)).flatMap(v -> v.errorMessages().stream()).toList();
    }
}
