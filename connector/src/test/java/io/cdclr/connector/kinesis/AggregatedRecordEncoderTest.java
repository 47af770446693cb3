package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The KPL aggregated-record format, checked by decoding with the Kinesis Client Library's deaggregation. */
class AggregatedRecordEncoderTest {

    @Test
    void theKclReadsBackEveryRecordWithItsOwnPartitionKeyInOrder() {
        AggregatedRecordEncoder encoder = new AggregatedRecordEncoder();
        List<String> keys = List.of("public.orders:1", "public.orders:2", "public.orders:1", "ключ-ü-€", "k");
        List<byte[]> data = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            data.add(("{\"action\":\"I\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            encoder.add(keys.get(i), data.get(i));
        }
        byte[] aggregate = encoder.encode();

        List<KclDeaggregation.UserRecord> read = KclDeaggregation.deaggregate(encoder.partitionKey(), aggregate);

        assertEquals(keys.size(), read.size(), "user records");
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(keys.get(i), read.get(i).partitionKey());
            assertArrayEquals(data.get(i), read.get(i).data());
            assertTrue(read.get(i).aggregated(), "the KCL recognised an aggregate");
        }
        assertEquals("public.orders:1", encoder.partitionKey(), "written under its first record's key");
    }

    @Test
    void layoutIsMagicProtobufAndTheMd5OfTheProtobuf() throws Exception {
        AggregatedRecordEncoder encoder = new AggregatedRecordEncoder();
        encoder.add("a", new byte[] {1, 2});
        encoder.add("b", new byte[] {3});
        byte[] aggregate = encoder.encode();
        assertArrayEquals(new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2}, Arrays.copyOf(aggregate, 4));
        byte[] protobuf = Arrays.copyOfRange(aggregate, 4, aggregate.length - 16);
        // partition_key_table "a", "b"; records {index 0, data 01 02}, {index 1, data 03}
        assertArrayEquals(new byte[] {0x0A, 1, 'a', 0x0A, 1, 'b', 0x1A, 6, 0x08, 0, 0x1A, 2, 1, 2, 0x1A, 5, 0x08, 1, 0x1A, 1, 3},
                protobuf);
        assertArrayEquals(MessageDigest.getInstance("MD5").digest(protobuf),
                Arrays.copyOfRange(aggregate, aggregate.length - 16, aggregate.length));
    }

    @Test
    void aCorruptedAggregateFailsTheMd5CheckAndIsNotUnpacked() {
        AggregatedRecordEncoder encoder = new AggregatedRecordEncoder();
        encoder.add("a", "one".getBytes(StandardCharsets.UTF_8));
        encoder.add("b", "two".getBytes(StandardCharsets.UTF_8));
        byte[] aggregate = encoder.encode();
        aggregate[aggregate.length - 20] ^= 1; // a byte of the last record's data

        List<KclDeaggregation.UserRecord> read = KclDeaggregation.deaggregate("a", aggregate);

        assertEquals(1, read.size(), "the KCL hands the record on as it is");
        assertFalse(read.get(0).aggregated());
    }

    /** Sizes are exact: the writer keeps aggregates under the record and call limits with them before encoding. */
    @Test
    void sizesAreExactAcrossVarintBoundaries() {
        Random random = new Random(22);
        int[] lengths = {0, 1, 126, 127, 128, 129, 16_383, 16_384, 16_385, 200_000};
        for (int round = 0; round < 200; round++) {
            AggregatedRecordEncoder encoder = new AggregatedRecordEncoder();
            List<String> keys = new ArrayList<>();
            List<byte[]> data = new ArrayList<>();
            int records = 1 + random.nextInt(round < 20 ? 3 : 200);
            for (int i = 0; i < records; i++) {
                String key = random.nextInt(4) == 0 && !keys.isEmpty() ? keys.get(random.nextInt(keys.size()))
                        : "k" + "é".repeat(random.nextInt(130)) + i;
                byte[] bytes = new byte[round < 20 ? lengths[random.nextInt(lengths.length)] : random.nextInt(300)];
                random.nextBytes(bytes);
                long predicted = encoder.sizeWith(key, bytes);
                encoder.add(key, bytes);
                assertEquals(predicted, encoder.size(), "sizeWith predicts size");
                keys.add(key);
                data.add(bytes);
            }
            byte[] aggregate = encoder.encode();
            assertEquals(encoder.size(), aggregate.length + encoder.partitionKey().getBytes(StandardCharsets.UTF_8).length,
                    "size = data + partition key");
            List<KclDeaggregation.UserRecord> read = KclDeaggregation.deaggregate(encoder.partitionKey(), aggregate);
            assertEquals(records, read.size());
            for (int i = 0; i < records; i++) {
                assertEquals(keys.get(i), read.get(i).partitionKey());
                assertArrayEquals(data.get(i), read.get(i).data());
            }
        }
    }

    @Test
    void varintSizes() {
        assertEquals(1, AggregatedRecordEncoder.varintSize(0));
        assertEquals(1, AggregatedRecordEncoder.varintSize(127));
        assertEquals(2, AggregatedRecordEncoder.varintSize(128));
        assertEquals(2, AggregatedRecordEncoder.varintSize(16_383));
        assertEquals(3, AggregatedRecordEncoder.varintSize(16_384));
        assertEquals(10, AggregatedRecordEncoder.varintSize(-1));
    }
}
