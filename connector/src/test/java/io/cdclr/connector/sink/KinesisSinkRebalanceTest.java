package io.cdclr.connector.sink;

import io.cdclr.connector.kinesis.KinesisWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.cdclr.connector.sink.KinesisSinkTaskTest.props;
import static io.cdclr.connector.sink.KinesisSinkTaskTest.record;
import static io.cdclr.connector.sink.KinesisSinkTaskTest.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rebalances (close), a bounded put() and errant records, over a fake Kinesis that throttles chosen keys: the timing a
 * real emulator cannot produce on demand (a key throttled for exactly as long as a test needs).
 */
class KinesisSinkRebalanceTest {
    private static final TopicPartition P0 = new TopicPartition("cdc.public.t", 0);
    private static final TopicPartition P1 = new TopicPartition("cdc.public.t", 1);

    /** Records what the task asks of Connect: rewinds, and errant records. */
    static final class FakeContext implements SinkTaskContext {
        final Map<TopicPartition, Long> offsets = new HashMap<>();
        final List<SinkRecord> reported = new ArrayList<>();
        final List<Throwable> errors = new ArrayList<>();
        final boolean withReporter;

        FakeContext(boolean withReporter) {
            this.withReporter = withReporter;
        }

        @Override
        public ErrantRecordReporter errantRecordReporter() {
            if (!withReporter) {
                return null;
            }
            return (record, error) -> {
                reported.add(record);
                errors.add(error);
                return CompletableFuture.<Void>completedFuture(null);
            };
        }

        @Override
        public Map<String, String> configs() {
            return Map.of();
        }

        @Override
        public void offset(Map<TopicPartition, Long> offsets) {
            this.offsets.putAll(offsets);
        }

        @Override
        public void offset(TopicPartition tp, long offset) {
            offsets.put(tp, offset);
        }

        @Override
        public void timeout(long timeoutMs) {
        }

        @Override
        public Set<TopicPartition> assignment() {
            return Set.of(P0, P1);
        }

        @Override
        public void pause(TopicPartition... partitions) {
        }

        @Override
        public void resume(TopicPartition... partitions) {
        }

        @Override
        public void requestCommit() {
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return null;
        }
    }

    private final KinesisSinkTaskTest.FakeKinesis kinesis = new KinesisSinkTaskTest.FakeKinesis();
    private final List<KinesisWriter> writers = new ArrayList<>();
    private final KinesisSinkTask task = new KinesisSinkTask(config -> {
        KinesisWriter writer = new KinesisWriter(config, kinesis);
        writers.add(writer);
        return writer;
    });

    @AfterEach
    void stop() {
        task.stop();
    }

    @Test
    void closeWaitsUntilTheRevokedPartitionsRecordsAreInKinesis() throws Exception {
        task.initialize(new FakeContext(false));
        task.start(props(KinesisSinkConfig.CLOSE_TIMEOUT_MS, "20000"));
        kinesis.block("a");
        task.put(List.of(record(P0, 0, "a", "a0"), record(P1, 0, "b", "b0")));
        AtomicBoolean closed = new AtomicBoolean();
        Thread closer = new Thread(() -> {
            task.close(List.of(P0));
            closed.set(true);
        });
        closer.start();
        Thread.sleep(200);
        assertFalse(closed.get(), "close returned while a record of the revoked partition was not acknowledged");
        kinesis.unblock("a");
        closer.join(20_000);
        assertTrue(closed.get());
        assertEquals(1, kinesis.of("a").size(), "delivered before close returned");
        assertEquals(1, writers.size(), "the writer is kept");
    }

    @Test
    void aCloseTimeoutDropsWhatWasNotSentSoNoStaleRecordLandsAfterTheNextOwnersOnes() throws Exception {
        FakeContext context = new FakeContext(false);
        task.initialize(context);
        task.start(props(KinesisSinkConfig.CLOSE_TIMEOUT_MS, "200"));
        kinesis.block("a");
        kinesis.block("b");
        // P0 is revoked while "a" is throttled; P1 stays with the task: "b" throttled, "c" acknowledged.
        task.put(List.of(record(P0, 0, "a", "a-stale"), record(P1, 7, "b", "b7"), record(P1, 8, "c", "c8")));
        waitFor(() -> kinesis.has("c"));
        task.close(List.of(P0));
        // The next owner of P0 writes the key's newer change; the old task's record must never land after it.
        kinesis.unblock("a");
        kinesis.unblock("b");
        kinesis.putRecords(software.amazon.awssdk.services.kinesis.model.PutRecordsRequest.builder().streamName("s")
                .records(software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry.builder().partitionKey("a")
                        .data(software.amazon.awssdk.core.SdkBytes.fromUtf8String("a-new")).build()).build());
        Thread.sleep(300);
        assertEquals(List.of("a-new"), texts(kinesis.of("a")), "the stale record was dropped, not written late");
        assertFalse(kinesis.has("b"), "records of kept partitions not sent are dropped too, and come again");
        // P1 is moved back to its first unacknowledged record, and nothing past it is committed until it comes again.
        assertEquals(Map.of(P1, 7L), context.offsets);
        assertEquals(7, task.preCommit(Map.of(P1, new OffsetAndMetadata(9))).get(P1).offset());
        assertEquals(2, writers.size(), "a new writer");
        task.put(List.of(record(P1, 7, "b", "b7"), record(P1, 8, "c", "c8")));
        waitFor(() -> kinesis.has("b"));
        waitFor(() -> task.preCommit(Map.of(P1, new OffsetAndMetadata(9))).get(P1).offset() == 9);
        assertEquals(List.of("c8", "c8"), texts(kinesis.of("c")), "at-least-once: the acknowledged c8 again, after the rewind");
    }

