package io.cdclr.bench.micro;

import io.cdclr.connector.kinesis.EmulatorStream;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.cdclr.testsupport.LocalServices;
import java.util.ArrayList;
import java.util.List;
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
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

/**
 * The Kinesis writer against the local emulator, beside the emulator's own ceiling: a plain loop of 500-record
 * PutRecords calls with the SDK (the blocking Apache client, as the writer's own). Each invocation writes
 * {@value #RECORDS} records into a fresh stream (the emulator slows down as a stream fills); the score is microseconds
 * per record (records/s = 1,000,000 / score), and the two methods run one after the other in the same fork.
 * <pre>
 *   eval "$(scripts/local-services.sh env)"
 *   bench/jmh.sh KinesisWriterBenchmark
 *   bench/jmh.sh KinesisWriterBenchmark -p bytes=200 -jvmArgsAppend -Dkinesis.aggregation=true
 * </pre>
 * {@code -jvmArgsAppend -Dkinesis.<key>=<value>} tunes the writer (e.g. {@code kinesis.max.concurrent.calls=2}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 4)
@Fork(1)
public class KinesisWriterBenchmark {
    static final int RECORDS = 50_000;

    @Param("500")
    public int bytes;
    @Param("20000")
    public int keys;
    @Param("4")
    public int shards;

    private KinesisClient plainClient;
    private EmulatorStream stream;

    @Setup(Level.Trial)
    public void client() {
        EmulatorStream.prepareSdkForEmulator();
        plainClient = KinesisClient.builder()
                .region(Region.of(LocalServices.awsRegion()))
                .endpointOverride(LocalServices.kinesisEndpoint())
                .httpClientBuilder(ApacheHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @Setup(Level.Invocation)
    public void freshStream() throws InterruptedException {
        stream = EmulatorStream.create("bench-writer", shards);
    }

    @TearDown(Level.Invocation)
    public void deleteStream() {
        stream.close();
    }

    @TearDown(Level.Trial)
    public void closeClient() {
        plainClient.close();
    }

    /** The ceiling: one 500-record PutRecords call after another, no batching logic, no ordering, no callbacks. */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long plainPutRecordsLoop() {
        long failed = 0;
        for (int from = 0; from < RECORDS; from += 500) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>(500);
            for (int i = from; i < Math.min(from + 500, RECORDS); i++) {
                entries.add(PutRecordsRequestEntry.builder().partitionKey(Payloads.key(i, keys))
                        .data(SdkBytes.fromByteArrayUnsafe(Payloads.payload(i, bytes))).build());
            }
            Integer count = plainClient.putRecords(b -> b.streamName(stream.name()).records(entries)).failedRecordCount();
            failed += count == null ? 0 : count;
        }
        return failed;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long writer() throws Exception {
        Map<String, Object> props = stream.writerProps();
        // The emulator has no per-shard limits and the plain loop beside is not paced: measure the writer unpaced too
        // (kinesis.shard.rate.limit=auto would pace it to AWS's 1,000 records/s per shard here; -Dkinesis.* overrides this).
        props.put(KinesisWriterConfig.SHARD_RATE_LIMIT, "off");
        return Payloads.writeAll(props, RECORDS, bytes, keys, writer -> writer.metrics().calls());
    }
}
