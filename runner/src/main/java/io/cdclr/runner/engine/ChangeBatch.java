package io.cdclr.runner.engine;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * One poll's changes travelling through the Debezium Engine as a single record (see
 * {@link BatchedWal2JsonSourceConnector}). The carrier record has the source partition, offset and topic of the last
 * change, so an engine that marks the carrier marks the whole batch; {@link KinesisChangeConsumer} unpacks it and
 * marks change by change through the committer's offsets.
 */
public final class ChangeBatch {
    private final List<SourceRecord> changes;

    private ChangeBatch(List<SourceRecord> changes) {
        this.changes = changes;
    }

    /** The carrier of {@code changes} (not empty, one source partition, in stream order). */
    static SourceRecord carrier(List<SourceRecord> changes) {
        SourceRecord last = changes.get(changes.size() - 1);
        Map<String, ?> partition = last.sourcePartition();
        for (SourceRecord change : changes) {
            // The committer stores a marked change's offset under the carrier's partition.
            if (change.sourcePartition() != partition && !partition.equals(change.sourcePartition())) {
                throw new IllegalStateException("one poll returned changes of two source partitions: " + partition
                        + " and " + change.sourcePartition());
            }
        }
        return new SourceRecord(partition, last.sourceOffset(), last.topic(), null, null, null, null,
                new ChangeBatch(Collections.unmodifiableList(changes)));
    }

    /** The changes a record from the engine stands for: a carrier's batch, or the record itself. */
    static List<SourceRecord> changesOf(SourceRecord record) {
        return record.value() instanceof ChangeBatch batch ? batch.changes : List.of(record);
    }

    /**
     * Marks {@code change}, which came in {@code carrier}, processed: the committer keeps the latest offset, so every
     * change before it is marked too. A change in a batch is marked with its own offset under the carrier, never with
     * the carrier's (the batch's last change), which may not be in Kinesis yet.
     */
    static void markProcessed(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer,
                              RecordChangeEvent<SourceRecord> carrier, SourceRecord change)
            throws InterruptedException {
        if (change.sourceOffset() == carrier.record().sourceOffset()) {
            committer.markProcessed(carrier); // the record itself, or its batch's last change: the carrier's offset
            return;
        }
        DebeziumEngine.Offsets offsets = committer.buildOffsets();
        change.sourceOffset().forEach(offsets::set);
        committer.markProcessed(carrier, offsets);
    }

    @Override
    public String toString() {
        return "ChangeBatch[" + changes.size() + " changes]";
    }
}
