package io.cdclr.bench;

import io.cdclr.bench.Kinesis.Arrived;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The benchmark harness (issue 11): one run, one PostgreSQL, one Kinesis emulator, the same workloads for every
 * contender. Started by bench/run.sh, which brings the services up, builds, fetches Debezium Server and compiles this.
 *
 * <p>For each backlog workload, every contender gets its own replication slot, all created before the workload is
 * written, and its own fresh stream; the contenders then run one after the other over the same backlog:
 * <ul>
 *   <li>decode ceiling: pg_recvlogical (wal2json format-version 2, our options) writing to /dev/null;
 *   <li>ours: the runner JAR;
 *   <li>sink ceiling: a plain loop of 500-record PutRecords calls replaying exactly the records the runner wrote;
 *   <li>peer: Debezium Server 3.6.1.Final (pgoutput, Kinesis sink).
 * </ul>
 * A paced workload (a fixed offered load, each contender already streaming) measures commit-to-Kinesis latency.
 */
public final class Bench {
    static final double MIB = 1024.0 * 1024.0;

    // ------------------------------------------------------------------ settings (environment, see bench/run.sh)
    final int inserts;
    final int updates;
    final int deletes;
    final int bigRows = intEnv("BENCH_BIG_ROWS", 1_000_000);
    final int pacedRate = intEnv("BENCH_RATE", 2_000);
    final int pacedSeconds = intEnv("BENCH_PACED_SECONDS", 30);
    final int shards = intEnv("BENCH_SHARDS", 4);
    final boolean peer = intEnv("BENCH_PEER", 1) == 1;
    /** BENCH_CEILINGS=0 skips pg_recvlogical and the PutRecords loop: a quicker loop while tuning the runner. */
    final boolean ceilings = intEnv("BENCH_CEILINGS", 1) == 1;
    /**
     * Runs of the runner and of Debezium Server per backlog workload (BENCH_REPEAT), alternating between them so that
     * both see the same phases of a noisy machine; the table shows each contender's run with the median CPU, and the
     * CPU of every run in its note. One run of each is not enough to decide a ratio within ±10 % on 2 cores.
     */
    final int repeat = Math.max(1, intEnv("BENCH_REPEAT", 1));
    final boolean freshEmulator = intEnv("BENCH_FRESH_EMULATOR", 1) == 1;
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
     * costs more memory than the pipeline needs, docs/benchmarks.md), and the image's class data sharing archive. The orders mix also runs the runner once more as a plain {@code java -jar}, without options, for comparison
     * (BENCH_OURS_PLAIN=0 skips it).
     */
    final String oursJavaOpts = Objects.requireNonNull(System.getenv("BENCH_OURS_JAVA_OPTS"),
            "BENCH_OURS_JAVA_OPTS is not set: run the harness with bench/run.sh");
    /** The java command that runs the runner (BENCH_OURS_JAVA; bench/run.sh sets it to Debezium Server's, Java 25). */
    final String oursJava = System.getenv().getOrDefault("BENCH_OURS_JAVA", "java");
    final boolean oursPlain = intEnv("BENCH_OURS_PLAIN", 1) == 1;
    /**
     * Settings of the tuned runner beside its JVM options: a 2 MiB writer buffer (instead of 16 MiB; still 7 full calls in flight) keeps what every
     * young collection of the small heap has to copy small. Space-separated KEY=VALUE pairs; the JVM-defaults run gets none.
     */
    // Shard pacing off: the emulator has no per-shard limits (and does not say whether the stream is on-demand, which
    // would turn pacing on under 'auto'); Debezium Server paces nothing either.
    final String oursEnv = System.getenv().getOrDefault("BENCH_OURS_ENV",
            "CDC_KINESIS_MAX_BUFFERED_BYTES=2097152 CDC_KINESIS_SHARD_RATE_LIMIT=off");
    final String peerJavaOpts = System.getenv().getOrDefault("BENCH_PEER_JAVA_OPTS", "");
    final Path results = root.resolve(System.getenv().getOrDefault("BENCH_RESULTS", "bench/results"));
    final String endpoint = System.getenv().getOrDefault("KINESIS_ENDPOINT", "http://127.0.0.1:4567");
    final String region = System.getenv().getOrDefault("AWS_REGION", "us-east-1");

    final String suffix = UUID.randomUUID().toString().substring(0, 6);
    final String endTable = "bench_end_" + suffix;
    final Path work;
    final long startedNanos = System.nanoTime();
    final List<Row> rows = new ArrayList<>();
    final List<Runnable> cleanups = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();
    Kinesis kinesis;
    Postgres pg;
    long sentinelId = 1;

    Bench() throws IOException {
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
        work = Files.createDirectories(root.resolve("bench/target/work-" + suffix));
    }

    public static void main(String[] args) throws Exception {
        Bench bench = new Bench();
        int exit = 0;
        try {
            if ("snapshot".equals(System.getenv("BENCH_MODE"))) {
                new SnapshotBench(bench).run(); // issue 21: BENCH_MODE=snapshot, see SnapshotBench
            } else {
                bench.run();
            }
        } catch (Exception e) {
            e.printStackTrace(System.out);
            exit = 1;
        } finally {
            bench.cleanUp();
        }
        System.exit(exit);
    }

    void run() throws Exception {
        Machine machine = Machine.now();
        progress("machine: %s", machine.describe());
        progress("workloads: orders mix %,d inserts + %,d updates + %,d deletes; one transaction of %,d rows; paced %,d changes/s for %d s; %d shards per stream; peer %s",
                inserts, updates, deletes, bigRows, pacedRate, pacedSeconds, shards, peer ? "Debezium Server 3.6.1.Final" : "off (BENCH_PEER=0)");
        kinesis = new Kinesis(URI.create(endpoint), region);
        pg = new Postgres();
        pg.createOrdersTable(endTable);
        cleanups.add(() -> quietly(() -> pg.execute("DROP TABLE IF EXISTS " + endTable)));

        String mixed = "orders mix";
        backlogPhase(mixed, "bench_orders_" + suffix, inserts + updates + deletes,
                table -> pg.mixedWorkload(table, inserts, updates, deletes));
        if (pacedSeconds > 0) {
            pacedPhase("bench_paced_" + suffix);
        }
        if (bigRows > 0) {
            backlogPhase("1M-row txn", "bench_big_" + suffix, bigRows, table -> pg.insertRows(table, 1, bigRows));
        }
        Report report = new Report(rows, machine, Machine.loadAverage(), Duration.ofNanos(System.nanoTime() - startedNanos));
        report.print(System.out);
        report.write(results);
    }

    // ------------------------------------------------------------------ backlog: throughput, CPU, memory

    interface Workload {
        void write(String table) throws Exception;
    }

    void backlogPhase(String label, String table, long changes, Workload workload) throws Exception {
        String tag = label.startsWith("1M") ? "big" : "mix";
        progress("[%s] preparing %s, its slots and streams", label, table);
        pg.createOrdersTable(table);
        cleanups.add(() -> quietly(() -> pg.execute("DROP TABLE IF EXISTS " + table)));
        String tables = "public." + table + ",public." + endTable;
        String recvSlot = slot("bench_recv_" + tag);
        List<String> oursSlots = new ArrayList<>();
        List<String> peerSlots = new ArrayList<>();
        for (int i = 1; i <= repeat; i++) {
            String run = repeat == 1 ? "" : "_" + i;
            oursSlots.add(slot("bench_ours_" + tag + run));
            if (peer) {
                peerSlots.add(slot("bench_peer_" + tag + run));
            }
        }
        String plainSlot = oursPlain && tag.equals("mix") ? slot("bench_plain_" + tag) : null;
        pg.createSlot(recvSlot, "wal2json");
        for (String oursSlot : oursSlots) {
            pg.createSlot(oursSlot, "wal2json");
        }
        if (plainSlot != null) {
            pg.createSlot(plainSlot, "wal2json");
        }
        String publication = null;
        if (peer) {
            publication = publication("bench_pub_" + tag, table);
            for (String peerSlot : peerSlots) {
                pg.createSlot(peerSlot, "pgoutput");
            }
        }
        progress("[%s] writing the workload: %,d changes", label, changes);
        long t0 = System.nanoTime();
        workload.write(table);
        String endLsn = pg.currentLsn();
        writeSentinel();
        progress("[%s] workload committed in %.1f s (up to LSN %s); every contender now reads the same backlog",
                label, (System.nanoTime() - t0) / 1e9, endLsn);

        if (ceilings) {
            rows.add(decodeCeiling(label, recvSlot, endLsn, tables, changes));
        }
        pg.dropSlot(recvSlot);

        List<Capture> oursRuns = new ArrayList<>();
        List<Capture> peerRuns = new ArrayList<>();
        for (int i = 0; i < repeat; i++) {
            oursRuns.add(runOurs(label, oursSlots.get(i), tables, changes + 1, null));
            pg.dropSlot(oursSlots.get(i));
            if (i == 0 && ceilings) {
                rows.add(sinkCeiling(label, oursRuns.get(0).records, changes));
            }
            if (i == 0 && plainSlot != null) {
                rows.add(runOurs(label, Contender.OURS_PLAIN, "", "", plainSlot, tables, changes + 1, null).row);
                pg.dropSlot(plainSlot);
            }
            if (peer) {
                peerRuns.add(runPeer(label, peerSlots.get(i), publication, table, changes, null));
                pg.dropSlot(peerSlots.get(i));
            }
        }
        rows.add(medianByCpu(oursRuns));
        if (peer) {
            rows.add(medianByCpu(peerRuns));
        }
        pg.execute("DROP TABLE IF EXISTS " + table);
    }

    /** The run with the median CPU (the lower middle one of an even count), noting every run's CPU when there were several. */
    static Row medianByCpu(List<Capture> runs) {
        List<Row> byCpu = runs.stream().map(Capture::row)
                .sorted(Comparator.comparingDouble(r -> r.cpuSeconds() == null ? Double.MAX_VALUE : r.cpuSeconds())).toList();
        Row median = byCpu.get((byCpu.size() - 1) / 2);
        if (runs.size() == 1) {
            return median;
        }
        String cpus = runs.stream().map(c -> String.format("%.1f", c.row().cpuSeconds())).reduce((a, b) -> a + ", " + b).orElse("");
        String note = String.format("median CPU of %d runs (%s s, in run order)", runs.size(), cpus)
                + (median.note() == null || median.note().isBlank() ? "" : "; " + median.note());
        return new Row(median.workload(), median.contender(), median.changes(), median.changesPerSecond(),
                median.startToFirstSeconds(), median.cpuSeconds(), median.peakRssMiB(), median.latency(), note);
    }

    /**
     * Restarts kinesalite empty before a contender writes to it (BENCH_FRESH_EMULATOR=0 skips it): it keeps the memory
     * of deleted streams and slows down as it grows (4.2 GB after 25 minutes of runs here), which would
     * favour whoever runs first.
     */
    void freshEmulator(String label) throws Exception {
        if (!freshEmulator) {
            return;
        }
        progress("[%s] restarting kinesalite empty (scripts/local-services.sh restart-kinesis)", label);
        Process restart = new ProcessBuilder(root.resolve("scripts/local-services.sh").toString(), "restart-kinesis")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("kinesalite-restarts.log").toFile())).start();
        if (!restart.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || restart.exitValue() != 0) {
            throw new IllegalStateException("restarting kinesalite failed; see " + work.resolve("kinesalite-restarts.log"));
        }
    }

    String slot(String prefix) {
        String name = prefix + "_" + suffix;
        cleanups.add(() -> quietly(() -> pg.dropSlot(name)));
        return name;
    }

    String publication(String prefix, String table) throws Exception {
        String name = prefix + "_" + suffix;
        pg.execute("DROP PUBLICATION IF EXISTS " + name);
        pg.execute("CREATE PUBLICATION " + name + " FOR TABLE public." + table + ", public." + endTable);
        cleanups.add(() -> quietly(() -> pg.execute("DROP PUBLICATION IF EXISTS " + name)));
        return name;
    }

    /** One row in the sentinel table: a contender that delivered it has delivered everything committed before. */
    void writeSentinel() throws Exception {
        long id = sentinelId++;
        pg.insertRows(endTable, id, id);
    }

    Row decodeCeiling(String label, String slot, String endLsn, String tables, long changes) throws Exception {
        progress("[%s] decode ceiling: pg_recvlogical (wal2json format-version 2) to /dev/null", label);
        List<String> command = List.of("pg_recvlogical", "-d", "host=" + pg.host + " port=" + pg.port + " user=" + pg.user
                        + " dbname=" + pg.database, "--slot", slot, "--start", "--endpos", endLsn, "--no-loop", "-F", "0",
                "-f", "/dev/null", "-o", "format-version=2", "-o", "include-pk=1", "-o", "include-lsn=1",
                "-o", "include-timestamp=1", "-o", "include-transaction=0", "-o", "add-tables=" + tables);
        try (Proc proc = Proc.start(command, Map.of(), work, work.resolve("pg_recvlogical-" + slot + ".log"))) {
            int exit = proc.waitFor(timeout);
            double seconds = (System.nanoTime() - proc.startedNanos) / 1e9;
            if (exit != 0) {
                throw new IllegalStateException("pg_recvlogical exited with " + exit + ": " + proc.logTail(5));
            }
            Row row = new Row(label, Contender.DECODE, changes, changes / seconds, null, null, null, null,
                    String.format("%.2f s wall", seconds));
            progress("[%s] decode ceiling: %,.0f changes/s (%.2f s)", label, row.changesPerSecond(), seconds);
            return row;
        }
    }

    Row sinkCeiling(String label, List<Arrived> records, long changes) throws Exception {
        String stream = "bench-sink-" + suffix;
        freshEmulator(label);
        kinesis.createStream(stream, shards);
        try {
            progress("[%s] sink ceiling: plain loop of 500-record PutRecords calls replaying the runner's %,d records",
                    label, records.size());
            long[] calls = {0};
            long lastPrint = System.nanoTime();
            long nanos = kinesis.plainPutRecordsLoop(stream, records, () -> {
                if (++calls[0] % 100 == 0) {
                    progress("[%s] sink ceiling: %,d records sent", label, Math.min(records.size(), calls[0] * 500));
                }
            });
            double perSecond = records.size() / (nanos / 1e9);
            long bytes = records.stream().mapToLong(Arrived::size).sum();
            Row row = new Row(label, Contender.SINK, records.size(), perSecond, null, null, null, null,
                    String.format("%.2f s, %.2f MiB/s, mean record %.0f B", nanos / 1e9, bytes / MIB / (nanos / 1e9),
                            (double) bytes / Math.max(1, records.size())));
            progress("[%s] sink ceiling: %,.0f records/s", label, perSecond);
            return row;
        } finally {
            kinesis.deleteStream(stream);
        }
    }

    // ------------------------------------------------------------------ the runner

    record Capture(Row row, List<Arrived> records) {
    }

    /**
     * Runs the runner until its metrics say {@code expected} changes were delivered (and so acknowledged by Kinesis),
     * then stops it and reads the stream back. With {@code paced} set, the runner is started first and the paced load
     * written once it streams.
     */
    Capture runOurs(String label, String slot, String tables, long expected, PacedLoad paced) throws Exception {
        return runOurs(label, Contender.OURS, oursJavaOpts, oursEnv, slot, tables, expected, paced);
    }

    Capture runOurs(String label, Contender who, String javaOpts, String extraEnv, String slot, String tables, long expected,
                    PacedLoad paced) throws Exception {
        String stream = "bench-ours-" + suffix;
        freshEmulator(label);
        kinesis.createStream(stream, shards);
        try {
            int port = freePort();
            Map<String, String> env = new HashMap<>();
            env.put("KINESIS_STREAM", stream);
            env.put("KINESIS_ENDPOINT", endpoint);
            env.put("AWS_REGION", region);
            env.put("REPLICATION_SLOT", slot);
            env.put("CDC_WAL2JSON_ADD_TABLES", tables);
            env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", work.resolve("ours-" + slot + ".offsets").toString());
            env.put("CDC_HTTP_PORT", Integer.toString(port));
            env.put("CDC_RUNNER_NAME", "bench-" + slot);
            env.put("CBOR_ENABLED", "false");
            for (String pair : split(extraEnv)) {
                env.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
            List<String> command = new ArrayList<>(List.of(oursJava));
            command.addAll(split(javaOpts));
            command.addAll(List.of("-Daws.cborEnabled=false", "-jar", runnerJar.toString()));
            progress("[%s] %s: starting the runner with JVM options [%s] and [%s] (slot %s, stream %s, %d shards)", label,
                    who.label, javaOpts, extraEnv, slot, stream, shards);
            try (Proc proc = Proc.start(command, env, work, work.resolve("ours-" + slot + ".log"))) {
                URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
                long[] delivered = {0};
                long[] readyAt = {0};
                double[] cpuAtReady = {Double.NaN};
                BooleanSupplier poll = () -> {
                    delivered[0] = metric(metrics, "cdc_changes_delivered_total");
                    if (readyAt[0] == 0 && metric(metrics, "cdc_ready") == 1) {
                        readyAt[0] = System.nanoTime();
                        try {
                            cpuAtReady[0] = proc.cpuSeconds();
                        } catch (IOException e) {
                            // keep NaN
                        }
                    }
                    return true;
                };
                long target = expected;
                long changes = expected - 1;
                if (paced != null) {
                    waitFor(label, "ours", proc, () -> poll.getAsBoolean() && readyAt[0] != 0, () -> "waiting until ready");
                    writeSentinel(); // a probe: once delivered, the runner streams
                    waitFor(label, "ours", proc, () -> poll.getAsBoolean() && delivered[0] >= 1, () -> "waiting for the probe");
                    changes = paced.write(label + "] [ours");
                    target = 1 + changes;
                }
                long goal = target;
                waitFor(label, "ours", proc, () -> poll.getAsBoolean() && delivered[0] >= goal,
                        () -> String.format("%,d / %,d changes delivered", delivered[0], goal));
                double cpu = proc.cpuSeconds();
                double rss = proc.peakRssMiB();
                progress("[%s] ours: CPU by thread: %s", label, proc.cpuByThread());
                double readySeconds = readyAt[0] == 0 ? Double.NaN : (readyAt[0] - proc.startedNanos) / 1e9;
                proc.close();
                List<Arrived> records = kinesis.readAll(stream);
                records.sort(Comparator.comparingLong(Arrived::arrivalMillis));
                Row row = measured(label, who, tableOf(tables), records, changes, proc, cpu, rss,
                        String.format("ready after %.2f s and %.1f CPU s; JVM options: %s; settings: %s", readySeconds,
                                cpuAtReady[0], javaOpts.isBlank() ? "none" : javaOpts, extraEnv.isBlank() ? "defaults" : extraEnv), paced);
                return new Capture(row, records);
            }
        } finally {
            kinesis.deleteStream(stream);
        }
    }

    /** The workload table of an add-tables list: its first entry, without the schema. */
    static String tableOf(String tables) {
        return tables.split(",")[0].substring("public.".length());
    }

    // ------------------------------------------------------------------ the peer: Debezium Server

    Capture runPeer(String label, String slot, String publication, String table, long changes, PacedLoad paced) throws Exception {
        String prefix = "bench" + suffix;
        String stream = prefix + ".public." + table;
        String endStream = prefix + ".public." + endTable;
        freshEmulator(label);
        kinesis.createStream(stream, shards);
        kinesis.createStream(endStream, 1);
        try {
            Path config = work.resolve("debezium-" + slot + ".properties");
            Map<String, String> props = new LinkedHashMap<>();
            props.put("debezium.sink.type", "kinesis");
            props.put("debezium.sink.kinesis.region", region);
            props.put("debezium.sink.kinesis.endpoint", endpoint);
            props.put("debezium.source.connector.class", "io.debezium.connector.postgresql.PostgresConnector");
            props.put("debezium.source.offset.storage.file.filename", work.resolve("peer-" + slot + ".offsets").toString());
            props.put("debezium.source.offset.flush.interval.ms", "1000");
            props.put("debezium.source.database.hostname", pg.host);
            props.put("debezium.source.database.port", pg.port);
            props.put("debezium.source.database.user", pg.user);
            props.put("debezium.source.database.password", pg.password);
            props.put("debezium.source.database.dbname", pg.database);
            // The same TLS as the runner's connections (sslmode, sslrootcert, ...), from the same PG* variables.
            Postgres.ENDPOINT.tlsProperties().forEach((k, v) -> props.put("debezium.source.database." + k, String.valueOf(v)));
            props.put("debezium.source.topic.prefix", prefix);
            props.put("debezium.source.plugin.name", "pgoutput");
            props.put("debezium.source.slot.name", slot);
            props.put("debezium.source.publication.name", publication);
            props.put("debezium.source.publication.autocreate.mode", "disabled");
            props.put("debezium.source.snapshot.mode", "no_data");
            props.put("debezium.source.table.include.list", "public." + table + ",public." + endTable);
            props.put("debezium.source.tombstones.on.delete", "false");
            // Logical decoding messages of other sessions (e.g. heartbeats) would go to a <prefix>.message stream.
            props.put("debezium.source.message.prefix.exclude.list", ".*");
            props.put("debezium.format.key.schemas.enable", "false");
            props.put("debezium.format.value.schemas.enable", "false");
            props.put("quarkus.http.port", Integer.toString(freePort()));
            props.put("quarkus.log.console.json", "false");
            StringBuilder text = new StringBuilder();
            props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            Files.writeString(config, text);

            Map<String, String> env = new HashMap<>();
            env.put("AWS_ACCESS_KEY_ID", System.getenv().getOrDefault("AWS_ACCESS_KEY_ID", "local"));
            env.put("AWS_SECRET_ACCESS_KEY", System.getenv().getOrDefault("AWS_SECRET_ACCESS_KEY", "local"));
            env.put("CBOR_ENABLED", "false");
            List<String> command = new ArrayList<>(List.of(debeziumJava, "--add-opens", "java.base/java.lang=ALL-UNNAMED"));
            command.addAll(split(peerJavaOpts));
            command.addAll(List.of("-Daws.cborEnabled=false", "-Dquarkus.config.locations=" + config,
                    "-cp", "debezium-server-dist-3.6.1.Final-runner.jar:config/lib:lib/*", "io.debezium.server.Main"));
            progress("[%s] peer: starting Debezium Server 3.6.1.Final (slot %s, stream %s, %d shards)", label, slot, stream, shards);
            try (Proc proc = Proc.start(command, env, debeziumHome, work.resolve("peer-" + slot + ".log"))) {
                String endShard = kinesis.firstShard(endStream);
                int[] sentinels = {0};
                BooleanSupplier poll = () -> {
                    sentinels[0] = kinesis.readShard(endStream, endShard, 10).size();
                    return true;
                };
                int goal = 1;
                long expected = changes;
                if (paced != null) {
                    writeSentinel(); // a probe: once it arrived, Debezium Server streams
                    waitFor(label, "peer", proc, () -> poll.getAsBoolean() && sentinels[0] >= 1, () -> "waiting for the probe");
                    expected = paced.write(label + "] [peer");
                    writeSentinel();
                    goal = 2;
                }
                int wanted = goal;
                waitFor(label, "peer", proc, () -> poll.getAsBoolean() && sentinels[0] >= wanted,
                        () -> "waiting for the sentinel (Debezium Server reports no progress)");
                double cpu = proc.cpuSeconds();
                double rss = proc.peakRssMiB();
                progress("[%s] peer: CPU by thread: %s", label, proc.cpuByThread());
                proc.close();
                List<Arrived> records = kinesis.readAll(stream);
                records.sort(Comparator.comparingLong(Arrived::arrivalMillis));
                Row row = measured(label, Contender.PEER, table, records, expected, proc, cpu, rss, "", paced);
                return new Capture(row, records);
            }
        } finally {
            kinesis.deleteStream(stream);
            kinesis.deleteStream(endStream);
        }
    }

    // ------------------------------------------------------------------ paced load: latency

    final class PacedLoad {
        final String table;
        long nextId = 1;

        PacedLoad(String table) {
            this.table = table;
        }

        long write(String who) throws Exception {
            progress("[%s] offering %,d changes/s for %d s", who, pacedRate, pacedSeconds);
            long written = pg.pacedInserts(table, nextId, pacedRate, pacedSeconds,
                    n -> progress("[%s] %,d changes committed", who, n));
            nextId += written;
            return written;
        }
    }

    void pacedPhase(String table) throws Exception {
        String label = "paced";
        pg.createOrdersTable(table);
        cleanups.add(() -> quietly(() -> pg.execute("DROP TABLE IF EXISTS " + table)));
        PacedLoad load = new PacedLoad(table);
        String oursSlot = slot("bench_ours_paced");
        pg.createSlot(oursSlot, "wal2json");
        rows.add(runOurs(label, oursSlot, "public." + table + ",public." + endTable, 1, load).row);
        pg.dropSlot(oursSlot);
        if (peer) {
            String peerSlot = slot("bench_peer_paced");
            String publication = publication("bench_pub_paced", table);
            pg.createSlot(peerSlot, "pgoutput");
            rows.add(runPeer(label, peerSlot, publication, table, 0, load).row);
            pg.dropSlot(peerSlot);
        }
        pg.execute("DROP TABLE IF EXISTS " + table);
    }

    // ------------------------------------------------------------------ measuring

    Row measured(String label, Contender who, String table, List<Arrived> all, long expected, Proc proc, double cpu,
                 double rss, String note, PacedLoad paced) {
        // Only the workload table's changes count: the sentinel/probe rows (and logical decoding messages other sessions
        // emit, which wal2json passes through whatever add-tables says) travel in our stream too.
        String tableField = "\"table\":\"" + table + "\"";
        List<Arrived> records = all.stream().filter(r -> new String(r.data(), StandardCharsets.UTF_8).contains(tableField)).toList();
        long others = all.size() - records.size();
        if (records.isEmpty()) {
            throw new IllegalStateException(who + " wrote nothing to Kinesis; log: " + proc.log + "\n" + proc.logTail(30));
        }
        long first = records.get(0).arrivalMillis();
        long last = records.get(records.size() - 1).arrivalMillis();
        if (intEnv("BENCH_TIMELINE", 0) == 1) {
            // Records arrived per second after the process started: shows stalls and the ramp-up.
            java.util.TreeMap<Long, Integer> perSecond = new java.util.TreeMap<>();
            records.forEach(r -> perSecond.merge((r.arrivalMillis() - proc.startedMillis) / 1000, 1, Integer::sum));
            progress("[%s] %s: arrivals per second since start: %s", label, who.label, perSecond);
        }
        double seconds = Math.max(0.001, (last - first) / 1000.0);
        String count = (records.size() == expected ? "" : String.format("%,d records for %,d changes; ", records.size(), expected))
                + (others == 0 ? "" : String.format("%,d other records (sentinel, messages); ", others));
        Latency latency = null;
        if (paced != null) {
            long[] millis = records.stream().mapToLong(r -> r.arrivalMillis() - commitMillis(who, r.data())).sorted().toArray();
            latency = Latency.of(millis);
        }
        Row row = new Row(label, who, records.size(), records.size() / seconds, (first - proc.startedMillis) / 1000.0,
                cpu, rss, latency, count + note + (paced == null ? "" : String.format(" offered %,d changes/s", pacedRate)));
        progress("[%s] %s: %,.0f changes/s, first record %.2f s after start, CPU %.1f s, peak RSS %.0f MiB%s", label,
                who.label, row.changesPerSecond(), row.startToFirstSeconds(), cpu, rss,
                latency == null ? "" : ", latency " + latency);
        return row;
    }

    /** The commit time the change carries: wal2json's "timestamp", Debezium's source.ts_us. */
    static long commitMillis(Contender who, byte[] data) {
        String json = new String(data, StandardCharsets.UTF_8);
        if (who != Contender.PEER) {
            int at = json.indexOf("\"timestamp\":\"") + 13;
            String text = json.substring(at, json.indexOf('"', at)).replace(' ', 'T');
            if (text.matches(".*[+-]\\d\\d$")) {
                text += ":00";
            }
            OffsetDateTime time = OffsetDateTime.parse(text);
            return time.toInstant().toEpochMilli();
        }
        int source = json.indexOf("\"source\":");
        int at = json.indexOf("\"ts_us\":", source);
        if (at > 0) {
            return Long.parseLong(json.substring(at + 8).split("[,}]")[0].trim()) / 1000;
        }
        at = json.indexOf("\"ts_ms\":", source);
        return Long.parseLong(json.substring(at + 8).split("[,}]")[0].trim());
    }

    void waitFor(String label, String who, Proc proc, BooleanSupplier done, java.util.function.Supplier<String> status)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextPrint = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean()) {
            if (!proc.alive()) {
                throw new IllegalStateException(who + " exited early; log " + proc.log + ":\n" + proc.logTail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(who + " did not finish within " + timeout + " (" + status.get() + "); log " + proc.log);
            }
            if (System.nanoTime() > nextPrint) {
                progress("[%s] %s: %.0f s: %s", label, who, (System.nanoTime() - proc.startedNanos) / 1e9, status.get());
                nextPrint += 5_000_000_000L;
            }
            // Twice a second: the runner's progress comes from scraping its /metrics, and scraping 5 times a second
            // cost it about 0.5 CPU s per run, which a Prometheus scraping every 15 s does not.
            Thread.sleep(500);
        }
    }

    long metric(URI metrics, String name) {
        try {
            String body = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (Exception notYet) {
            // not listening yet
        }
        return 0;
    }

    void cleanUp() {
        for (int i = cleanups.size() - 1; i >= 0; i--) {
            cleanups.get(i).run();
        }
        try {
            if (pg != null) {
                pg.close();
            }
        } catch (Exception ignored) {
            // best effort
        }
        if (kinesis != null) {
            kinesis.close();
        }
    }

    interface Action {
        void run() throws Exception;
    }

    static void quietly(Action action) {
        try {
            action.run();
        } catch (Exception e) {
            System.out.println("  (cleanup: " + e.getMessage() + ")");
        }
    }

    void progress(String format, Object... args) {
        long s = (System.nanoTime() - startedNanos) / 1_000_000_000L;
        System.out.printf(Locale.ROOT, "[bench %02d:%02d] %s%n", s / 60, s % 60, String.format(Locale.ROOT, format, args));
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static List<String> split(String opts) {
        return opts.isBlank() ? List.of() : Arrays.asList(opts.trim().split("\\s+"));
    }

    static int intEnv(String name, int fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value.replace("_", "").trim());
    }

    static String today() {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm"));
    }
}
