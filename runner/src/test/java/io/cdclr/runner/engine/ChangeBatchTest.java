package io.cdclr.runner.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cdclr.connector.source.Wal2JsonSourceTask;
import io.debezium.embedded.DebeziumEngineCommon;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class ChangeBatchTest {
    private static final Map<String, Object> PARTITION = Wal2JsonSourceTask.sourcePartition("db", "slot");

    private static SourceRecord change(long lsn, String table) {
        return new SourceRecord(PARTITION, Map.of("lsn", lsn, "seq", lsn * 10), "public." + table, null, "key" + lsn,
                null, ("{\"lsn\":" + lsn + "}").getBytes());
    }

    @Test
    void carrierStandsForItsChangesAtTheLastOnesPosition() {
        List<SourceRecord> changes = List.of(change(1, "a"), change(2, "b"), change(3, "c"));
        SourceRecord carrier = ChangeBatch.carrier(new ArrayList<>(changes));
        assertEquals(changes, ChangeBatch.changesOf(carrier));
        assertSame(changes.get(2).sourceOffset(), carrier.sourceOffset());
        assertEquals(PARTITION, carrier.sourcePartition());
        assertEquals("public.c", carrier.topic());
        assertNull(carrier.key(), "a carrier is no change of its own");
    }

    @Test
    void aPlainRecordStandsForItself() {
        SourceRecord record = change(7, "a");
        assertEquals(List.of(record), ChangeBatch.changesOf(record));
    }

    @Test
    void changesOfTwoSourcePartitionsAreRefused() {
        SourceRecord other = new SourceRecord(Wal2JsonSourceTask.sourcePartition("db", "other"), Map.of("lsn", 2L),
                "public.a", null, "k", null, new byte[0]);
        assertThrows(IllegalStateException.class, () -> ChangeBatch.carrier(List.of(change(1, "a"), other)));
    }

    /** The loss this guards against: marking the carrier (its last change) when only a change before it is acked. */
    @Test
    void aChangeInsideABatchIsMarkedWithItsOwnOffset() throws InterruptedException {
        List<SourceRecord> changes = List.of(change(1, "a"), change(2, "b"), change(3, "c"));
        SourceRecord carrierRecord = ChangeBatch.carrier(changes);
        RecordChangeEvent<SourceRecord> carrier = () -> carrierRecord;
        RecordingCommitter committer = new RecordingCommitter();

        ChangeBatch.markProcessed(committer, carrier, changes.get(1));
        assertSame(carrier, committer.marked.get(0));
        assertEquals(changes.get(1).sourceOffset(), committer.offsets.get(0));

        ChangeBatch.markProcessed(committer, carrier, changes.get(2));
        assertSame(carrier, committer.marked.get(1));
        assertNull(committer.offsets.get(1), "the last change's offset is the carrier's own");
        assertEquals(2, committer.marked.size());
    }

    @Test
    void aPlainRecordIsMarkedAsItIs() throws InterruptedException {
        SourceRecord record = change(5, "a");
        RecordChangeEvent<SourceRecord> event = () -> record;
        RecordingCommitter committer = new RecordingCommitter();
        ChangeBatch.markProcessed(committer, event, record);
        assertEquals(List.of(event), committer.marked);
        assertNull(committer.offsets.get(0));
    }

    /** Records what the consumer asks of the engine's committer (markProcessed with or without offsets). */
    private static final class RecordingCommitter
            implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<RecordChangeEvent<SourceRecord>> marked = new ArrayList<>();
        final List<Map<String, Object>> offsets = new ArrayList<>();

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            marked.add(record);
            offsets.add(null);
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets sourceOffsets) {
            marked.add(record);
            offsets.add(((DebeziumEngineCommon.SourceRecordOffsets) sourceOffsets).getOffsets());
        }

        @Override
        public void markBatchFinished() {
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            return new DebeziumEngineCommon.SourceRecordOffsets();
        }
    }
}
