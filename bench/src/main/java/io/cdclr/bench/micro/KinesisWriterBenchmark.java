package io.cdclr.connector.kinesis.bench;

import io.cdclr.connector.kinesis.EmulatorStream;
import io.cdclr.connector.kinesis.KinesisWriter;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.cdclr.connector.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;

/**
 * Not a test: measures the writer against the local Kinesis emulator, beside the emulator's own ceiling
 * measured in the same run by a plain loop of 500-record PutRecords calls with the SDK.
 *
 * <p>Run: {@code eval "$(scripts/local-services.sh env)" && mvn -B -q -pl connector -Pbench test-compile exec:java}
 * (system properties bench.records, bench.bytes, bench.keys, bench.shards, bench.rounds change the defaults;
 * -Dkinesis.<key>=<value> tunes the writer).
 */
public final class KinesisWriterBenchmark {
    private static final double MIB = 1024.0 * 1024.0;

    private final int records = Integer.getInteger("bench.records", 200_000);
    private final int recordBytes = Integer.getInteger("bench.bytes", 500);
    private final int keys = Integer.getInteger("bench.keys", 20_000);
    private final int shards = Integer.getInteger("bench.shards", 4);
    private final int rounds = Integer.getInteger("bench.rounds", 4);

    public static void main(String[] args) throws Exception {
        if ("shard-limit".equals(System.getProperty("bench.mode"))) { // issue 22: aggregation against the per-shard limits
            new ShardLimitBenchmark().run();
            return;
        }
        new KinesisWriterBenchmark().run();
    }

    private void run() throws Exception {
        EmulatorStream.prepareSdkForEmulator();
        System.out.printf("Kinesis writer benchmark: %,d records of %d bytes over %,d keys, %d shards, emulator %s%n",
                records, recordBytes, keys, shards, LocalServices.kinesisEndpoint());
        try (KinesisClient plainClient = plainClient()) {
            // Warm both paths up (JIT, connections) before measuring either.
            try (EmulatorStream warmUp = EmulatorStream.create("bench-warmup", shards)) {
                plainLoop(plainClient, warmUp.name(), 20_000);
                writer(warmUp, 20_000);
            }
            // The records are split into rounds; in each round the ceiling and the writer each write their share to a
            // fresh stream (the emulator slows down as a stream fills), one after the other, alternating which goes
            // first. On a shared machine both then see the same background load, and neither gains from going second.
            Result ceiling = Result.NONE;
            Result writer = Result.NONE;
            int perRound = records / rounds;
            for (int round = 1; round <= rounds; round++) {
                boolean ceilingFirst = round % 2 == 1;
                for (int phase = 0; phase < 2; phase++) {
                    if ((phase == 0) == ceilingFirst) {
                        try (EmulatorStream stream = EmulatorStream.create("bench-plain", shards)) {
                            Result result = plainLoop(plainClient, stream.name(), perRound);
                            print("round " + round + ": emulator ceiling (plain PutRecords loop)", result);
                            ceiling = ceiling.plus(result);
                        }
                    } else {
                        try (EmulatorStream stream = EmulatorStream.create("bench-writer", shards)) {
                            Result result = writer(stream, perRound);
                            print("round " + round + ": KinesisWriter", result);
                            writer = writer.plus(result);
                        }
                    }
                }
            }
            print("all rounds: emulator ceiling (plain PutRecords loop)", ceiling);
            print("all rounds: KinesisWriter", writer);
            System.out.printf("writer / ceiling: %.1f%% of records/s%n", 100.0 * writer.recordsPerSecond() / ceiling.recordsPerSecond());
        }
    }

