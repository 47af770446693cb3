package io.cdclr.connector.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SourcePartitionTest {

    /**
     * Offset stores key offsets by the partition serialized as JSON, so its key order must be the same in every JVM
     * (Map.of's order is not: a restart would then miss its own stored offset and re-send from the slot).
     */
    @Test
    void partitionKeysHaveAFixedOrder() {
        Map<String, Object> partition = Wal2JsonSourceTask.sourcePartition("orders", "etl_slot_wal2json");
        assertEquals(List.of("database", "slot"), List.copyOf(partition.keySet()));
        assertEquals("orders", partition.get("database"));
        assertEquals("etl_slot_wal2json", partition.get("slot"));
    }
}
