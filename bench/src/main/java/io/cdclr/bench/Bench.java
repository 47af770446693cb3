package io.cdclr.bench;

import io.cdclr.bench.Arrivals.Capture;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The benchmark harness (issues 11 and 23): one run, one PostgreSQL, one Kinesis emulator, the same workloads for every
 * contender. Started by bench/run.sh, which brings the services up, builds this module and fetches Debezium Server.
 *
 * <p>For each backlog workload, every contender gets its own replication slot, all created before the workload is
 * written; the contenders then run one after the other over the same backlog, each into its own fresh stream:
 * <ul>
 *   <li>{@link DecodeCeiling}: pg_recvlogical (wal2json format-version 2, our options) writing to /dev/null;
 *   <li>{@link Ours}: the runner JAR;
 *   <li>{@link SinkCeiling}: a plain loop of 500-record PutRecords calls replaying exactly the records the runner wrote;
 *   <li>{@link NullSinkCeiling}: the runner again, into {@link NullKinesis} (the pipeline's own ceiling);
 *   <li>{@link Peer}: Debezium Server 3.6.1.Final (pgoutput, Kinesis sink).
 * </ul>
 * Then {@link Steady}: the runner and Debezium Server each under a fixed offered load at several rates, measured over
 * a window after a warm-up. {@code BENCH_MODE=snapshot} runs {@link SnapshotBench} instead.
 */
public final class Bench {
    private final Harness h;
    private final Settings s;

    private Bench(Harness h) {
        this.h = h;
        this.s = h.settings;
    }

    public static void main(String[] args) throws Exception {
        int exit = 0;
        try (Harness harness = new Harness(new Settings())) {
            try {
                if ("snapshot".equals(System.getenv("BENCH_MODE"))) {
                    new SnapshotBench(harness).run(); // issue 21: BENCH_MODE=snapshot
                } else {
                    new Bench(harness).run();
                }
            } catch (Exception e) {
                e.printStackTrace(System.out);
                exit = 1;
            }
        }
        System.exit(exit);
    }

    private void run() throws Exception {
        Machine machine = Machine.now();
        h.progress("machine: %s", machine.describe());
        h.progress("workloads: orders mix %,d inserts + %,d updates + %,d deletes; one transaction of %,d rows; steady %s "
                        + "changes/s, %d s window after %d s warm-up each, %d session(s) of each contender;"
                        + " %d shards per stream; peer %s",
                s.inserts, s.updates, s.deletes, s.bigRows, s.steadyRates, s.steadySeconds, s.steadyWarmupSeconds,
                s.steadyRepeat, s.shards,
                s.peer ? "Debezium Server 3.6.1.Final" : "off (BENCH_PEER=0)");
        backlog("orders mix", "bench_orders_" + h.suffix, s.inserts + s.updates + s.deletes,
                table -> h.pg.mixedWorkload(table, s.inserts, s.updates, s.deletes));
        if (s.bigRows > 0) {
            backlog("1M-row txn", "bench_big_" + h.suffix, s.bigRows, table -> h.pg.insertRows(table, 1, s.bigRows));
        }
        if (s.steady()) {
            new Steady(h).run();
        }
        Report report = new Report(h.rows, machine, Machine.loadAverage(), Duration.ofNanos(System.nanoTime() - h.startedNanos));
        report.print(System.out);
        report.write(s.results);
    }

    interface Workload {
        void write(String table) throws Exception;
    }

    /** One backlog workload: every contender's slot made first, the workload committed, then the contenders in turn. */
    private void backlog(String label, String table, long changes, Workload workload) throws Exception {
        String tag = label.startsWith("1M") ? "big" : "mix";
        h.progress("[%s] preparing %s, its slots and streams", label, table);
        h.table(table);
        String tables = "public." + table + ",public." + h.endTable;
        String recvSlot = h.slot("bench_recv_" + tag);
        String nullSlot = s.ceilings ? h.slot("bench_null_" + tag) : null;
        List<String> oursSlots = new ArrayList<>();
        List<String> peerSlots = new ArrayList<>();
        for (int i = 1; i <= s.repeat; i++) {
            String run = s.repeat == 1 ? "" : "_" + i;
            oursSlots.add(h.slot("bench_ours_" + tag + run));
            if (s.peer) {
                peerSlots.add(h.slot("bench_peer_" + tag + run));
            }
        }
        String plainSlot = s.oursPlain && tag.equals("mix") ? h.slot("bench_plain_" + tag) : null;
        h.pg.createSlot(recvSlot, "wal2json");
        for (String slot : oursSlots) {
            h.pg.createSlot(slot, "wal2json");
        }
        for (String slot : new String[] {plainSlot, nullSlot}) {
            if (slot != null) {
                h.pg.createSlot(slot, "wal2json");
            }
        }
        String publication = null;
        if (s.peer) {
            publication = h.publication("bench_pub_" + tag, table);
            for (String slot : peerSlots) {
                h.pg.createSlot(slot, "pgoutput");
            }
        }
        h.progress("[%s] writing the workload: %,d changes", label, changes);
        long t0 = System.nanoTime();
        workload.write(table);
        String endLsn = h.pg.currentLsn();
        h.writeSentinel();
        h.progress("[%s] workload committed in %.1f s (up to LSN %s); every contender now reads the same backlog",
                label, (System.nanoTime() - t0) / 1e9, endLsn);

        if (s.ceilings) {
            h.rows.add(DecodeCeiling.run(h, label, recvSlot, endLsn, tables, changes));
        }
        h.pg.dropSlot(recvSlot);

        List<Capture> oursRuns = new ArrayList<>();
        List<Capture> peerRuns = new ArrayList<>();
        for (int i = 0; i < s.repeat; i++) {
            oursRuns.add(Ours.backlog(h, label, Contender.OURS, s.oursJavaOpts, s.oursEnv, oursSlots.get(i), table, tables, changes + 1));
            h.pg.dropSlot(oursSlots.get(i));
            if (i == 0 && s.ceilings) {
                h.rows.add(SinkCeiling.run(h, label, oursRuns.get(0).records()));
                h.rows.add(NullSinkCeiling.run(h, label, nullSlot, table, tables, changes));
                h.pg.dropSlot(nullSlot);
            }
            if (i == 0 && plainSlot != null) {
                h.rows.add(Ours.backlog(h, label, Contender.OURS_PLAIN, "", "", plainSlot, table, tables, changes + 1).row());
                h.pg.dropSlot(plainSlot);
            }
            if (s.peer) {
                peerRuns.add(Peer.backlog(h, label, peerSlots.get(i), publication, table, changes));
                h.pg.dropSlot(peerSlots.get(i));
            }
        }
        h.rows.add(medianByCpu(oursRuns));
        if (s.peer) {
            h.rows.add(medianByCpu(peerRuns));
        }
        h.pg.execute("DROP TABLE IF EXISTS " + table);
    }

    /** The run with the median CPU (the lower middle one of an even count), noting every run's CPU when there were several. */
    static Row medianByCpu(List<Capture> runs) {
        List<Row> rows = runs.stream().map(Capture::row).toList();
        Row median = Row.median(rows, Row::cpuSeconds);
        if (runs.size() == 1) {
            return median;
        }
        String cpus = rows.stream().map(r -> String.format("%.1f", r.cpuSeconds())).collect(Collectors.joining(", "));
        String note = String.format("median CPU of %d runs (%s s, in run order)", runs.size(), cpus)
                + (median.note() == null || median.note().isBlank() ? "" : "; " + median.note());
        return median.withNote(note);
    }

    static String today() {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm"));
    }
}
