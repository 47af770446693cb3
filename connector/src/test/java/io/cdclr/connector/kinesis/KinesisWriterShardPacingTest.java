package io.cdclr.connector.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.StreamMode;

/** Per-shard token buckets: a shard at its limit waits on its own, the others' records go on. */
class KinesisWriterShardPacingTest {

    @Test
    void aHotShardWaitsOnItsOwnWhileAnotherShardsRecordsGoOn() throws Exception {
        var client = new StubStreamClient(StubStreamClient.summary(null, StreamMode.PROVISIONED), 2);
        List<String> completed = Collections.synchronizedList(new ArrayList<>());
        try (var writer = new KinesisWriter(TestConfigs.fast(Map.of(KinesisWriterConfig.SHARD_RECORDS_PER_SECOND, 100,
                KinesisWriterConfig.SHARD_RATE_LIMIT, "on")), client)) {
            List<String> hot = keysOf(client, "shardId-000000000000", 150);
            List<String> cold = keysOf(client, "shardId-000000000001", 40);
            for (String key : hot) { // submitted first: without per-shard pacing they would all go before the cold ones
                writer.submit(key, new byte[20], key, f -> completed.add(key));
            }
            for (String key : cold) {
                writer.submit(key, new byte[20], key, f -> completed.add(key));
            }
            assertTrue(writer.flush(Duration.ofSeconds(30)));
            int lastCold = -1;
            for (int i = 0; i < completed.size(); i++) {
                if (cold.contains(completed.get(i))) {
                    lastCold = i;
                }
            }
            System.out.println("hot shard pacing: last of 40 cold records completed at position " + lastCold + " of 190; "
                    + "hot shard waited " + writer.metrics().shards().byShard().get("shardId-000000000000").bucketWaits()
                    + " records");
            // The hot shard's bucket holds 50 records (half a second at 100/s); the rest of it waits, the cold shard does not.
            assertTrue(lastCold < 100, "cold records went on while the hot shard waited: last at " + lastCold);
            assertEquals(0, writer.metrics().shards().byShard().get("shardId-000000000001").bucketWaits());
            assertTrue(writer.metrics().shards().byShard().get("shardId-000000000000").bucketWaits() >= 90);
            assertEquals(190, writer.metrics().recordsSent());
        }
    }

    static List<String> keysOf(StubStreamClient client, String shardId, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            String key = "public.t:" + i;
            if (client.shardOf(key).equals(shardId)) {
                keys.add(key);
            }
        }
        return keys;
    }
}
