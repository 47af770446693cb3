package io.cdclr.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** A contender's process: started with its own log, measured from /proc (peak RSS, CPU seconds), stopped by SIGTERM. */
final class Proc implements AutoCloseable {
    /** USER_HZ: /proc/[pid]/stat counts CPU time in clock ticks, 100 per second on Linux. */
    private static final double CLOCK_TICKS = 100.0;

    private final Process process;
    final long startedMillis;
    final long startedNanos;
    final Path log;

    private Proc(Process process, long startedMillis, long startedNanos, Path log) {
        this.process = process;
        this.startedMillis = startedMillis;
        this.startedNanos = startedNanos;
        this.log = log;
    }

    static Proc start(List<String> command, Map<String, String> env, Path dir, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        long millis = System.currentTimeMillis();
        long nanos = System.nanoTime();
        return new Proc(builder.start(), millis, nanos, log);
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("process " + pid() + " did not finish within " + timeout + "; log: " + log);
        }
        return process.exitValue();
    }

    /** VmHWM: the most resident memory the process ever had, in MiB. */
    double peakRssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IOException("no VmHWM for " + pid());
    }

    /** VmRSS: the resident memory now, in MiB. */
    double rssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IOException("no VmRSS for " + pid());
    }

    /** User plus system CPU seconds of all the process's threads so far. */
    double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime field 15.
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS;
    }

    /** CPU seconds of the JIT compiler threads (C1 and C2 CompilerThread*) so far: compilation, apart from the work. */
    double compilerCpuSeconds() {
        return cpuByThreadName().entrySet().stream().filter(e -> e.getKey().matches("C# CompilerThre.*"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** CPU seconds so far per thread name, numbers stripped (so pools add up; C1 and C2 compiler threads are "C#"). */
    Map<String, Double> cpuByThreadName() {
        Map<String, Double> byName = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid() + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS;
                    byName.merge(name, seconds, Double::sum);
                } catch (IOException | RuntimeException threadGone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // the process ended: no threads
        }
        return byName;
    }

    /** CPU seconds per thread name, highest first: where the CPU went. */
    String cpuByThread() {
        return describe(cpuByThreadName());
    }

    /** The CPU per thread name since {@code before} (an earlier {@link #cpuByThreadName()}), highest first. */
    String cpuByThreadSince(Map<String, Double> before) {
        Map<String, Double> since = new TreeMap<>();
        cpuByThreadName().forEach((name, seconds) -> since.put(name, seconds - before.getOrDefault(name, 0.0)));
        return describe(since);
    }

    private static String describe(Map<String, Double> byName) {
        StringBuilder out = new StringBuilder();
        byName.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .filter(e -> e.getValue() >= 0.1).forEach(e -> out.append(String.format(Locale.ROOT, "%s %.1f s; ", e.getKey(), e.getValue())));
        return out.toString();
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
