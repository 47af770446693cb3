package io.cdclr.bench;

import io.cdclr.bench.Kinesis.Arrived;
import java.util.List;

/**
 * The sink ceiling: a plain loop of 500-record PutRecords calls into the emulator, replaying exactly the records the
 * runner wrote (same keys, data, sizes): what kinesalite takes one call at a time.
 */
final class SinkCeiling {
    private static final double MIB = 1024.0 * 1024.0;

    private SinkCeiling() {
    }

    static Row run(Harness h, String label, List<Arrived> records) throws Exception {
        String stream = "bench-sink-" + h.suffix;
        h.freshEmulator(label);
        h.kinesis.createStream(stream, h.settings.shards);
        try {
            h.progress("[%s] sink ceiling: plain loop of 500-record PutRecords calls replaying the runner's %,d records",
                    label, records.size());
            long[] calls = {0};
            long nanos = h.kinesis.plainPutRecordsLoop(stream, records, () -> {
                if (++calls[0] % 100 == 0) {
                    h.progress("[%s] sink ceiling: %,d records sent", label, Math.min(records.size(), calls[0] * 500));
                }
            });
            double perSecond = records.size() / (nanos / 1e9);
            long bytes = records.stream().mapToLong(Arrived::size).sum();
            Row row = new Row(label, Contender.SINK, records.size(), perSecond, null, null, null, null,
                    String.format("%.2f s, %.2f MiB/s, mean record %.0f B", nanos / 1e9, bytes / MIB / (nanos / 1e9),
                            (double) bytes / Math.max(1, records.size())));
            h.progress("[%s] sink ceiling: %,.0f records/s", label, perSecond);
            return row;
        } finally {
            h.kinesis.deleteStream(stream);
        }
    }
}
