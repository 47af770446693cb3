package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.StreamMode;

/** The record size limit and the call size the writer takes from DescribeStreamSummary, and their fallback. */
class KinesisWriterStreamLimitsTest {
    private static final int MIB = 1024 * 1024;

    @Test
    void withoutMaxRecordSizeInKiBTheLimitIs1MiB() throws Exception {
        assertOneMiBLimit(new StubStreamClient(StubStreamClient.summary(null, null), 1));
    }

    @Test
    void whenDescribeStreamSummaryFailsTheLimitIs1MiB() throws Exception {
        assertOneMiBLimit(new StubStreamClient(null, 1));
    }

    private static void assertOneMiBLimit(StubStreamClient client) throws Exception {
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of()), client)) {
            String key = "k";
            byte[] fits = new byte[MIB - key.length()];
            var failures = new ConcurrentLinkedQueue<Throwable>();
            writer.submit(key, fits, "exactly 1 MiB", f -> { if (f != null) failures.add(f); });
            assertTrue(writer.flush(Duration.ofSeconds(10)));
            assertTrue(failures.isEmpty());
            var error = assertThrows(KinesisWriterException.class,
                    () -> writer.submit(key, new byte[MIB - key.length() + 1], "one byte over", f -> { }));
            assertTrue(error.getMessage().contains("over the Kinesis limit of 1048576 bytes (1 MiB) per record"), error.getMessage());
        }
    }

    @Test
    void aRaisedLimitLetsLargeRecordsThroughAndCallsGrowTo10MiB() throws Exception {
        var client = new StubStreamClient(StubStreamClient.summary(10 * 1024, StreamMode.PROVISIONED), 2);
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(KinesisWriterConfig.MAX_BUFFERED_BYTES, 64L * MIB,
                KinesisWriterConfig.SHARD_RATE_LIMIT, "off")), client)) {
            var failures = new ConcurrentLinkedQueue<Throwable>();
            for (int i = 0; i < 6; i++) {
                writer.submit("key-" + i, new byte[4 * MIB], "4 MiB change " + i, f -> { if (f != null) failures.add(f); });
            }
            byte[] largest = new byte[10 * MIB - "big".length()];
            writer.submit("big", largest, "10 MiB change", f -> { if (f != null) failures.add(f); });
            assertTrue(writer.flush(Duration.ofSeconds(30)));
            assertTrue(failures.isEmpty(), failures.toString());
            assertEquals(7, writer.metrics().recordsSent());
            long largestCall = client.calls.stream().mapToLong(StubStreamClient::bytesOf).max().orElseThrow();
            System.out.println("raised limit: " + client.calls.size() + " calls, largest " + largestCall + " bytes");
            assertTrue(largestCall <= 10L * MIB, "calls stay within 10 MiB: " + largestCall);
            assertTrue(largestCall > 5L * MIB, "calls of a large-record stream are not cut at 5 MiB: " + largestCall);

            var error = assertThrows(KinesisWriterException.class,
                    () -> writer.submit("big", new byte[10 * MIB], "over 10 MiB", f -> { }));
            assertTrue(error.getMessage().contains("the stream's MaxRecordSizeInKiB 10240"), error.getMessage());
        }
    }

    @Test
    void aDefaultStreamKeepsCallsWithin5MiB() throws Exception {
        var client = new StubStreamClient(StubStreamClient.summary(1024, StreamMode.PROVISIONED), 1);
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(KinesisWriterConfig.SHARD_RATE_LIMIT, "off")), client)) {
            for (int i = 0; i < 12; i++) {
                writer.submit("key-" + i, new byte[MIB - 100], "almost 1 MiB " + i, f -> { });
            }
            assertTrue(writer.flush(Duration.ofSeconds(30)));
            assertTrue(client.calls.stream().allMatch(c -> StubStreamClient.bytesOf(c) <= 5L * MIB));
        }
    }

    @Test
    void autoPacesAProvisionedStreamAndNotAnOnDemandOne() throws Exception {
        assertTrue(bucketWaits(StreamMode.PROVISIONED, "auto") > 0, "provisioned: paced");
        assertEquals(0, bucketWaits(StreamMode.ON_DEMAND, "auto"), "on-demand: not paced");
        assertTrue(bucketWaits(StreamMode.ON_DEMAND, "on") > 0, "on: paced even on-demand");
        assertEquals(0, bucketWaits(StreamMode.PROVISIONED, "off"), "off: never paced");
        assertEquals(0, bucketWaits(null, "auto"), "stream mode not reported (emulator): not paced");
    }

    /** 300 records into one shard allowed 200 records/s (burst 100): records that waited for the bucket. */
    private static long bucketWaits(StreamMode mode, String rateLimit) throws Exception {
        var client = new StubStreamClient(StubStreamClient.summary(null, mode), 1);
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(KinesisWriterConfig.SHARD_RATE_LIMIT, rateLimit,
                KinesisWriterConfig.SHARD_RECORDS_PER_SECOND, 200)), client)) {
            for (int i = 0; i < 300; i++) {
                writer.submit("key-" + i, new byte[10], "change " + i, f -> { });
            }
            assertTrue(writer.flush(Duration.ofSeconds(30)));
            assertEquals(300, writer.metrics().recordsSent());
            assertEquals(1, writer.metrics().shardMapSize());
            assertNull(writer.metrics().shards().byShard().get(ShardMetrics.UNKNOWN_SHARD));
            assertEquals(300, writer.metrics().shards().byShard().get("shardId-000000000000").records());
            return writer.metrics().shards().byShard().get("shardId-000000000000").bucketWaits();
        }
    }
}
