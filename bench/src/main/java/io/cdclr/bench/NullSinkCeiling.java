package io.cdclr.bench;

/**
 * The pipeline's own ceiling (issue 23): the tuned runner over the same backlog, writing to {@link NullKinesis}, which
 * answers PutRecords at once and keeps nothing, so neither the emulator nor its CPU bounds the rate. Changes/s: the
 * records the sink took over the time from its first to its last call; the run fails unless the sink took every change
 * the runner reports delivered, and at least the backlog.
 */
final class NullSinkCeiling {
    private NullSinkCeiling() {
    }

    static Row run(Harness h, String label, String slot, String table, String tables, long changes) throws Exception {
        try (NullKinesis sink = new NullKinesis(0, h.settings.shards)) {
            sink.countKeysStartingWith("public." + table);
            double cpu;
            double rss;
            String ready;
            long delivered;
            long started;
            try (Ours ours = Ours.start(h, label, Contender.NULL_SINK, h.settings.oursJavaOpts, h.settings.oursEnv, slot,
                    tables, "bench-null-" + h.suffix, sink.endpoint().toString())) {
                started = ours.proc.startedMillis;
                ours.awaitDelivered(changes + 1);
                cpu = ours.proc.cpuSeconds();
                rss = ours.proc.peakRssMiB();
                ready = ours.readyNote();
                delivered = ours.delivered();
                h.progress("[%s] ours → null sink: CPU by thread: %s", label, ours.proc.cpuByThread());
            }
            long workload = sink.recordsWithKeyPrefix();
            if (sink.records() != delivered || workload != changes) {
                throw new IllegalStateException(String.format("the null sink took %,d records (%,d of the workload's %,d changes)"
                        + " while the runner reports %,d delivered", sink.records(), workload, changes, delivered));
            }
            double seconds = Math.max(0.001, (sink.lastCallMillis() - sink.firstCallMillis()) / 1000.0);
            Row row = new Row(label, Contender.NULL_SINK, workload, sink.records() / seconds,
                    (sink.firstCallMillis() - started) / 1000.0, cpu, rss, null,
                    String.format("%,d records in %,d calls, %.1f MiB of data; changes/s from the first to the last call; %s",
                            sink.records(), sink.calls(), sink.dataBytes() / 1024.0 / 1024.0, ready));
            h.progress("[%s] ours → null sink: %,.0f changes/s, CPU %.1f s, peak RSS %.0f MiB", label,
                    row.changesPerSecond(), cpu, rss);
            return row;
        }
    }
}
