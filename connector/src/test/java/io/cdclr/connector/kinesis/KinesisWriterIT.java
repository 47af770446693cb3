package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;

/** The writer against the local Kinesis emulator (kinesalite), read back with GetRecords from every shard. */
class KinesisWriterIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void everyRecordArrivesWithItsKeyAndBytesInPerKeyOrder() throws Exception {
        Map<String, List<byte[]>> submitted = new HashMap<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (var stream = EmulatorStream.create("it-writer-order", 3)) {
            Map<String, Object> props = stream.writerProps();
            props.put(KinesisWriterConfig.MAX_RECORDS_PER_CALL, 100); // more calls, several in flight
            try (var writer = KinesisWriter.create(new KinesisWriterConfig(props))) {
                Random random = new Random(11);
                for (int i = 0; i < 4_000; i++) {
                    String key = "public.orders:" + random.nextInt(150);
                    byte[] data = ("{\"action\":\"U\",\"n\":" + i + ",\"pad\":\"" + "p".repeat(random.nextInt(1_500)) + "\"}")
                            .getBytes(StandardCharsets.UTF_8);
                    submitted.computeIfAbsent(key, k -> new ArrayList<>()).add(data);
                    writer.submit(key, data, "public.orders key=" + key, failure -> {
                        if (failure != null) {
                            failures.add(failure);
                        }
                    });
                }
                assertTrue(writer.flush(WAIT), "all acknowledged");
                assertEquals(List.of(), failures);
                assertEquals(4_000, writer.metrics().recordsSent());
            }

            Map<String, List<Record>> byShard = stream.readAllByShard();
            assertTrue(byShard.values().stream().filter(records -> !records.isEmpty()).count() > 1, "records spread over shards");
            Map<String, List<byte[]>> readBack = new HashMap<>();
            byShard.values().forEach(records -> records.forEach(record -> readBack
                    .computeIfAbsent(record.partitionKey(), k -> new ArrayList<>()).add(record.data().asByteArray())));
            assertEquals(submitted.keySet(), readBack.keySet());
            for (var entry : submitted.entrySet()) {
                assertSameBytesInOrder(entry.getKey(), entry.getValue(), readBack.get(entry.getKey()));
            }
        }
    }

    @Test
    void sendReadySendsTheRecordsReadyWithoutTheirLinger() throws Exception {
        try (var stream = EmulatorStream.create("it-writer-send-ready", 2)) {
            Map<String, Object> props = stream.writerProps();
            props.put(KinesisWriterConfig.LINGER_MS, 60_000L); // a linger no test waits out
            List<Throwable> outcomes = new CopyOnWriteArrayList<>();
            try (var writer = KinesisWriter.create(new KinesisWriterConfig(props))) {
                for (int i = 0; i < 40; i++) {
                    // Two records per key: the second becomes ready only when the first is acknowledged.
                    String key = "public.orders:" + (i % 20);
                    byte[] data = ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                    writer.submit(key, data, "public.orders key=" + key,
                            failure -> outcomes.add(failure == null ? new Throwable("ok") : failure));
                }
                Thread.sleep(500);
                assertEquals(0, writer.metrics().calls(), "the records linger until sendReady()");

                writer.sendReady();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (outcomes.size() < 20 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(20, outcomes.size(), "the 20 records ready went at once, without the linger");
                assertEquals(1, writer.metrics().calls(), "in one call");
                Thread.sleep(500);
                assertEquals(20, outcomes.size(), "the records that became ready after sendReady() keep their linger");

                writer.sendReady();
                assertTrue(writer.flush(WAIT));
                assertEquals(40, outcomes.size());
                assertTrue(outcomes.stream().allMatch(o -> "ok".equals(o.getMessage())), outcomes.toString());
            }
            assertEquals(40, stream.readAllByShard().values().stream().mapToInt(List::size).sum());
        }
    }

    @Test
    void aMissingStreamStopsTheWriterWithAClearMessage() throws Exception {
        EmulatorStream.prepareSdkForEmulator();
        Map<String, Object> props = new HashMap<>();
        props.put(KinesisWriterConfig.STREAM, "it-writer-no-such-stream");
        props.put(KinesisWriterConfig.REGION, io.cdclr.testsupport.LocalServices.awsRegion());
        props.put(KinesisWriterConfig.ENDPOINT, io.cdclr.testsupport.LocalServices.kinesisEndpoint().toString());
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (var writer = KinesisWriter.create(new KinesisWriterConfig(props))) {
            writer.submit("k", "{}".getBytes(StandardCharsets.UTF_8), "public.t key=k", failures::add);
            assertTrue(writer.flush(WAIT));
            assertEquals(1, failures.size());
            String message = failures.get(0).getMessage();
            assertTrue(message.contains("it-writer-no-such-stream") && message.contains("ResourceNotFoundException"), message);
        }
    }

    private static void assertSameBytesInOrder(String key, List<byte[]> expected, List<byte[]> actual) {
        List<String> expectedText = new ArrayList<>();
        expected.forEach(d -> expectedText.add(new String(d, StandardCharsets.UTF_8)));
        List<String> actualText = new ArrayList<>();
        for (byte[] d : actual) {
            String text = new String(d, StandardCharsets.UTF_8);
            // A timed-out call may have been written and sent again: the repeat sits right after the original.
            if (actualText.isEmpty() || !actualText.get(actualText.size() - 1).equals(text)) {
                actualText.add(text);
            }
        }
        assertEquals(expectedText, actualText, "records of " + key + " in submission order");
        assertTrue(Arrays.equals(expected.get(0), actual.get(0)));
    }
}
