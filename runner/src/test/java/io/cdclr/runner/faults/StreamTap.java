package io.cdclr.runner.faults;

import io.cdclr.runner.cli.KinesisStreamReader;
import io.cdclr.runner.testing.Envelopes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;

/** Reads a stream from its start, continuously, in the background; everything read is kept, in per-shard order. */
final class StreamTap implements AutoCloseable {
    private final KinesisStreamReader reader;
    private final List<Record> records = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    StreamTap(KinesisClient client, String stream) {
        reader = KinesisStreamReader.fromStart(client, stream);
        thread = new Thread(this::run, "stream-tap-" + stream);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            List<Record> batch;
            try {
                batch = reader.poll();
            } catch (RuntimeException e) {
                batch = List.of(); // emulator down or busy: try again
                sleep(500);
            }
            synchronized (records) {
                records.addAll(batch);
            }
            if (batch.isEmpty()) {
                sleep(100);
            }
        }
    }

    List<Record> records() {
        synchronized (records) {
            return new ArrayList<>(records);
        }
    }

    /** Waits until a record's data contains {@code text}; false if the wait runs out. */
    boolean awaitContaining(String text, Duration maxWait) {
        return await(all -> all.stream().anyMatch(r -> Envelopes.data(r).contains(text)), maxWait);
    }

    boolean await(Predicate<List<Record>> done, Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (System.nanoTime() < deadline) {
            if (done.test(records())) {
                return true;
            }
            sleep(100);
        }
        return done.test(records());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The whole stream, read again from the start with a new reader until it has nothing more. The checks use this,
     * not the background reader: kinesalite's shard iterators can skip records put while a reader polls
     * (seen: the background reader missed 404 records that a fresh read found).
     */
    static List<Record> readAll(KinesisClient client, String stream) {
        KinesisStreamReader fresh = KinesisStreamReader.fromStart(client, stream);
        List<Record> all = new ArrayList<>();
        int empty = 0;
        int failures = 0;
        while (empty < 2) {
            List<Record> batch;
            try {
                batch = fresh.poll(); // a failed poll keeps its shard iterators: the next one reads the same records
            } catch (RuntimeException e) {
                if (++failures > 10) {
                    throw e;
                }
                sleep(1000); // a busy shared emulator can time out on a large GetRecords
                continue;
            }
            all.addAll(batch);
            empty = batch.isEmpty() ? empty + 1 : 0;
        }
        return all;
    }

    /** Stops reading; a final poll makes sure everything on the stream now is in {@link #records()}. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
    }

    /** Stops the background reader after one last complete read (the emulator must be reachable). */
    List<Record> drain() throws InterruptedException {
        close();
        while (true) {
            List<Record> batch = reader.poll();
            if (batch.isEmpty()) {
                return records();
            }
            synchronized (records) {
                records.addAll(batch);
            }
        }
    }
}
