package io.cdclr.connector.kinesis.bench;

import io.cdclr.connector.kinesis.EmulatorStream;
import io.cdclr.connector.kinesis.KinesisWriter;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.cdclr.connector.kinesis.ShardLimitProxy;
import io.cdclr.connector.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Not a test: changes/s into a one-shard stream behind {@link ShardLimitProxy} (AWS's 1,000 records/s and 1 MiB/s per
 * shard), with kinesis.aggregation off and on. Without aggregation a shard takes at most 1,000 changes/s; with it, the
 * 1 MiB/s byte limit is the bound (about 4,800 changes/s of 200-byte changes once the aggregate's own bytes count).
 *
 * <p>Run: {@code eval "$(scripts/local-services.sh env)" && mvn -B -q -pl connector -Pbench test-compile exec:java
 * -Dbench.mode=shard-limit} (bench.bytes, default 200; bench.seconds, default 10: how long each run offers load; bench.keys;
 * -Dkinesis.<key>=<value> tunes the writer).
 */
final class ShardLimitBenchmark {
    private final int recordBytes = Integer.getInteger("bench.bytes", 200);
    private final int seconds = Integer.getInteger("bench.seconds", 10);
    private final int keys = Integer.getInteger("bench.keys", 20_000);

    void run() throws Exception {
        EmulatorStream.prepareSdkForEmulator();
        System.out.printf("Shard limit benchmark: %d-byte changes over %,d keys, 1 shard behind a proxy enforcing %,d records/s "
                        + "and %,d bytes/s per shard; emulator %s%n", recordBytes, keys, ShardLimitProxy.AWS_RECORDS_PER_SECOND,
                ShardLimitProxy.AWS_BYTES_PER_SECOND, LocalServices.kinesisEndpoint());
        // Enough changes to keep each run busy for about bench.seconds at the rate it can reach.
        Result plain = run("aggregation off", false, ShardLimitProxy.AWS_RECORDS_PER_SECOND * seconds);
        long aggregatedChanges = ShardLimitProxy.AWS_BYTES_PER_SECOND * seconds / (recordBytes + 20);
        Result aggregated = run("aggregation on", true, aggregatedChanges);
        System.out.printf("aggregation on / off: %.2fx changes/s; on / the 1,000 records/s limit: %.2fx%n",
                aggregated.changesPerSecond() / plain.changesPerSecond(),
                aggregated.changesPerSecond() / ShardLimitProxy.AWS_RECORDS_PER_SECOND);
    }

    private Result run(String label, boolean aggregation, long changes) throws Exception {
        try (EmulatorStream stream = EmulatorStream.create("agg-bench-limit", 1);
             ShardLimitProxy proxy = new ShardLimitProxy(LocalServices.kinesisEndpoint().toString())) {
            Map<String, Object> props = stream.writerProps();
            props.put(KinesisWriterConfig.ENDPOINT, proxy.endpoint());
            props.put(KinesisWriterConfig.AGGREGATION, aggregation);
            System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("kinesis."))
                    .forEach(name -> props.put(name, System.getProperty(name)));
            AtomicLong failures = new AtomicLong();
            long started;
            long elapsed;
            try (KinesisWriter writer = KinesisWriter.create(new KinesisWriterConfig(props))) {
                started = System.nanoTime();
                for (int i = 0; i < changes; i++) {
                    String key = "bench.orders:" + (i % keys);
                    writer.submit(key, payload(i), "bench " + key, failure -> {
                        if (failure != null) {
                            failures.incrementAndGet();
                        }
                    });
                }
                if (!writer.flush(Duration.ofMinutes(10))) {
                    throw new IllegalStateException("writer did not finish within 10 minutes: " + writer.metrics());
                }
                elapsed = System.nanoTime() - started;
                if (failures.get() > 0) {
                    throw new IllegalStateException(failures.get() + " changes failed");
                }
                Result result = new Result(changes, elapsed);
                System.out.printf("%-16s %,9.0f changes/s  (%,d changes in %.2f s; %,d Kinesis records, %.1f changes each; "
                                + "%,d calls; proxy throttled %,d entries; writer retries %,d)%n", label,
                        result.changesPerSecond(), changes, elapsed / 1e9, writer.metrics().kinesisRecordsSent(),
                        writer.metrics().aggregationRatio(), writer.metrics().calls(), proxy.entriesThrottled(),
                        writer.metrics().retriesTotal());
                return result;
            }
        }
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

    private record Result(long changes, long nanos) {
        double changesPerSecond() {
            return changes / (nanos / 1e9);
        }
    }
}
