package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;

/** The shard map against the emulator: it routes keys exactly as Kinesis does, and follows a split. */
class ShardMapIT {

    @Test
    void everyKeyMapsToTheShardKinesisPutsItIn() throws Exception {
        try (var stream = EmulatorStream.create("shards-map", 4)) {
            ShardMap map = new ShardMap(stream.client(), stream.name(), Duration.ofSeconds(10));
            assertTrue(map.refresh());
            assertEquals(4, map.size());
            assertAgreesWithKinesis(stream, map, 400);
        }
    }

    @Test
    void afterASplitTheMapHoldsTheChildrenAndNotTheClosedParent() throws Exception {
        try (var stream = EmulatorStream.create("shards-split", 2)) {
            ShardMap map = new ShardMap(stream.client(), stream.name(), Duration.ofSeconds(10));
            map.refresh();
            ShardMap.Shard parent = map.shards().get(0);
            BigInteger middle = parent.startingHashKey().add(parent.endingHashKey()).shiftRight(1);
            stream.client().splitShard(b -> b.streamName(stream.name()).shardToSplit(parent.id())
                    .newStartingHashKey(middle.toString())).join();
            stream.awaitActive();

            assertTrue(map.refresh(), "changed");
            assertEquals(3, map.size());
            assertFalse(map.contains(parent.id()), "the closed parent is not in the map");
            assertAgreesWithKinesis(stream, map, 300);
        }
    }

    private static void assertAgreesWithKinesis(EmulatorStream stream, ShardMap map, int keys) {
        List<String> partitionKeys = new ArrayList<>();
        List<PutRecordsRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            String key = "public.orders:" + i + (i % 7 == 0 ? ":\u00e9\u00fc" : "");
            partitionKeys.add(key);
            entries.add(PutRecordsRequestEntry.builder().partitionKey(key).data(SdkBytes.fromUtf8String("{}")).build());
        }
        PutRecordsResponse response = stream.client().putRecords(b -> b.streamName(stream.name()).records(entries)).join();
        assertEquals(0, response.failedRecordCount());
        for (int i = 0; i < keys; i++) {
            assertEquals(response.records().get(i).shardId(), map.shardFor(partitionKeys.get(i)).id(),
                    "shard of " + partitionKeys.get(i));
        }
    }
}
