package io.cdclr.runner.engine;

import io.cdclr.connector.ack.AcknowledgedPrefix;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.connector.kinesis.KinesisWriter;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each change to the Kinesis writer and marks it processed only once Kinesis has it.
 *
 * <p>{@link #handleBatch} submits and returns without waiting, so the next batch is read while this one is in
 * flight; a marker thread marks the acknowledged prefix (see {@link AcknowledgedPrefix}) through the engine's
 * committer. The engine stores marked offsets on its flush interval and then calls the source task's
 * {@code commit()}, which confirms the LSN to the slot.
 */
public final class KinesisChangeConsumer implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>,
        AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisChangeConsumer.class);

    private final KinesisWriter writer;
    private final DeliveryListener listener;
    private final BooleanSupplier snapshotRunning;
    private final AcknowledgedPrefix<RecordChangeEvent<SourceRecord>> inFlight = new AcknowledgedPrefix<>();
    private final ReentrantLock batchLock = new ReentrantLock();
    private final CommitTimestamps commitTimes = new CommitTimestamps();
    private final Thread marker;
    /** Handed over and not yet marked processed; reaches 0 only after the marker has marked the last one. */
    private final java.util.concurrent.atomic.AtomicLong unmarked = new java.util.concurrent.atomic.AtomicLong();

    private volatile DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer;
    private volatile boolean accepting = true;
    private volatile boolean closed;
    private volatile boolean failureReported;

    /** What the runner wants to hear about delivery: metrics, and the first failure (which stops the pipeline). */
    public interface DeliveryListener {
        /** {@code changes} more changes are in Kinesis and marked processed, {@code last} the latest of them. */
        void delivered(int changes, long bytes, SourceRecord last);

        void failed(Throwable error);

        /**
         * Kinesis acknowledged one change committed at {@code commitMicros} (epoch µs, from the envelope's
         * {@code timestamp}; {@link CommitTimestamps#UNKNOWN} without one). Called on the writer's callback threads,
         * in no particular order: keep it cheap.
         */
        default void acknowledged(long commitMicros) {
        }
    }

    /**
     * @param snapshotRunning whether an incremental snapshot runs: the commit policy then stores offsets every few
     *                        milliseconds, and the marker comes back that soon after marking to let it (see
     *                        {@link #markAcknowledgedForever})
     */
    public KinesisChangeConsumer(KinesisWriter writer, DeliveryListener listener, BooleanSupplier snapshotRunning) {
        this.writer = writer;
        this.listener = listener;
        this.snapshotRunning = snapshotRunning;
        this.marker = new Thread(this::markAcknowledgedForever, "cdc-offset-marker");
        this.marker.setDaemon(true);
        this.marker.start();
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        this.committer = committer;
        batchLock.lockInterruptibly();
        try {
            Throwable failure = inFlight.failure();
            if (failure != null) {
                // Fails the engine: nothing after the failed change is ever marked.
                throw new DeliveryFailedException(failure);
            }
            for (RecordChangeEvent<SourceRecord> event : records) {
                if (!accepting) {
                    return; // shutting down: not submitted, not marked, so read again after a restart
                }
                SourceRecord record = event.record();
                Object value = record.value();
                byte[] data = value == null ? new byte[0] : utf8(value);
                AcknowledgedPrefix.Entry<RecordChangeEvent<SourceRecord>> entry = inFlight.append(event, data.length);
                unmarked.incrementAndGet();
                if (value == null) {
                    inFlight.complete(entry, null); // nothing to deliver (no tombstones here), keep its place in order
                    continue;
                }
                String key = String.valueOf(record.key());
                // The topic names the change in the writer's error messages, which add the partition key.
                long committed = commitTimes.micros(data);
                writer.submit(key, previousKey(record), data, record.topic(), error -> {
                    if (error == null) {
                        listener.acknowledged(committed);
                    }
                    inFlight.complete(entry, error);
                });
            }
            // The batch is whole (poll.linger.ms let it fill): its call need not wait kinesis.linger.ms for more.
            writer.sendReady();
        } finally {
            batchLock.unlock();
        }
        committer.markBatchFinished();
    }

    /**
     * The row's previous partition key when the change moved it to another primary key (header set by the source),
     * else null: the writer then orders the change against both keys (docs/envelope.md, "Key changes").
     */
    static String previousKey(SourceRecord record) {
        Header header = record.headers().isEmpty() ? null : record.headers().lastWithName(PartitionKey.PREVIOUS_KEY_HEADER);
        return header == null || header.value() == null ? null : header.value().toString();
    }

    /** The record's message as Kinesis data: the bytes wal2json wrote (value.format=bytes, as the runner sets it). */
    private static byte[] utf8(Object value) {
        return value instanceof byte[] bytes ? bytes : value.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void markAcknowledgedForever() {
        long waitMillis = 200;
        while (!closed) {
            try {
                int released = markAcknowledged(waitMillis);
                flushIfDue();
                // While a snapshot runs, come back after the policy's snapshot interval: it may have declined this
                // flush as too early, and with no acknowledgement coming (the snapshot waits for that flush to hand
                // out more) a long wait would be its pace. Streaming needs no such haste: offsets are stored every
                // offset.flush.interval.ms (1 s), the next acknowledgement wakes the wait anyway, and coming back
                // 10 ms after every call's acknowledgement doubled the marker's wake-ups at a steady load.
                waitMillis = released > 0 && snapshotRunning.getAsBoolean()
                        ? OffsetFlushPolicy.SNAPSHOT_INTERVAL_MS : 200;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("event=offset_mark_failed error=\"{}\"", e.toString(), e);
                reportFailure(e);
                return;
            }
        }
    }

    private int markAcknowledged(long waitMillis) throws InterruptedException {
        List<AcknowledgedPrefix.Entry<RecordChangeEvent<SourceRecord>>> run = new ArrayList<>();
        int released = inFlight.releaseAcknowledged(waitMillis, run::add);
        if (released > 0) {
            // Read after the wait, not before: handleBatch sets the committer before it appends a change, so once a
            // change is released the committer is there (read before the wait, it was null when the first batch's
            // acknowledgements woke the marker).
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> current = committer;
            long bytes = 0;
            for (int i = 0; i < run.size(); i++) {
                bytes += run.get(i).bytes;
                // The committer keeps only the latest offset of each source partition (the engine's offset writer, and
                // the tasks' commitRecord, remember the last one), so marking the last change of each partition in an
                // acknowledged run marks the whole run, without a call per change.
                if (i == run.size() - 1 || !samePartition(run.get(i).change, run.get(i + 1).change)) {
                    current.markProcessed(run.get(i).change);
                }
            }
            unmarked.addAndGet(-released);
            listener.delivered(released, bytes, run.get(run.size() - 1).change.record());
        }
        Throwable failure = inFlight.failure();
        if (failure != null) {
            reportFailure(failure);
        }
        return released;
    }

    /**
     * Lets the engine store what was marked (on its offset.flush.interval.ms) without waiting for the next batch: the
     * engine flushes only when a batch finishes, so the last changes of a burst stayed unstored until the stream
     * brought more. The source task learns what is stored in its commit(), called after the flush; an incremental
     * snapshot waits for that before reading its next chunk (docs/snapshots.md). Cheap when there is nothing new (the
     * commit policy or the offset writer says no at once). Not while draining: the engine's own final flush does it.
     */
    private void flushIfDue() throws InterruptedException {
        DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> current = committer;
        if (current != null && accepting && !closed) {
            current.markBatchFinished();
        }
    }

    private static boolean samePartition(RecordChangeEvent<SourceRecord> a, RecordChangeEvent<SourceRecord> b) {
        Object pa = a.record().sourcePartition();
        Object pb = b.record().sourcePartition();
        return pa == pb || (pa != null && pa.equals(pb));
    }

    private void reportFailure(Throwable failure) {
        if (!failureReported) {
            failureReported = true;
            listener.failed(failure);
        }
    }

    /**
     * Graceful stop: no more submissions, then wait up to {@code timeout} for everything in flight and mark it.
     * Returns {@code true} when every submitted change is in Kinesis and marked; the engine's final offset flush then
     * stores it and confirms it to the slot.
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        accepting = false;
        if (!batchLock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return false; // a batch is still blocked on the writer past the bound
        }
        batchLock.unlock();
        // Not inFlight.isEmpty(): the marker takes entries off the queue before it marks them, and the engine's final
        // offset flush must see every mark.
        while (unmarked.get() > 0 && inFlight.failure() == null) {
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remaining <= 0) {
                return false;
            }
            // The marker thread releases entries as they are acknowledged; wait for it.
            Thread.sleep(Math.min(remaining, 20));
        }
        return unmarked.get() == 0;
    }

    /** Changes handed to Kinesis and not yet marked processed. */
    public long inFlight() {
        return unmarked.get();
    }

    @Override
    public void close() {
        accepting = false;
        closed = true;
        inFlight.wakeUp();
        marker.interrupt();
    }

    /** The pipeline stops: Kinesis refused a change for good. */
    public static final class DeliveryFailedException extends RuntimeException {
        DeliveryFailedException(Throwable cause) {
            super("a change could not be written to Kinesis, stopping without confirming it: " + cause.getMessage(),
                    cause);
        }
    }
}