    @Test
    void putHandsRecordsBackInsteadOfBlockingWhileTheBufferStaysFull() throws Exception {
        FakeContext context = new FakeContext(false);
        task.initialize(context);
        task.start(props(KinesisSinkConfig.PUT_TIMEOUT_MS, "100", "kinesis.max.buffered.bytes", Long.toString(1024 * 1024)));
        kinesis.block("a");
        String big = "x".repeat(600_000);
        // "a" fills the buffer (and is throttled); nothing else fits for the put timeout.
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> task.put(List.of(record(P0, 0, "a", big),
                record(P0, 1, "b", big), record(P0, 2, "c", "small"), record(P1, 0, "d", big))));
        assertEquals(Map.of(P0, 1L, P1, 0L), context.offsets, "handed back from the first record that did not fit");
        Map<TopicPartition, OffsetAndMetadata> consumed = Map.of(P0, new OffsetAndMetadata(3), P1, new OffsetAndMetadata(1));
        assertEquals(0, task.preCommit(consumed).get(P0).offset(), "\"a\" (before the handed-back record) is still in flight");
        kinesis.unblock("a");
        waitFor(() -> kinesis.has("a"));
        Thread.sleep(50);
        assertEquals(1, task.preCommit(consumed).get(P0).offset(), "not past the records handed back");
        assertEquals(0, task.preCommit(consumed).get(P1).offset());
        assertFalse(kinesis.has("c"), "nothing after a handed-back record of its partition is written before it");
        // Connect delivers them again after the rewind.
        task.put(List.of(record(P0, 1, "b", big), record(P0, 2, "c", "small"), record(P1, 0, "d", big)));
        waitFor(() -> kinesis.has("b") && kinesis.has("c") && kinesis.has("d"));
        waitFor(() -> task.preCommit(consumed).get(P0).offset() == 3 && task.preCommit(consumed).get(P1).offset() == 1);
    }

    @Test
    void recordsThatCannotBeWrittenGoToTheErrantRecordReporter() throws Exception {
        FakeContext context = new FakeContext(true);
        task.initialize(context);
        task.start(props("kinesis.oversized.record.policy", "skip"));
        Schema schema = SchemaBuilder.struct().field("a", Schema.STRING_SCHEMA).build();
        SinkRecord struct = record(P0, 0, "k", new Struct(schema).put("a", "x"));
        SinkRecord oversized = record(P0, 1, "k", "x".repeat(1024 * 1024));
        SinkRecord mapKey = record(P0, 2, Map.of("id", 1), "v");
        task.put(List.of(struct, oversized, mapKey, record(P0, 3, "k", "fine")));
        waitFor(() -> kinesis.has("k"));
        assertEquals(List.of(struct, oversized, mapKey), context.reported);
        assertTrue(context.errors.get(1).getMessage().contains("over the Kinesis limit"), context.errors.get(1).getMessage());
        assertEquals(List.of("fine"), texts(kinesis.of("k")));
        waitFor(() -> task.preCommit(Map.of(P0, new OffsetAndMetadata(4))).get(P0).offset() == 4);
    }

    @Test
    void withoutAReporterErrorsToleranceAllSkipsAndNoneFails() throws Exception {
        task.initialize(new FakeContext(false));
        task.start(props("errors.tolerance", "all"));
        task.put(List.of(record(P0, 0, Map.of("id", 1), "v"), record(P0, 1, "k", "fine")));
        waitFor(() -> kinesis.has("k"));
        task.stop();

        KinesisSinkTask strict = new KinesisSinkTask(config -> new KinesisWriter(config, kinesis));
        strict.initialize(new FakeContext(false));
        strict.start(props());
        try {
            assertThrows(ConnectException.class, () -> strict.put(List.of(record(P0, 0, Map.of("id", 1), "v"))));
        } finally {
            strict.stop();
        }
    }

    private static List<String> texts(List<byte[]> values) {
        return values.stream().map(v -> new String(v, StandardCharsets.UTF_8)).toList();
    }

    @SuppressWarnings("unused")
    private static Future<Void> done() {
        return CompletableFuture.completedFuture(null);
    }
}
