package io.cdclr.bench;

import io.cdclr.bench.Arrivals.Capture;
import io.cdclr.bench.Kinesis.Arrived;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The runner under test ({@code java <options> -jar cdc-runner.jar}, configured by environment only): one started
 * process, followed through its /metrics page ({@code cdc_ready}, {@code cdc_changes_delivered_total}, which counts
 * changes Kinesis acknowledged).
 */
final class Ours implements AutoCloseable {
    final Proc proc;
    final Contender who;
    private final Harness h;
    private final String label;
    private final URI metrics;
    private long readyNanos;
    private double cpuAtReady = Double.NaN;

    private Ours(Harness h, String label, Contender who, Proc proc, URI metrics) {
        this.h = h;
        this.label = label;
        this.who = who;
        this.proc = proc;
        this.metrics = metrics;
    }

    /** Starts the tuned runner (BENCH_OURS_JAVA_OPTS, BENCH_OURS_ENV) on {@code slot}, writing to {@code stream} at {@code endpoint}. */
    static Ours start(Harness h, String label, String slot, String tables, String stream, String endpoint) throws IOException {
        return start(h, label, Contender.OURS, h.settings.oursJavaOpts, h.settings.oursEnv, slot, tables, stream, endpoint);
    }

    static Ours start(Harness h, String label, Contender who, String javaOpts, String extraEnv, String slot, String tables,
                      String stream, String endpoint) throws IOException {
        Settings s = h.settings;
        int port = Harness.freePort();
        Map<String, String> env = new HashMap<>();
        env.put("KINESIS_STREAM", stream);
        env.put("KINESIS_ENDPOINT", endpoint);
        env.put("AWS_REGION", s.region);
        env.put("REPLICATION_SLOT", slot);
        env.put("CDC_WAL2JSON_ADD_TABLES", tables);
        env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", h.work.resolve("ours-" + slot + ".offsets").toString());
        env.put("CDC_HTTP_PORT", Integer.toString(port));
        env.put("CDC_RUNNER_NAME", "bench-" + slot);
        env.put("CBOR_ENABLED", "false");
        for (String pair : Settings.split(extraEnv)) {
            env.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        List<String> command = new ArrayList<>(List.of(s.oursJava));
        command.addAll(Settings.split(javaOpts));
        command.addAll(List.of("-Daws.cborEnabled=false", "-jar", s.runnerJar.toString()));
        h.progress("[%s] %s: starting the runner with JVM options [%s] and [%s] (slot %s, stream %s at %s)", label,
                who.label, javaOpts, extraEnv, slot, stream, endpoint);
        Proc proc = Proc.start(command, env, h.work, h.work.resolve("ours-" + slot + ".log"));
        return new Ours(h, label, who, proc, URI.create("http://127.0.0.1:" + port + "/metrics"));
    }

    /** Changes delivered (acknowledged by Kinesis) so far; notes when the runner first reported ready. */
    long delivered() {
        if (readyNanos == 0 && h.metric(metrics, "cdc_ready") == 1) {
            readyNanos = System.nanoTime();
            try {
                cpuAtReady = proc.cpuSeconds();
            } catch (IOException e) {
                // keep NaN
            }
        }
        return h.metric(metrics, "cdc_changes_delivered_total");
    }

    long metric(String name) {
        return h.metric(metrics, name);
    }

    void awaitReady() throws Exception {
        h.waitFor(label, "ours", proc, () -> {
            delivered();
            return readyNanos != 0;
        }, () -> "waiting until ready");
    }

    void awaitDelivered(long goal) throws Exception {
        long[] now = {0};
        h.waitFor(label, "ours", proc, () -> (now[0] = delivered()) >= goal,
                () -> String.format("%,d / %,d changes delivered", now[0], goal));
    }

    /** Ready after how many seconds and how many CPU seconds, for the notes. */
    String readyNote() {
        double seconds = readyNanos == 0 ? Double.NaN : (readyNanos - proc.startedNanos) / 1e9;
        return String.format("ready after %.2f s and %.1f CPU s", seconds, cpuAtReady);
    }

    @Override
    public void close() throws InterruptedException {
        proc.close();
    }

    /**
     * A backlog run into the emulator: runs the runner until its metrics say {@code expected} changes (the workload plus
     * the sentinel) were delivered, stops it and reads the stream back.
     */
    static Capture backlog(Harness h, String label, Contender who, String javaOpts, String extraEnv, String slot, String table,
                           String tables, long expected) throws Exception {
        String stream = "bench-ours-" + h.suffix;
        h.freshEmulator(label);
        h.kinesis.createStream(stream, h.settings.shards);
        try {
            double cpu;
            double rss;
            Proc proc;
            String ready;
            try (Ours ours = start(h, label, who, javaOpts, extraEnv, slot, tables, stream, h.settings.endpoint)) {
                proc = ours.proc;
                ours.awaitDelivered(expected);
                cpu = proc.cpuSeconds();
                rss = proc.peakRssMiB();
                ready = ours.readyNote();
                h.progress("[%s] ours: CPU by thread: %s", label, proc.cpuByThread());
            }
            List<Arrived> records = new ArrayList<>(h.kinesis.readAll(stream));
            records.sort(Comparator.comparingLong(Arrived::arrivalMillis));
            Row row = Arrivals.backlogRow(h, label, who, table, records, expected - 1, proc, cpu, rss,
                    String.format("%s; JVM options: %s; settings: %s", ready, javaOpts.isBlank() ? "none" : javaOpts,
                            extraEnv.isBlank() ? "defaults" : extraEnv));
            return new Capture(row, records);
        } finally {
            h.kinesis.deleteStream(stream);
        }
    }
}
