package io.cdclr.bench.micro;

import io.cdclr.connector.kinesis.EmulatorStream;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.cdclr.connector.kinesis.ShardLimitProxy;
import io.cdclr.testsupport.LocalServices;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 22: changes/s into a one-shard stream behind {@link ShardLimitProxy} (AWS's 1,000 records/s and 1 MiB/s per
 * shard), with kinesis.aggregation off and on. Without aggregation a shard takes at most 1,000 changes/s; with it, the
 * 1 MiB/s byte limit is the bound (about 4,800 changes/s of 200-byte changes once the aggregate's own bytes count).
 * Each invocation writes {@value #CHANGES} changes (10 s at the records limit); the score is microseconds per change
 * (changes/s = 1,000,000 / score). The writer's counters (Kinesis records, calls, throttled entries) are printed.
 * <pre>
 *   eval "$(scripts/local-services.sh env)"
 *   bench/jmh.sh ShardLimitBenchmark
 *   bench/jmh.sh ShardLimitBenchmark -p bytes=150
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(1)
public class ShardLimitBenchmark {
    static final int CHANGES = 10_000;

    @Param({"false", "true"})
    public boolean aggregation;
    @Param("200")
    public int bytes;
    @Param("20000")
    public int keys;

    private EmulatorStream stream;
    private ShardLimitProxy proxy;

    @Setup(Level.Invocation)
    public void freshStream() throws Exception {
        EmulatorStream.prepareSdkForEmulator();
        stream = EmulatorStream.create("agg-bench-limit", 1);
        proxy = new ShardLimitProxy(LocalServices.kinesisEndpoint().toString());
    }

    @TearDown(Level.Invocation)
    public void close() {
        proxy.close();
        stream.close();
    }

    @Benchmark
    @OperationsPerInvocation(CHANGES)
    public long write() throws Exception {
        Map<String, Object> props = stream.writerProps();
        props.put(KinesisWriterConfig.ENDPOINT, proxy.endpoint());
        props.put(KinesisWriterConfig.AGGREGATION, aggregation);
        return Payloads.writeAll(props, CHANGES, bytes, keys, writer -> {
            System.out.printf("%n(aggregation %s: %,d Kinesis records, %.1f changes each; %,d calls; proxy throttled %,d "
                            + "entries; writer retries %,d)%n", aggregation, writer.metrics().kinesisRecordsSent(),
                    writer.metrics().aggregationRatio(), writer.metrics().calls(), proxy.entriesThrottled(),
                    writer.metrics().retriesTotal());
            return writer.metrics().calls();
        });
    }
}
