package io.cdclr.runner.engine;

import io.cdclr.connector.source.Wal2JsonSourceConnector;
import io.cdclr.connector.source.Wal2JsonSourceTask;
import java.util.List;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The wal2json source connector as the runner hosts it: each poll's changes reach the Debezium Engine as one record
 * (a {@link ChangeBatch}), not one record per change.
 *
 * <p>Why: the engine (3.6.1's {@code AsyncEmbeddedEngine}) hands every record to its record thread as a task of its
 * own and waits on each task's future, to run transformations the runner does not have. At a steady 2,000 changes a
 * second that hand-off was about a twentieth of the runner's CPU (docs/benchmarks.md, "Thirteenth round"). With one
 * record per poll it happens ten times a second. Under Kafka Connect the connector is unchanged: one record per change.
 *
 * <p>Offsets are unchanged too: the consumer marks each acknowledged change with its own offset (the committer's
 * {@code markProcessed(carrier, offsets)}), so the engine stores the same offsets it stored per record, and the
 * task, which reads back what was stored in {@code commit()}, confirms the same LSNs to the slot.
 */
public class BatchedWal2JsonSourceConnector extends Wal2JsonSourceConnector {
    @Override
    public Class<? extends Task> taskClass() {
        return BatchedTask.class;
    }

    /** The wal2json task, its poll wrapped in one carrier record. */
    public static class BatchedTask extends Wal2JsonSourceTask {
        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            List<SourceRecord> changes = super.poll();
            return changes == null || changes.isEmpty() ? changes : List.of(ChangeBatch.carrier(changes));
        }
    }
}
