package io.cdclr.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The harness's settings, read once from the environment (bench/run.sh documents each variable). */
final class Settings {
    final int inserts;
    final int updates;
    final int deletes;
    final int bigRows = intEnv("BENCH_BIG_ROWS", 1_000_000);
    /** The offered load of the snapshot benchmark's concurrent inserts (BENCH_MODE=snapshot). */
    final int rate = intEnv("BENCH_RATE", 2_000);
    /** The steady-state rates, changes/s, one window each (BENCH_STEADY_RATES, comma-separated; empty skips the phase). */
    final List<Integer> steadyRates = intList("BENCH_STEADY_RATES", "500,2000,10000");
    /** The measured window at each steady rate (BENCH_STEADY_SECONDS; 0 skips the phase). */
    final int steadySeconds = intEnv("BENCH_STEADY_SECONDS", 120);
    /** The load before each window, not measured (BENCH_STEADY_WARMUP_SECONDS): JIT and queues settle. */
    final int steadyWarmupSeconds = intEnv("BENCH_STEADY_WARMUP_SECONDS", 20);
    final int shards = intEnv("BENCH_SHARDS", 4);
    final boolean peer = intEnv("BENCH_PEER", 1) == 1;
    /** BENCH_CEILINGS=0 skips pg_recvlogical, the PutRecords loop and the null sink: a quicker loop while tuning the runner. */
    final boolean ceilings = intEnv("BENCH_CEILINGS", 1) == 1;
    /**
     * Runs of the runner and of Debezium Server per backlog workload (BENCH_REPEAT), alternating between them so that
     * both see the same phases of a noisy machine; the table shows each contender's run with the median CPU, and the
     * CPU of every run in its note. One run of each is not enough to decide a ratio within ±10 % on 2 cores.
     */
    final int repeat = Math.max(1, intEnv("BENCH_REPEAT", 1));
    /**
     * Steady sessions of each contender (BENCH_STEADY_REPEAT), alternating as BENCH_REPEAT's runs do; the table shows
     * at each rate the session with the median CPU per change, and every session's figures in its note.
     */
    final int steadyRepeat = Math.max(1, intEnv("BENCH_STEADY_REPEAT", 1));
    final boolean freshEmulator = intEnv("BENCH_FRESH_EMULATOR", 1) == 1;
    final boolean timeline = intEnv("BENCH_TIMELINE", 0) == 1;
    final Duration timeout = Duration.ofSeconds(intEnv("BENCH_TIMEOUT_SECONDS", 900));
    final Path root = Path.of(System.getenv().getOrDefault("BENCH_ROOT", ".")).toAbsolutePath().normalize();
    /** The runner under test (BENCH_RUNNER_JAR, e.g. a build of another branch); the harness compiles against this tree's. */
    final Path runnerJar = root.resolve(System.getenv().getOrDefault("BENCH_RUNNER_JAR", "runner/target/cdc-runner.jar"));
    final Path debeziumHome = Path.of(System.getenv().getOrDefault("BENCH_DEBEZIUM_HOME",
            root.resolve(".services/bench/debezium-server").toString()));
    final String debeziumJava = System.getenv().getOrDefault("BENCH_DEBEZIUM_JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    /**
     * The runner's JVM options. bench/run.sh sets them: the container image's (the Dockerfile's RUNNER_JAVA_OPTIONS)
     * with a small heap, mostly young (fewer collections of the same live set; G1's heap sizing on a 23 GiB machine
     * costs more memory than the pipeline needs, docs/benchmarks.md), and the image's class data sharing archive. The
     * orders mix also runs the runner once more as a plain {@code java -jar}, without options, for comparison
     * (BENCH_OURS_PLAIN=0 skips it).
     */
    final String oursJavaOpts = Objects.requireNonNull(System.getenv("BENCH_OURS_JAVA_OPTS"),
            "BENCH_OURS_JAVA_OPTS is not set: run the harness with bench/run.sh");
    /** The java command that runs the runner (BENCH_OURS_JAVA; bench/run.sh sets it to Debezium Server's, Java 25). */
    final String oursJava = System.getenv().getOrDefault("BENCH_OURS_JAVA", "java");
    final boolean oursPlain = intEnv("BENCH_OURS_PLAIN", 1) == 1;
    /**
     * Settings of the tuned runner beside its JVM options: a 2 MiB writer buffer (instead of 16 MiB; still 7 full calls
     * in flight) keeps what every young collection of the small heap has to copy small. Space-separated KEY=VALUE pairs;
     * the JVM-defaults run gets none. The image's JVM environment (BENCH_OURS_IMAGE_ENV, e.g. MALLOC_ARENA_MAX, which
     * bench/run.sh reads from the Dockerfile) comes first. Shard pacing off: the emulator has no per-shard limits (and does not say whether
     * the stream is on-demand, which would turn pacing on under 'auto'); Debezium Server paces nothing either.
     */
    final String oursEnv = System.getenv().getOrDefault("BENCH_OURS_ENV",
            (System.getenv().getOrDefault("BENCH_OURS_IMAGE_ENV", "")
                    + " CDC_KINESIS_MAX_BUFFERED_BYTES=2097152 CDC_KINESIS_SHARD_RATE_LIMIT=off").trim());
    final String peerJavaOpts = System.getenv().getOrDefault("BENCH_PEER_JAVA_OPTS", "");
    final Path results = root.resolve(System.getenv().getOrDefault("BENCH_RESULTS", "bench/results"));
    final String endpoint = System.getenv().getOrDefault("KINESIS_ENDPOINT", "http://127.0.0.1:4567");
    final String region = System.getenv().getOrDefault("AWS_REGION", "us-east-1");

    Settings() {
        int changes = intEnv("BENCH_CHANGES", 0);
        if (changes > 0) {
            // Scale the 200,000 / 100,000 / 20,000 mix of the issue to the requested number of changes.
            inserts = (int) (changes * 200L / 320);
            updates = (int) (changes * 100L / 320);
            deletes = changes - inserts - updates;
        } else {
            inserts = intEnv("BENCH_INSERTS", 200_000);
            updates = intEnv("BENCH_UPDATES", 100_000);
            deletes = intEnv("BENCH_DELETES", 20_000);
        }
    }

    boolean steady() {
        return steadySeconds > 0 && !steadyRates.isEmpty();
    }

    static int intEnv(String name, int fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value.replace("_", "").trim());
    }

    static List<Integer> intList(String name, String fallback) {
        String value = System.getenv().getOrDefault(name, fallback).replace("_", "").trim();
        return value.isEmpty() ? List.of() : Arrays.stream(value.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    static List<String> split(String opts) {
        return opts.isBlank() ? List.of() : Arrays.asList(opts.trim().split("\\s+"));
    }
}