    /** The ceiling: one 500-record PutRecords call after another, no batching logic, no ordering, no callbacks. */
    private Result plainLoop(KinesisClient client, String streamName, int count) {
        long bytes = 0;
        long failed = 0;
        long started = System.nanoTime();
        for (int from = 0; from < count; from += 500) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>(500);
            for (int i = from; i < Math.min(from + 500, count); i++) {
                String key = key(i);
                byte[] data = payload(i);
                bytes += data.length + key.length();
                entries.add(PutRecordsRequestEntry.builder().partitionKey(key).data(SdkBytes.fromByteArrayUnsafe(data)).build());
            }
            PutRecordsResponse response = client.putRecords(b -> b.streamName(streamName).records(entries));
            failed += response.failedRecordCount() == null ? 0 : response.failedRecordCount();
        }
        if (failed > 0) {
            System.out.printf("  (plain loop: %,d records failed and were not retried)%n", failed);
        }
        return new Result(count, bytes, System.nanoTime() - started);
    }

    private Result writer(EmulatorStream stream, int count) throws Exception {
        Map<String, Object> props = stream.writerProps();
        // The emulator has no per-shard limits and the plain loop beside is not paced: measure the writer unpaced too
        // (kinesis.shard.rate.limit=auto would pace it to AWS's 1,000 records/s per shard here; -D overrides this).
        props.put(KinesisWriterConfig.SHARD_RATE_LIMIT, "off");
        // -Dkinesis.<key>=<value> tunes the writer, e.g. -Dkinesis.max.concurrent.calls=2.
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("kinesis."))
                .forEach(name -> props.put(name, System.getProperty(name)));
        AtomicLong failures = new AtomicLong();
        long bytes = 0;
        long started;
        try (KinesisWriter writer = KinesisWriter.create(new KinesisWriterConfig(props))) {
            started = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String key = key(i);
                byte[] data = payload(i);
                bytes += data.length + key.length();
                writer.submit(key, data, "bench " + key, failure -> {
                    if (failure != null) {
                        failures.incrementAndGet();
                    }
                });
            }
            if (!writer.flush(Duration.ofMinutes(10))) {
                throw new IllegalStateException("writer did not finish within 10 minutes: " + writer.metrics());
            }
            long elapsed = System.nanoTime() - started;
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " records failed: " + writer.failure().map(Throwable::getMessage).orElse("?"));
            }
            System.out.printf("  (writer: %,d calls, %,d retries, mean call latency %.1f ms)%n", writer.metrics().calls(),
                    writer.metrics().retriesTotal(),
                    writer.metrics().callLatencyTotalNanos() / 1e6 / Math.max(1, writer.metrics().callLatencyCount()));
            return new Result(count, bytes, elapsed);
        }
    }

    private String key(int i) {
        return "bench.orders:" + (i % keys);
    }

    private byte[] payload(int i) {
        byte[] data = new byte[recordBytes];
        Arrays.fill(data, (byte) 'x');
        byte[] prefix = ("{\"n\":" + i + ",\"pad\":\"").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(prefix, 0, data, 0, prefix.length);
        data[recordBytes - 2] = '"';
        data[recordBytes - 1] = '}';
        return data;
    }

    /** Configured as the writer's own client is: the blocking client over Apache HTTP, no SDK retries. */
    private static KinesisClient plainClient() {
        return KinesisClient.builder()
                .region(Region.of(LocalServices.awsRegion()))
                .endpointOverride(LocalServices.kinesisEndpoint())
                .httpClientBuilder(ApacheHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    private static void print(String what, Result result) {
        System.out.printf("%-55s %,10.0f records/s  %7.2f MiB/s  (%,d records in %.2f s)%n", what, result.recordsPerSecond(),
                result.mibPerSecond(), result.records, result.nanos / 1e9);
    }

    private record Result(long records, long bytes, long nanos) {
        static final Result NONE = new Result(0, 0, 0);

        Result plus(Result other) {
            return new Result(records + other.records, bytes + other.bytes, nanos + other.nanos);
        }

        double recordsPerSecond() {
            return records / (nanos / 1e9);
        }

        double mibPerSecond() {
            return bytes / MIB / (nanos / 1e9);
        }
    }
}
