package io.cdclr.bench;

import io.cdclr.bench.Arrivals.Capture;
import io.cdclr.bench.Kinesis.Arrived;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The peer: Debezium Server 3.6.1.Final ({@code io.debezium.server.Main} on Java 25), Kinesis sink, pgoutput with the
 * pre-created slot and publication. It reports no progress, so it is followed by the sentinel rows arriving in their
 * own stream ({@code <prefix>.public.bench_end_*}, 1 shard).
 */
final class Peer implements AutoCloseable {
    final Proc proc;
    /** The workload table's stream, {@code <prefix>.public.<table>}. */
    final String stream;
    private final Harness h;
    private final String label;
    private final String endStream;
    private String endShard;

    private Peer(Harness h, String label, Proc proc, String stream, String endStream) {
        this.h = h;
        this.label = label;
        this.proc = proc;
        this.stream = stream;
        this.endStream = endStream;
    }

    /** Names of the two streams Debezium Server writes for {@code table} (created by the caller). */
    static List<String> streams(Harness h, String table) {
        String prefix = "bench" + h.suffix;
        return List.of(prefix + ".public." + table, prefix + ".public." + h.endTable);
    }

    static Peer start(Harness h, String label, String slot, String publication, String table) throws Exception {
        Settings s = h.settings;
        String prefix = "bench" + h.suffix;
        Path config = h.work.resolve("debezium-" + slot + ".properties");
        Map<String, String> props = new LinkedHashMap<>();
        props.put("debezium.sink.type", "kinesis");
        props.put("debezium.sink.kinesis.region", s.region);
        props.put("debezium.sink.kinesis.endpoint", s.endpoint);
        props.put("debezium.source.connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        props.put("debezium.source.offset.storage.file.filename", h.work.resolve("peer-" + slot + ".offsets").toString());
        props.put("debezium.source.offset.flush.interval.ms", "1000");
        props.put("debezium.source.database.hostname", h.pg.host);
        props.put("debezium.source.database.port", h.pg.port);
        props.put("debezium.source.database.user", h.pg.user);
        props.put("debezium.source.database.password", h.pg.password);
        props.put("debezium.source.database.dbname", h.pg.database);
        // The same TLS as the runner's connections (sslmode, sslrootcert, ...), from the same PG* variables.
        Postgres.ENDPOINT.tlsProperties().forEach((k, v) -> props.put("debezium.source.database." + k, String.valueOf(v)));
        props.put("debezium.source.topic.prefix", prefix);
        props.put("debezium.source.plugin.name", "pgoutput");
        props.put("debezium.source.slot.name", slot);
        props.put("debezium.source.publication.name", publication);
        props.put("debezium.source.publication.autocreate.mode", "disabled");
        props.put("debezium.source.snapshot.mode", "no_data");
        props.put("debezium.source.table.include.list", "public." + table + ",public." + h.endTable);
        props.put("debezium.source.tombstones.on.delete", "false");
        // Logical decoding messages of other sessions (e.g. heartbeats) would go to a <prefix>.message stream.
        props.put("debezium.source.message.prefix.exclude.list", ".*");
        props.put("debezium.format.key.schemas.enable", "false");
        props.put("debezium.format.value.schemas.enable", "false");
        props.put("quarkus.http.port", Integer.toString(Harness.freePort()));
        props.put("quarkus.log.console.json", "false");
        StringBuilder text = new StringBuilder();
        props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(config, text);

        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", System.getenv().getOrDefault("AWS_ACCESS_KEY_ID", "local"));
        env.put("AWS_SECRET_ACCESS_KEY", System.getenv().getOrDefault("AWS_SECRET_ACCESS_KEY", "local"));
        env.put("CBOR_ENABLED", "false");
        List<String> command = new ArrayList<>(List.of(s.debeziumJava, "--add-opens", "java.base/java.lang=ALL-UNNAMED"));
        command.addAll(Settings.split(s.peerJavaOpts));
        command.addAll(List.of("-Daws.cborEnabled=false", "-Dquarkus.config.locations=" + config,
                "-cp", "debezium-server-dist-3.6.1.Final-runner.jar:config/lib:lib/*", "io.debezium.server.Main"));
        List<String> streams = streams(h, table);
        h.progress("[%s] peer: starting Debezium Server 3.6.1.Final (slot %s, stream %s, %d shards)", label, slot,
                streams.get(0), s.shards);
        Proc proc = Proc.start(command, env, s.debeziumHome, h.work.resolve("peer-" + slot + ".log"));
        return new Peer(h, label, proc, streams.get(0), streams.get(1));
    }

    /** Sentinel rows arrived so far. */
    int sentinels() {
        if (endShard == null) {
            endShard = h.kinesis.firstShard(endStream);
        }
        return h.kinesis.readShard(endStream, endShard, 100).size();
    }

    void awaitSentinels(int goal, String what) throws Exception {
        h.waitFor(label, "peer", proc, () -> sentinels() >= goal, () -> what);
    }

    @Override
    public void close() throws InterruptedException {
        proc.close();
    }

    /** A backlog run: until the sentinel after the workload arrives; then the stream is read back. */
    static Capture backlog(Harness h, String label, String slot, String publication, String table, long changes) throws Exception {
        List<String> streams = streams(h, table);
        h.freshEmulator(label);
        h.kinesis.createStream(streams.get(0), h.settings.shards);
        h.kinesis.createStream(streams.get(1), 1);
        try {
            double cpu;
            double rss;
            Proc proc;
            try (Peer peer = start(h, label, slot, publication, table)) {
                proc = peer.proc;
                peer.awaitSentinels(1, "waiting for the sentinel (Debezium Server reports no progress)");
                cpu = proc.cpuSeconds();
                rss = proc.peakRssMiB();
                h.progress("[%s] peer: CPU by thread: %s", label, proc.cpuByThread());
            }
            List<Arrived> records = new ArrayList<>(h.kinesis.readAll(streams.get(0)));
            records.sort(Comparator.comparingLong(Arrived::arrivalMillis));
            return new Capture(Arrivals.backlogRow(h, label, Contender.PEER, table, records, changes, proc, cpu, rss, ""), records);
        } finally {
            h.kinesis.deleteStream(streams.get(0));
            h.kinesis.deleteStream(streams.get(1));
        }
    }
}
