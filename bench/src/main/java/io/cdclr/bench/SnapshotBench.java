package io.cdclr.bench;

import io.cdclr.bench.Arrivals.Capture;
import io.cdclr.bench.Kinesis.Arrived;
import io.cdclr.connector.snapshot.SnapshotRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code BENCH_MODE=snapshot bench/run.sh} (issue 21): an incremental snapshot of a table filled before the runner's
 * slot existed (BENCH_SNAPSHOT_ROWS, default 1,000,000 rows of the orders shape), in one run and beside:
 * <ul>
 *   <li>{@code COPY ... TO STDOUT} of the same table (PgJDBC's copy API into a null stream): the database's own read rate;
 *   <li>the decode ceiling: pg_recvlogical decoding the same rows' INSERTs with wal2json (a slot created before the fill);
 *   <li>ours, snapshot only: the runner streaming (idle) asked for the snapshot with the documented SQL request;
 *   <li>the sink ceiling: a plain PutRecords loop replaying exactly the records that run wrote;
 *   <li>ours, snapshot with a concurrent load: the same, while BENCH_RATE (default 2,000) inserts/s go into another
 *       captured table; its rows' commit-to-Kinesis latency during the snapshot is the streaming latency.
 * </ul>
 * Snapshot rows/s: snapshot rows over the time from the request to the last snapshot row arriving in Kinesis.
 */
final class SnapshotBench {
    private static final Pattern ID = Pattern.compile("\"name\":\"id\",\"type\":\"[^\"]*\",\"value\":(\\d+)");

    private final Harness b;
    private final int rows = Settings.intEnv("BENCH_SNAPSHOT_ROWS", 1_000_000);
    /** BENCH_SNAPSHOT_CHUNK: the request's chunk_size; 0 (the default) leaves the runner's snapshot.chunk.size. */
    private final int chunkSize = Settings.intEnv("BENCH_SNAPSHOT_CHUNK", 0);

    SnapshotBench(Harness harness) {
        this.b = harness;
    }

    void run() throws Exception {
        Machine machine = Machine.now();
        String label = String.format("snapshot %,d rows", rows)
                + (chunkSize == 0 ? "" : String.format(", chunks of %,d", chunkSize));
        b.progress("machine: %s", machine.describe());
        b.progress("snapshot mode: %,d rows; chunk size %s; concurrent load %,d inserts/s; %d shards", rows,
                chunkSize == 0 ? "the runner's default" : Integer.toString(chunkSize), b.settings.rate, b.settings.shards);
        String table = "bench_snap_" + b.suffix;
        String load = "bench_snapload_" + b.suffix;
        b.table(table);
        b.table(load);
        String tables = "public." + table + ",public." + load + ",public." + b.endTable;

        String recvSlot = b.slot("bench_recv_snap");
        b.pg.createSlot(recvSlot, "wal2json");
        b.progress("[%s] filling %s before the runner's slot exists", label, table);
        long t0 = System.nanoTime();
        b.pg.insertRows(table, 1, rows);
        String endLsn = b.pg.currentLsn();
        b.pg.execute("VACUUM ANALYZE " + table); // reltuples for the rows-left estimate, visibility map as in production
        b.progress("[%s] filled in %.1f s", label, (System.nanoTime() - t0) / 1e9);

        long c0 = System.nanoTime();
        long copied = b.pg.copyOut("COPY public." + table + " TO STDOUT");
        double copySeconds = (System.nanoTime() - c0) / 1e9;
        b.progress("[%s] COPY TO STDOUT: %,d rows in %.2f s: %,.0f rows/s", label, copied, copySeconds, copied / copySeconds);
        if (b.settings.ceilings) {
            b.rows.add(DecodeCeiling.run(b, label, recvSlot, endLsn, tables, rows));
        }
        b.pg.dropSlot(recvSlot);

        String quietSlot = b.slot("bench_ours_snap");
        b.pg.createSlot(quietSlot, "wal2json");
        Capture quiet = runOurs(label, quietSlot, tables, table, load, false);
        b.pg.dropSlot(quietSlot);
        b.rows.add(quiet.row());
        if (b.settings.ceilings) {
            b.rows.add(SinkCeiling.run(b, label, quiet.records()));
        }
        String loadSlot = b.slot("bench_ours_snapload");
        b.pg.createSlot(loadSlot, "wal2json");
        b.rows.add(runOurs(label + " + load", loadSlot, tables, table, load, true).row());
        b.pg.dropSlot(loadSlot);

        Report report = new Report(b.rows, machine, Machine.loadAverage(),
                Duration.ofNanos(System.nanoTime() - b.startedNanos));
        report.print(System.out);
        System.out.printf("COPY public.%s TO STDOUT: %,d rows in %.2f s = %,.0f rows/s (same table, same run)%n", table,
                copied, copySeconds, copied / copySeconds);
        report.write(b.settings.results);
    }

    /** The runner, streaming, asked for a snapshot of {@code table}; optionally with the paced load on {@code load}. */
    private Capture runOurs(String label, String slot, String tables, String table, String load, boolean withLoad)
            throws Exception {
        String stream = "bench-ours-" + b.suffix;
        b.freshEmulator(label);
        b.kinesis.createStream(stream, b.settings.shards);
        try {
            try (Ours ours = Ours.start(b, label, slot, tables, stream, b.settings.endpoint)) {
                Proc proc = ours.proc;
                ours.awaitReady();
                b.writeSentinel(); // a probe: once delivered, the runner streams
                ours.awaitDelivered(1);
                double cpuBefore = proc.cpuSeconds();

                AtomicBoolean stopLoad = new AtomicBoolean();
                AtomicLong loadWritten = new AtomicLong();
                Thread loader = null;
                if (withLoad) {
                    loader = new Thread(() -> {
                        try (Postgres pg = new Postgres()) {
                            long next = 1;
                            while (!stopLoad.get()) {
                                long n = pg.pacedInserts(load, next, b.settings.rate, 2, x -> { });
                                next += n;
                                loadWritten.addAndGet(n);
                            }
                        } catch (Exception e) {
                            b.progress("[%s] load failed: %s", label, e);
                        }
                    }, "snapshot-bench-load");
                    loader.start();
                    Thread.sleep(10_000); // the load alone first: the streaming latency without a snapshot, for comparison
                }
                SnapshotRequest request = SnapshotRequest.start(List.of("public." + table), chunkSize);
                long requestedMillis = System.currentTimeMillis();
                b.pg.execute(SnapshotRequest.sql(request));
                b.progress("[%s] ours: requested %s", label, SnapshotRequest.sql(request));
                b.waitFor(label, "ours", proc, () -> ours.metric("cdc_snapshot_running") == 0
                                && ours.metric("cdc_snapshot_rows_total") >= rows,
                        () -> String.format("snapshot rows %,d / %,d, chunks %,d, rows left ~%,d",
                                ours.metric("cdc_snapshot_rows_total"), rows, ours.metric("cdc_snapshot_chunks_total"),
                                ours.metric("cdc_snapshot_rows_left_estimate")));
                stopLoad.set(true);
                if (loader != null) {
                    loader.join();
                }
                long expected = 1 + rows + loadWritten.get();
                ours.awaitDelivered(expected);
                double cpu = proc.cpuSeconds() - cpuBefore;
                double rss = proc.peakRssMiB();
                proc.close();
                List<Arrived> all = b.kinesis.readAll(stream);
                all.sort(Comparator.comparingLong(Arrived::arrivalMillis));
                return new Capture(row(label, table, load, all, requestedMillis, cpu, rss, withLoad), all);
            }
        } finally {
            b.kinesis.deleteStream(stream);
        }
    }

    private Row row(String label, String table, String load, List<Arrived> all, long requestedMillis, double cpu,
                    double rss, boolean withLoad) {
        String snapshotTable = "\"table\":\"" + table + "\"";
        String loadTable = "\"table\":\"" + load + "\"";
        List<Arrived> snapshot = new ArrayList<>();
        List<Arrived> streamed = new ArrayList<>();
        Set<Long> ids = new HashSet<>();
        for (Arrived r : all) {
            String json = new String(r.data(), StandardCharsets.UTF_8);
            if (json.contains(snapshotTable)) {
                snapshot.add(r);
                Matcher m = ID.matcher(json);
                if (m.find()) {
                    ids.add(Long.parseLong(m.group(1)));
                }
            } else if (json.contains(loadTable)) {
                streamed.add(r);
            }
        }
        if (snapshot.isEmpty()) {
            throw new IllegalStateException("no snapshot row arrived in Kinesis");
        }
        long first = snapshot.get(0).arrivalMillis();
        long last = snapshot.get(snapshot.size() - 1).arrivalMillis();
        double seconds = Math.max(0.001, (last - requestedMillis) / 1000.0);
        Latency latency = null;
        String baseline = "";
        if (withLoad) {
            // Streaming latency during the snapshot: the load's changes that arrived while snapshot rows were arriving.
            long[] millis = streamed.stream().filter(r -> r.arrivalMillis() >= first && r.arrivalMillis() <= last)
                    .mapToLong(r -> r.arrivalMillis() - Arrivals.commitMillis(Contender.OURS, r.data())).sorted().toArray();
            latency = millis.length == 0 ? null : Latency.of(millis);
            long[] before = streamed.stream().filter(r -> r.arrivalMillis() < requestedMillis)
                    .mapToLong(r -> r.arrivalMillis() - Arrivals.commitMillis(Contender.OURS, r.data())).sorted().toArray();
            if (before.length > 0) {
                baseline = String.format("; the same load before the snapshot (%,d changes): latency %s", before.length,
                        Latency.of(before));
            }
        }
        String note = String.format("%,d snapshot records, %,d distinct ids of %,d rows%s; first snapshot row %.2f s after"
                        + " the request; rows/s from the request to the last snapshot row; CPU during the snapshot",
                snapshot.size(), ids.size(), rows, ids.size() == rows ? "" : " (MISSING ROWS)",
                (first - requestedMillis) / 1000.0)
                + (withLoad ? String.format("; %,d streamed changes of the load, latency of those during the snapshot",
                streamed.size()) + baseline : "");
        Row row = new Row(label, Contender.OURS, snapshot.size(), snapshot.size() / seconds,
                (first - requestedMillis) / 1000.0, cpu, rss, latency, note);
        b.progress("[%s] ours: %,.0f snapshot rows/s (%s)%s", label, row.changesPerSecond(), note,
                latency == null ? "" : ", streaming latency " + latency);
        return row;
    }
}
