package io.cdclr.runner.testing;

import io.cdclr.runner.cli.KinesisStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** A Kinesis stream of the test's own, deleted afterwards. */
public final class TestStream implements AutoCloseable {
    private final KinesisClient client = TestEnv.kinesis();
    private final String name;

    public TestStream(String name, int shards) {
        this.name = name;
        client.createStream(b -> b.streamName(name).shardCount(shards));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (client.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamStatus()
                != StreamStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stream " + name + " did not become ACTIVE");
            }
            sleep(50);
        }
    }

    public String name() {
        return name;
    }

    /** Reads the whole stream from the start until {@code done} holds for what was read, or the wait runs out. */
    public List<Record> readUntil(Predicate<List<Record>> done, Duration maxWait) {
        KinesisStreamReader reader = KinesisStreamReader.fromStart(client, name);
        List<Record> all = new ArrayList<>();
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            List<Record> batch = reader.poll();
            all.addAll(batch);
            if (done.test(all) || System.nanoTime() > deadline) {
                return all;
            }
            if (batch.isEmpty()) {
                sleep(200);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            client.deleteStream(b -> b.streamName(name));
        } catch (RuntimeException ignored) {
            // best effort
        }
        client.close();
    }
}
