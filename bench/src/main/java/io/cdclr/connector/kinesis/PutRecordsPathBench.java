package io.cdclr.connector.kinesis;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

/**
 * The CPU of one PutRecords call on each path (issue 23), alone: the writer's own client ({@link KinesisClientFactory},
 * so the endpoint is learned as in the runner) sends the same call of N records of a wal2json-sized envelope at a fixed
 * rate to a {@link io.cdclr.bench.NullKinesis} in another process, twice (the first round warms up), and prints this
 * process's CPU per call and per record. In package {@code io.cdclr.connector.kinesis} for the package-private factory.
 *
 * <pre>
 * java -cp runner/target/cdc-runner.jar:bench/target/classes io.cdclr.bench.NullKinesis 4791 4 &amp;
 * java [the image's JVM options] -Daws.cborEnabled=false -cp runner/target/cdc-runner.jar:bench/target/classes \
 *   io.cdclr.connector.kinesis.PutRecordsPathBench http://127.0.0.1:4791 300 7 40 direct|sdk
 * </pre>
 */
public final class PutRecordsPathBench {
    private PutRecordsPathBench() {
    }

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        int recordsPerCall = Integer.parseInt(args[1]);
        double callsPerSecond = Double.parseDouble(args[2]);
        int seconds = Integer.parseInt(args[3]);
        String path = args[4];
        Map<String, Object> props = new HashMap<>();
        props.put(KinesisWriterConfig.STREAM, "bench");
        props.put(KinesisWriterConfig.REGION, "us-east-1");
        props.put(KinesisWriterConfig.ENDPOINT, endpoint.toString());
        props.put(KinesisWriterConfig.PUT_RECORDS_PATH, path);
        byte[] data = ("{\"action\":\"I\",\"schema\":\"public\",\"table\":\"bench_steady\",\"columns\":[{\"name\":\"id\","
                + "\"type\":\"bigint\",\"value\":123456},{\"name\":\"payload\",\"type\":\"text\",\"value\":\"" + "x".repeat(150)
                + "\"}],\"pk\":[{\"name\":\"id\",\"type\":\"bigint\"}]}").getBytes(StandardCharsets.UTF_8);
        List<PutRecordsRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < recordsPerCall; i++) {
            entries.add(PutRecordsRequestEntry.builder().partitionKey("[" + i + "]").data(SdkBytes.fromByteArrayUnsafe(data)).build());
        }
        PutRecordsRequest request = PutRecordsRequest.builder().streamName("bench").records(entries).build();
        try (KinesisAsyncClient client = KinesisClientFactory.create(new KinesisWriterConfig(props))) {
            client.describeStreamSummary(b -> b.streamName("bench")).join(); // as the writer does first: the endpoint is learned
            for (int round = 0; round < 2; round++) {
                long calls = Math.round(callsPerSecond * seconds);
                long start = System.nanoTime();
                double cpuBefore = processCpuSeconds();
                for (long i = 0; i < calls; i++) {
                    CompletableFuture<?> call = client.putRecords(request);
                    call.join();
                    long wait = start + (long) ((i + 1) * 1e9 / callsPerSecond) - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                double cpu = processCpuSeconds() - cpuBefore;
                System.out.printf(Locale.ROOT, "%s round %d (%s): %d calls of %d records (%d B each) at %.1f calls/s: process CPU %.2f s,"
                                + " %.0f us per call, %.2f us per record%n", path, round, round == 0 ? "warm-up" : "measured", calls,
                        recordsPerCall, data.length, callsPerSecond, cpu, cpu / calls * 1e6, cpu / calls / recordsPerCall * 1e6);
            }
        }
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }
}
