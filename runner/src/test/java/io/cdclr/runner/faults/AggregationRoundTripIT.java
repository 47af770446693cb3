package io.cdclr.runner.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Db;
import io.cdclr.runner.testing.Capture;
import io.cdclr.connector.envelope.EnvelopeParser;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.connector.kinesis.ShardMap;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * Issue 22, aggregation round trip: changes from the shared PostgreSQL, written by the runner JAR with
 * kinesis.aggregation=true to a four-shard kinesalite stream, read back shard by shard and deaggregated by the Kinesis
 * Client Library (AggregatorUtil with each shard's hash-key range, as a KCL record processor gets them), are JSON-equal
 * to what wal2json emits on an oracle slot, each under its own partition key, per key in commit order.
 */
class AggregationRoundTripIT {
    private static final int SHARDS = 4;
    private static final int ROWS = 1500;
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration CATCH_UP = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @AfterEach
    void keepLogs() throws Exception {
        FaultLogs.keep("AggregationRoundTripIT", dir.resolve("runner.log"));
    }

    @Test
    void changesWrittenAggregatedAreReadBackByTheKclAsWal2JsonEmittedThem() throws Exception {
        long started = System.nanoTime();
        String id = TestEnv.unique();
        try (Capture capture = Capture.plain(Db.shared(), "agg_" + id,
                "CREATE TABLE items(id bigint primary key, v int not null, note text)");
             TestStream stream = new TestStream("agg-roundtrip-" + id, SHARDS)) {
            Map<String, String> env = capture.runnerEnv(TestEnv.env("KINESIS_ENDPOINT", "http://127.0.0.1:4567"),
                    stream.name(), dir.resolve("offsets.dat"));
            env.put("CDC_KINESIS_AGGREGATION", "true");
            env.put("CDC_KINESIS_AGGREGATION_LINGER_MS", "20");
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                runner.awaitReady(READY);
                // ~200-byte rows: one large insert, updates of every row over several transactions, a hot key, deletes
                // and primary-key changes.
                capture.execute("INSERT INTO items SELECT g, 0, repeat(md5(g::text), 6) FROM generate_series(1, " + ROWS + ") g");
                for (int k = 0; k < 5; k++) {
                    capture.execute("UPDATE items SET v = v + 1, note = note || '" + k + "' WHERE id % 5 = " + k);
                }
                capture.execute("BEGIN", "UPDATE items SET v = v + 1 WHERE id = 7", "UPDATE items SET v = v + 1 WHERE id = 7",
                        "UPDATE items SET v = v + 1 WHERE id = 7", "COMMIT");
                capture.execute("UPDATE items SET v = v + 1 WHERE id BETWEEN 100 AND 400");
                capture.execute("DELETE FROM items WHERE id % 7 = 0");
                capture.execute("UPDATE items SET id = id + 100000 WHERE id BETWEEN 10 AND 30");
                capture.execute("INSERT INTO items SELECT g, 1, 'again' FROM generate_series(10, 30) g");

                List<String> oracle = capture.oracle();
                KinesisClient kinesis = TestEnv.kinesis();
                ShardMap map = shardMap(kinesis, stream.name());
                Read read = readDeaggregated(kinesis, stream.name());
                long deadline = System.nanoTime() + CATCH_UP.toNanos();
                while (Checker.check(oracle, read.userRecords).missing() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(1000);
                    read = readDeaggregated(kinesis, stream.name());
                }
                String ratio = runner.http("/metrics").lines().filter(l -> l.startsWith("cdc_kinesis_aggregation_ratio"))
                        .findFirst().orElse("cdc_kinesis_aggregation_ratio ?");
                int exitCode = runner.terminate(Duration.ofSeconds(60));
                Checker.Result result = Checker.check(oracle, read.userRecords, key -> map.shardFor(key).id());
                EnvelopeParser parser = new EnvelopeParser();
                int wrongKeys = 0;
                for (Record r : read.userRecords) {
                    if (!PartitionKey.of(parser.parse(r.data().asUtf8String())).equals(r.partitionKey())) {
                        wrongKeys++;
                    }
                }
                FaultReport report = new FaultReport();
                report.add("aggregation round trip (KCL)", result, "exit " + exitCode,
                        read.kinesisRecords + " Kinesis records (" + read.aggregates + " aggregates) for "
                                + read.userRecords.size() + " changes; " + ratio + "; wrong partition keys " + wrongKeys);
                report.write(Path.of("target", "fault-report-AggregationRoundTripIT.txt"));
                System.out.printf("AggregationRoundTripIT: %s; %d Kinesis records (%d aggregates) for %d changes; %s; %.1fs%n",
                        result, read.kinesisRecords, read.aggregates, read.userRecords.size(), ratio,
                        (System.nanoTime() - started) / 1e9);

                assertEquals(0, exitCode, runner.output());
                assertEquals(0, result.missing(), "missing, " + result);
                assertEquals(0, result.unexpected(), "unexpected, " + result);
                assertEquals(0, result.orderViolations(), "order violations, " + result);
                assertEquals(0, wrongKeys, "every change under its own partition key");
                assertTrue(read.aggregates > 0 && read.kinesisRecords * 5 < read.userRecords.size(),
                        "changes were aggregated: " + read.kinesisRecords + " Kinesis records for " + read.userRecords.size());
                assertTrue(!ratio.endsWith(" 0.0") && !ratio.endsWith("?"), "the ratio is exported: " + ratio);
            }
        }
    }

    private record Read(List<Record> userRecords, int kinesisRecords, int aggregates) {
    }

    /** Every shard from its start, each record deaggregated by the KCL with that shard's hash-key range. */
    private static Read readDeaggregated(KinesisClient kinesis, String stream) {
        List<Record> users = new ArrayList<>();
        int kinesisRecords = 0;
        int aggregates = 0;
        AggregatorUtil kcl = new AggregatorUtil();
        for (Shard shard : kinesis.listShards(b -> b.streamName(stream)).shards()) {
            String iterator = kinesis.getShardIterator(b -> b.streamName(stream).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            int empty = 0;
            while (iterator != null && empty < 2) {
                String current = iterator;
                GetRecordsResponse response = kinesis.getRecords(b -> b.shardIterator(current).limit(10_000));
                iterator = response.nextShardIterator();
                empty = response.records().isEmpty() ? empty + 1 : 0;
                for (Record raw : response.records()) {
                    kinesisRecords++;
                    List<KinesisClientRecord> unpacked = kcl.deaggregate(List.of(KinesisClientRecord.fromRecord(raw)),
                            new BigInteger(shard.hashKeyRange().startingHashKey()),
                            new BigInteger(shard.hashKeyRange().endingHashKey()));
                    if (!unpacked.isEmpty() && unpacked.get(0).aggregated()) {
                        aggregates++;
                    }
                    for (KinesisClientRecord user : unpacked) {
                        ByteBuffer data = user.data().duplicate();
                        byte[] bytes = new byte[data.remaining()];
                        data.get(bytes);
                        users.add(Record.builder().partitionKey(user.partitionKey()).data(SdkBytes.fromByteArray(bytes))
                                .sequenceNumber(raw.sequenceNumber()).approximateArrivalTimestamp(raw.approximateArrivalTimestamp())
                                .build());
                    }
                }
            }
        }
        return new Read(users, kinesisRecords, aggregates);
    }

    private static ShardMap shardMap(KinesisClient kinesis, String stream) {
        List<ShardMap.Shard> shards = new ArrayList<>();
        for (Shard s : kinesis.listShards(b -> b.streamName(stream)).shards()) {
            shards.add(new ShardMap.Shard(s.shardId(), new BigInteger(s.hashKeyRange().startingHashKey()),
                    new BigInteger(s.hashKeyRange().endingHashKey())));
        }
        return ShardMap.of(shards);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
