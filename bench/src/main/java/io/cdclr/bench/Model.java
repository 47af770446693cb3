package io.cdclr.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

enum Contender {
    DECODE("decode ceiling (pg_recvlogical)"),
    SINK("sink ceiling (plain PutRecords)"),
    OURS("ours (cdc-runner)"),
    PEER("peer (Debezium Server 3.6.1)"),
    OURS_PLAIN("ours, JVM defaults"),
    NULL_SINK("ours → null sink");

    final String label;

    Contender(String label) {
        this.label = label;
    }
}

/** Commit-to-Kinesis latency percentiles in milliseconds. */
record Latency(long count, long p50, long p95, long p99, long max) {
    static Latency of(long[] sorted) {
        return new Latency(sorted.length, at(sorted, 0.50), at(sorted, 0.95), at(sorted, 0.99), sorted[sorted.length - 1]);
    }

    private static long at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "p50 %d ms, p95 %d ms, p99 %d ms, max %d ms", p50, p95, p99, max);
    }
}

/** One measurement. Nulls are "not measured for this contender". */
record Row(String workload, Contender contender, long changes, double changesPerSecond, Double startToFirstSeconds,
           Double cpuSeconds, Double peakRssMiB, Latency latency, String note) {
    Double cpuPer100k() {
        return cpuSeconds == null ? null : cpuSeconds / changes * 100_000;
    }

    /** The same measurement with another note. */
    Row withNote(String otherNote) {
        return new Row(workload, contender, changes, changesPerSecond, startToFirstSeconds, cpuSeconds, peakRssMiB,
                latency, otherNote);
    }

    /** The run in the middle by a figure (the lower middle one of an even count); nulls sort last. */
    static Row median(List<Row> runs, Function<Row, Double> figure) {
        List<Row> sorted = runs.stream().sorted(Comparator.comparing(figure,
                Comparator.nullsLast(Comparator.naturalOrder()))).toList();
        return sorted.get((sorted.size() - 1) / 2);
    }
}

/** The machine the run happened on. */
record Machine(int cpus, String cpuModel, double memoryGiB, String load, String kernel) {
    static Machine now() throws IOException {
        String model = "?";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                model = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        double memory = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                memory = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0;
            }
        }
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        return new Machine(Runtime.getRuntime().availableProcessors(), model, memory, loadAverage(), kernel);
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "?";
        }
    }

    String describe() {
        return String.format(Locale.ROOT, "%d CPUs (%s), %.1f GiB memory, Linux %s, load average %s at start", cpus, cpuModel,
                memoryGiB, kernel, load);
    }
}
