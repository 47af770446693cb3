package io.cdclr.bench;

import io.cdclr.bench.Kinesis.Arrived;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Steady state (issue 23): each contender, started once and streaming, is offered a fixed load at each rate of
 * BENCH_STEADY_RATES in turn: BENCH_STEADY_WARMUP_SECONDS unmeasured, then a window of BENCH_STEADY_SECONDS. Over the
 * window only: CPU seconds (from /proc, at the window's start and end) per change that arrived in Kinesis in it, the peak and the
 * final resident memory (VmRSS sampled 4 times a second), and commit → Kinesis latency of those changes. Start-up (to
 * the first change delivered) and the first warm-up are reported apart, in the note. BENCH_STEADY_REPEAT runs each
 * contender's session that many times, alternating, and reports the session with the median CPU per change.
 */
final class Steady {
    private final Harness h;
    private final Settings s;
    private final String table;
    private long nextId = 1;

    Steady(Harness h) {
        this.h = h;
        this.s = h.settings;
        this.table = "bench_steady_" + h.suffix;
    }

    static String workload(int rate) {
        return String.format(Locale.ROOT, "steady %,d/s", rate);
    }

    void run() throws Exception {
        h.table(table);
        String tables = "public." + table + ",public." + h.endTable;
        // Each contender's sessions alternate (ours, peer, ours, peer, ...), so that both see the same phases of a
        // noisy machine; one window of each per rate cannot decide a ratio near its target (docs/benchmarks.md).
        List<List<Row>> oursRuns = new ArrayList<>();
        List<List<Row>> peerRuns = new ArrayList<>();
        for (int i = 1; i <= s.steadyRepeat; i++) {
            String run = s.steadyRepeat == 1 ? "" : "_" + i;
            if (s.steadyRepeat > 1) {
                h.progress("[steady] session %d of %d", i, s.steadyRepeat);
            }
            oursRuns.add(ours(tables, run));
            if (s.peer) {
                peerRuns.add(peer(run));
            }
        }
        for (int rate = 0; rate < s.steadyRates.size(); rate++) {
            h.rows.add(medianByCpuPerChange(oursRuns, rate));
            if (s.peer) {
                h.rows.add(medianByCpuPerChange(peerRuns, rate));
            }
        }
    }

    /** One session of the runner: its own slot and stream, started once, every rate in turn; a row per rate. */
    private List<Row> ours(String tables, String run) throws Exception {
        String oursSlot = h.slot("bench_ours_steady" + run);
        h.pg.createSlot(oursSlot, "wal2json");
        String stream = "bench-ours-" + h.suffix + run.replace('_', '-');
        h.freshEmulator("steady");
        h.kinesis.createStream(stream, s.shards);
        try {
            Session session = new Session(Contender.OURS) {
                Ours ours;

                @Override
                Proc start() throws Exception {
                    ours = Ours.start(h, "steady", oursSlot, tables, stream, s.endpoint);
                    return ours.proc;
                }

                @Override
                void awaitDelivered(long changes, int sentinels) throws Exception {
                    ours.awaitDelivered(changes + sentinels);
                }

                @Override
                long putRecordsCalls() {
                    return ours.metric("cdc_kinesis_put_records_seconds_count");
                }
            };
            return measure(session, stream);
        } finally {
            h.kinesis.deleteStream(stream);
            h.pg.dropSlot(oursSlot);
        }
    }

    /** One session of Debezium Server: its own slot, publication and streams, started once, every rate in turn. */
    private List<Row> peer(String run) throws Exception {
        String peerSlot = h.slot("bench_peer_steady" + run);
        String publication = h.publication("bench_pub_steady" + run, table);
        h.pg.createSlot(peerSlot, "pgoutput");
        List<String> streams = Peer.streams(h, table);
        h.freshEmulator("steady");
        h.kinesis.createStream(streams.get(0), s.shards);
        h.kinesis.createStream(streams.get(1), 1);
        try {
            Session session = new Session(Contender.PEER) {
                Peer peer;

                @Override
                Proc start() throws Exception {
                    peer = Peer.start(h, "steady", peerSlot, publication, table);
                    return peer.proc;
                }

                @Override
                void awaitDelivered(long changes, int sentinels) throws Exception {
                    peer.awaitSentinels(sentinels, "waiting for sentinel " + sentinels);
                }
            };
            return measure(session, streams.get(0));
        } finally {
            h.kinesis.deleteStream(streams.get(0));
            h.kinesis.deleteStream(streams.get(1));
            h.pg.dropSlot(peerSlot);
        }
    }

    /**
     * The session with the median CPU per change at one rate (the lower middle one of an even count), with every
     * session's CPU per change, p99 latency and peak RSS in its note when there were several.
     */
    static Row medianByCpuPerChange(List<List<Row>> sessions, int rate) {
        List<Row> runs = sessions.stream().map(rows -> rows.get(rate)).toList();
        if (runs.size() == 1) {
            return runs.get(0);
        }
        Row median = Row.median(runs, Row::cpuPer100k);
        String note = String.format(Locale.ROOT, "median CPU per change of %d sessions (in session order: %s CPU s"
                        + " per 100k; p99 %s ms; peak RSS %s MiB); the rest of this note is that session's; %s",
                runs.size(),
                joined(runs, r -> String.format(Locale.ROOT, "%.2f", r.cpuPer100k())),
                joined(runs, r -> r.latency() == null ? "-" : Long.toString(r.latency().p99())),
                joined(runs, r -> String.format(Locale.ROOT, "%.0f", r.peakRssMiB())), median.note());
        return median.withNote(note);
    }

    private static String joined(List<Row> runs, Function<Row, String> value) {
        return runs.stream().map(value).collect(Collectors.joining(", "));
    }

    /** One contender's process: started, and followed until it delivered so many changes and sentinel rows. */
    abstract static class Session {
        final Contender who;

        Session(Contender who) {
            this.who = who;
        }

        abstract Proc start() throws Exception;

        abstract void awaitDelivered(long changes, int sentinels) throws Exception;

        /** PutRecords calls made so far, or -1 when the contender does not say. */
        long putRecordsCalls() {
            return -1;
        }
    }

    private record Window(int rate, long startMillis, long endMillis, double cpu, double jitCpu, double peakRssMiB, double endRssMiB) {
    }

    /** One session: the contender started, every rate's warm-up and window in turn; a row per rate, in rate order. */
    private List<Row> measure(Session session, String stream) throws Exception {
        List<Row> rows = new ArrayList<>();
        List<Window> windows = new ArrayList<>();
        long written = 0;
        String startup;
        Proc proc = session.start();
        try {
            h.writeSentinel(); // a probe: once delivered, the contender streams
            session.awaitDelivered(0, 1);
            double startupCpu = proc.cpuSeconds();
            double startupSeconds = (System.nanoTime() - proc.startedNanos) / 1e9;
            double warmupCpu = Double.NaN;
            for (int rate : s.steadyRates) {
                String label = "steady] [" + session.who.label;
                h.progress("[%s] %,d changes/s: %d s warm-up, then a %d s window", label, rate, s.steadyWarmupSeconds, s.steadySeconds);
                double before = proc.cpuSeconds();
                written += h.pg.pacedInserts(table, nextId + written, rate, s.steadyWarmupSeconds, n -> { });
                double cpuStart = proc.cpuSeconds();
                double jitStart = proc.compilerCpuSeconds();
                Map<String, Double> threadsAtStart = proc.cpuByThreadName();
                long callsAtStart = session.putRecordsCalls();
                if (Double.isNaN(warmupCpu)) {
                    warmupCpu = cpuStart - before;
                }
                long startMillis = System.currentTimeMillis();
                try (RssSampler rss = new RssSampler(proc)) {
                    written += h.pg.pacedInserts(table, nextId + written, rate, s.steadySeconds, n -> { });
                    double cpu = proc.cpuSeconds() - cpuStart;
                    double jit = proc.compilerCpuSeconds() - jitStart;
                    windows.add(new Window(rate, startMillis, System.currentTimeMillis(), cpu, jit, rss.peakMiB(), proc.rssMiB()));
                    long calls = callsAtStart < 0 ? -1 : session.putRecordsCalls() - callsAtStart;
                    h.progress("[%s] %,d changes/s: window CPU %.2f s (JIT compiler threads %.2f s), peak RSS %.0f MiB%s; by thread: %s",
                            label, rate, cpu, jit, rss.peakMiB(), calls < 0 ? "" : String.format(Locale.ROOT,
                                    ", %,d PutRecords calls (%.1f/s)", calls, calls / (double) s.steadySeconds),
                            proc.cpuByThreadSince(threadsAtStart));
                }
            }
            startup = String.format(Locale.ROOT, "start-up apart: first change %.1f s after start, %.1f CPU s until then; "
                    + "first warm-up (%d s at %,d/s) %.1f CPU s", startupSeconds, startupCpu, s.steadyWarmupSeconds,
                    s.steadyRates.get(0), warmupCpu);
            h.writeSentinel();
            session.awaitDelivered(written, 2);
            h.progress("[steady] %s: CPU by thread: %s", session.who.label, proc.cpuByThread());
        } finally {
            proc.close();
        }
        nextId += written;
        List<Arrived> records = Arrivals.ofTable(h.kinesis.readAll(stream), table);
        if (records.size() < written) {
            throw new IllegalStateException(session.who + " wrote " + records.size() + " of " + written + " changes to " + stream);
        }
        for (Window w : windows) {
            // Latency over the changes committed in the window; CPU over the changes that arrived in it: the work the
            // CPU of the window did, also when a contender falls behind the offered load.
            List<Arrived> committed = records.stream().filter(r -> {
                long commit = Arrivals.commitMillis(session.who, r.data());
                return commit >= w.startMillis && commit < w.endMillis;
            }).toList();
            long arrived = records.stream().filter(r -> r.arrivalMillis() >= w.startMillis && r.arrivalMillis() < w.endMillis).count();
            double seconds = (w.endMillis - w.startMillis) / 1000.0;
            Latency latency = committed.isEmpty() ? null : Latency.of(Arrivals.latencies(session.who, committed));
            Row row = new Row(workload(w.rate), session.who, arrived, arrived / seconds, null, w.cpu, w.peakRssMiB,
                    latency, String.format(Locale.ROOT, "window %.0f s after %d s warm-up: %,d changes committed, %,d arrived"
                            + " (changes, changes/s and CPU per change count those); of the window's CPU, JIT compiler threads"
                            + " %.2f s (%.2f s per 100k changes without them); peak RSS (VmRSS) in the window, %.0f MiB at its"
                            + " end; latency of the changes committed in it; %s", seconds, s.steadyWarmupSeconds,
                            committed.size(), arrived, w.jitCpu, (w.cpu - w.jitCpu) / Math.max(1, arrived) * 100_000,
                            w.endRssMiB, startup));
            h.progress("[%s] %s: %,d changes arrived in the window (%,d committed), %.2f CPU s per 100k, peak RSS %.0f MiB, latency %s",
                    row.workload(), session.who.label, arrived, committed.size(), row.cpuPer100k(), w.peakRssMiB, latency);
            rows.add(row);
        }
        return rows;
    }

    /** The highest VmRSS of a process while it is open, sampled 4 times a second. */
    private static final class RssSampler implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stop;
        private volatile double peak;

        RssSampler(Proc proc) {
            thread = new Thread(() -> {
                while (!stop) {
                    try {
                        peak = Math.max(peak, proc.rssMiB());
                        Thread.sleep(250);
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "rss-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        double peakMiB() {
            return peak;
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
        }
    }
}
