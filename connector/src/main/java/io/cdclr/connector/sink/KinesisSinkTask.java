package io.cdclr.connector.sink;

import io.cdclr.connector.ack.AcknowledgedPrefix;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.connector.kinesis.KinesisWriter;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.cdclr.connector.kinesis.KinesisLimits;
import io.cdclr.connector.kinesis.KinesisWriterException;
import io.cdclr.connector.kinesis.OversizedRecordPolicy;
import java.time.Duration;
import io.cdclr.connector.source.Wal2JsonSourceConnector;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each record's value to Kinesis (String as UTF-8, bytes as they are) with the record key as partition key.
 * Offsets are committed only up to the contiguous prefix of each partition that Kinesis acknowledged
 * ({@link #preCommit}); a permanent writer failure fails the task with the writer's message.
 *
 * <p>Rebalances: {@link #close} lets revoked partitions go only once their records are acknowledged, or after dropping
 * the ones not sent (a new writer), so none lands after the next owner's. {@link #put} waits for room in the writer
 * at most kinesis.sink.put.timeout.ms and hands the rest back (rewind), staying within max.poll.interval.ms. Records
 * that cannot be written go to Connect's errant record reporter (dead letter queue). Metrics: {@link KinesisSinkMetrics}.
 */
public class KinesisSinkTask extends SinkTask {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisSinkTask.class);

    private final Function<KinesisWriterConfig, KinesisWriter> writerFactory;
    private final Map<TopicPartition, AcknowledgedPrefix<Long>> progress = new ConcurrentHashMap<>();
    private KinesisSinkConfig config;
    /** Partitions moved back (put timeout, writer replaced) whose records have not come again: commits stop there. */
    private final Map<TopicPartition, Long> rewoundTo = new HashMap<>();
    private volatile KinesisWriter writer;
    private long tombstonesSkipped;
    private ErrantRecordReporter reporter;
    private boolean toleratesAll;
    private KinesisSinkMetrics metrics;

    public KinesisSinkTask() {
        this(KinesisWriter::create);
    }

    /** For tests: a writer over a fake client. */
    KinesisSinkTask(Function<KinesisWriterConfig, KinesisWriter> writerFactory) {
        this.writerFactory = writerFactory;
    }

    @Override
    public String version() {
        return Wal2JsonSourceConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new KinesisSinkConfig(props);
        writer = writerFactory.apply(config.writerConfig());
        reporter = errantRecordReporter();
        toleratesAll = "all".equalsIgnoreCase(props.getOrDefault("errors.tolerance", "none").trim());
        metrics = new KinesisSinkMetrics(props.getOrDefault("name", "kinesis-sink"), config.taskId(),
                config.writerConfig().stream(), () -> writer.metrics());
        metrics.register();
        LOG.info("Kinesis sink task started: stream '{}' in {}", config.writerConfig().stream(), config.writerConfig().region());
    }

    /** Connect's errant record reporter (dead letter queue, error log), or null: none configured, or a worker before 2.6. */
    private ErrantRecordReporter errantRecordReporter() {
        if (context == null) {
            return null;
        }
        try {
            return context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return null;
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        throwIfWriterFailed();
        // Waiting for room in the writer is bounded so that put() returns well within max.poll.interval.ms (else the
        // consumer leaves the group and the partitions move while this task still holds their records). Without a
        // context (tests) nothing can be handed back: submit blocks as before.
        long roomDeadline = context == null ? Long.MAX_VALUE : System.nanoTime() + config.putTimeout().toNanos();
        Map<TopicPartition, Long> handedBack = new HashMap<>();
        for (SinkRecord record : records) {
            TopicPartition tp = new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
            long offset = record.originalKafkaOffset();
            if (handedBack.containsKey(tp)) {
                continue; // comes again after the rewind, in order
            }
            // A record of a rewound partition: the consumer was moved back, its records are tracked again from here.
            rewoundTo.remove(tp);
            AcknowledgedPrefix<Long> partition = progress.computeIfAbsent(tp, ignored -> new AcknowledgedPrefix<>());
            byte[] data;
            String partitionKey;
            String previousKey;
            try {
                data = data(record);
                if (data == null) {
                    // A tombstone (null value) has nothing to write; the offset may move past it.
                    tombstonesSkipped++;
                    continue;
                }
                partitionKey = partitionKey(record);
                previousKey = previousPartitionKey(record);
            } catch (DataException e) {
                if (reportOrTolerate(record, e)) {
                    continue;
                }
                throw e;
            }
            long size = KinesisLimits.recordSize(partitionKey, data);
            boolean oversized = size > KinesisLimits.MAX_BYTES_PER_RECORD;
            if (oversized && reporter != null
                    && config.writerConfig().oversizedRecordPolicy() == OversizedRecordPolicy.SKIP) {
                // The writer would skip it with a log line; with a reporter it goes to the dead letter queue instead.
                reportOrTolerate(record, new DataException(describe(record) + " (partition key '" + partitionKey + "') is "
                        + size + " bytes as a Kinesis record, over the Kinesis limit of " + KinesisLimits.MAX_BYTES_PER_RECORD
                        + " bytes per record; not written (" + KinesisWriterConfig.OVERSIZED_RECORD_POLICY + "=skip)"));
                continue;
            }
            if (!oversized && !awaitRoom(size, roomDeadline)) {
                handedBack.put(tp, offset);
                continue;
            }
            AcknowledgedPrefix.Entry<Long> entry = partition.append(offset, size);
            try {
                writer.submit(partitionKey, previousKey, data, describe(record), failure -> {
                    if (failure == null) {
                        partition.complete(entry, null);
                    }
                });
            } catch (KinesisWriterException e) {
                throw new ConnectException(e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("Interrupted while handing " + describe(record) + " to the Kinesis writer", e);
            }
        }
        if (!handedBack.isEmpty()) {
            metrics.putTimeouts.incrementAndGet();
            LOG.warn("Kinesis stream '{}': the writer's buffer ({}={}) stayed full for {} ms ({}); handing the records "
                            + "from {} back to Connect, they come again in the next put()", config.writerConfig().stream(),
                    KinesisWriterConfig.MAX_BUFFERED_BYTES, config.writerConfig().maxBufferedBytes(),
                    config.putTimeout().toMillis(), KinesisSinkConfig.PUT_TIMEOUT_MS, handedBack);
            handedBack.forEach((tp, offset) -> rewind(tp, offset, false));
        }
    }

    /**
     * Waits until a record of this size fits in the writer's buffer without blocking (the writer lets a record in when
     * it fits under kinesis.max.buffered.bytes or nothing is in flight). This task is the writer's only producer, so
     * room seen here is still there at submit.
     */
    private boolean awaitRoom(long size, long deadlineNanos) {
        long limit = config.writerConfig().maxBufferedBytes();
        while (true) {
            long used = writer.metrics().bytesInFlight();
            if (used == 0 || used + size <= limit) {
                return true;
            }
            throwIfWriterFailed();
            if (System.nanoTime() >= deadlineNanos) {
                return false;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("Interrupted while waiting for room in the Kinesis writer", e);
            }
        }
    }

    /**
     * Moves the consumer of this partition back to this offset; until its records come again nothing past it is
     * committed. The records before it that are still in the writer stay tracked (put timeout); after the writer was
     * replaced none is (they were dropped), so the partition starts afresh.
     */
    private void rewind(TopicPartition tp, long offset, boolean writerReplaced) {
        rewoundTo.put(tp, offset);
        if (writerReplaced) {
            progress.put(tp, new AcknowledgedPrefix<>());
        }
        if (context != null) {
            context.offset(tp, offset);
        }
    }

    /**
     * A record the sink cannot write: to Connect's errant record reporter when there is one (which fails the task
     * itself under errors.tolerance=none), skipped with a warning under errors.tolerance=all without one.
     *
     * @return whether the record was dealt with; false: the caller fails the task
     */
    private boolean reportOrTolerate(SinkRecord record, DataException error) {
        if (reporter != null) {
            reporter.report(record, error);
            metrics.recordsReported.incrementAndGet();
            return true;
        }
        if (toleratesAll) {
            LOG.warn("Skipped (errors.tolerance=all, no dead letter queue): {}", error.getMessage());
            metrics.recordsReported.incrementAndGet();
            return true;
        }
        return false;
    }

    /**
     * Per partition, the offset after the contiguous prefix that Kinesis acknowledged: the offset of the oldest record
     * not acknowledged yet, or, when every record handed over is acknowledged, what Connect consumed (records that
     * transformations dropped or tombstones count as done). Never past a rewind whose records have not come again.
     */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        throwIfWriterFailed();
        if (!config.commitFlushTimeout().isZero()) {
            try {
                writer.flush(config.commitFlushTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throwIfWriterFailed();
        }
        Map<TopicPartition, OffsetAndMetadata> committable = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> current : currentOffsets.entrySet()) {
            AcknowledgedPrefix<Long> partition = progress.get(current.getKey());
            Long firstUnacknowledged = partition == null ? null : partition.firstUnacknowledged();
            long offset = firstUnacknowledged != null
                    ? Math.min(firstUnacknowledged, current.getValue().offset())
                    : current.getValue().offset();
            Long rewound = rewoundTo.get(current.getKey());
            if (rewound != null) {
                offset = Math.min(offset, rewound);
            }
            committable.put(current.getKey(), new OffsetAndMetadata(offset, current.getValue().metadata()));
        }
        return committable;
    }

    /**
     * Partitions revoked (a rebalance, or the task stopping). Connect committed (preCommit) just before; the next owner
     * starts from that offset. Records of these partitions still in the writer must not land after the next owner's
     * newer records of the same keys: wait for them (kinesis.sink.close.timeout.ms); if they are still not
     * acknowledged, replace the writer, which drops every record it has not sent (never written), and rewind the
     * partitions this task keeps to their first unacknowledged record.
     */
    @Override
    public void close(Collection<TopicPartition> partitions) {
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        int left = awaitAcknowledged(partitions, deadline);
        if (left > 0) {
            metrics.closeTimeouts.incrementAndGet();
            LOG.warn("Kinesis stream '{}': {} records of the revoked partitions {} not acknowledged within {} ms ({}); "
                            + "dropping every record not sent yet (the next owner writes them again from the committed "
                            + "offset) and rewinding the partitions this task keeps", config.writerConfig().stream(), left,
                    partitions, config.closeTimeout().toMillis(), KinesisSinkConfig.CLOSE_TIMEOUT_MS);
            replaceWriter(partitions);
        }
        for (TopicPartition tp : partitions) {
            progress.remove(tp);
            rewoundTo.remove(tp);
        }
    }

    /** Waits until the given partitions have nothing unacknowledged, or the deadline; returns how many records are left. */
    private int awaitAcknowledged(Collection<TopicPartition> partitions, long deadlineNanos) {
        while (true) {
            int left = 0;
            for (TopicPartition tp : partitions) {
                AcknowledgedPrefix<Long> partition = progress.get(tp);
                if (partition != null) {
                    left += partition.size(); // without the acknowledged prefix
                }
            }
            long remaining = deadlineNanos - System.nanoTime();
            if (left == 0 || writer.failure().isPresent() || remaining <= 0) {
                // A failed writer sends nothing more: what it did not acknowledge will not land later.
                return writer.failure().isPresent() ? 0 : left;
            }
            try {
                // Sends lingering records at once; returns early when everything (all partitions) is acknowledged.
                writer.flush(Duration.ofNanos(Math.min(remaining, Duration.ofMillis(20).toNanos())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
        }
    }

    private void replaceWriter(Collection<TopicPartition> revoked) {
        KinesisWriter old = writer;
        // Closing drops every record not sent yet, with a failure callback (so never acknowledged, never committed).
        old.close();
        writer = writerFactory.apply(config.writerConfig());
        for (Map.Entry<TopicPartition, AcknowledgedPrefix<Long>> e : Map.copyOf(progress).entrySet()) {
            if (revoked.contains(e.getKey())) {
                continue;
            }
            Long first = e.getValue().firstUnacknowledged();
            if (first != null) {
                rewind(e.getKey(), first, true);
            }
        }
    }

    @Override
    public void stop() {
        if (writer != null) {
            writer.close();
        }
        if (metrics != null) {
            metrics.unregister();
        }
        if (tombstonesSkipped > 0) {
            LOG.info("Kinesis sink task stopped; {} records with a null value (tombstones) were skipped", tombstonesSkipped);
        }
    }

    private void throwIfWriterFailed() {
        if (writer == null) {
            return;
        }
        KinesisWriterException failure = writer.failure().orElse(null);
        if (failure != null) {
            throw new ConnectException(failure.getMessage(), failure);
        }
    }

    String partitionKey(SinkRecord record) {
        Object key = record.key();
        String text;
        if (key == null) {
            text = null;
        } else if (key instanceof String s) {
            text = s;
        } else if (key instanceof byte[] bytes) {
            text = new String(bytes, StandardCharsets.UTF_8);
        } else if (key instanceof ByteBuffer buffer) {
            text = StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
        } else if (key instanceof Number || key instanceof Boolean) {
            text = key.toString();
        } else {
            throw new DataException(describe(record) + ": key of type " + key.getClass().getName()
                    + "; the Kinesis sink takes a String or byte[] key as the partition key: set key.converter to "
                    + "org.apache.kafka.connect.storage.StringConverter (or ByteArrayConverter)");
        }
        if (text == null || text.isEmpty()) {
            if (config.failOnNullKey()) {
                throw new DataException(describe(record) + " has no key, and " + KinesisSinkConfig.NULL_KEY_POLICY
                        + " is '" + KinesisSinkConfig.NULL_KEY_FAIL + "'");
            }
            text = record.originalTopic() + "-" + record.originalKafkaPartition();
        }
        return PartitionKey.limit(text);
    }

    /**
     * The row's previous partition key when the change moved it to another primary key: the header the wal2json source
     * sets (it survives Kafka as a String with the default header converter, or as bytes). Null when absent: a record
     * written by an older source, or no key change. The value is not parsed to find one (that would cost a parse of
     * every record); such a key change is then ordered only under its new key, as before.
     */
    static String previousPartitionKey(SinkRecord record) {
        if (record.headers().isEmpty()) {
            return null;
        }
        Header header = record.headers().lastWithName(PartitionKey.PREVIOUS_KEY_HEADER);
        Object value = header == null ? null : header.value();
        String text;
        if (value == null) {
            return null;
        } else if (value instanceof byte[] bytes) {
            text = new String(bytes, StandardCharsets.UTF_8);
        } else if (value instanceof ByteBuffer buffer) {
            text = StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
        } else {
            text = value.toString();
        }
        return text.isEmpty() ? null : PartitionKey.limit(text);
    }

    static byte[] data(SinkRecord record) {
        Object value = record.value();
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
        throw new DataException(describe(record) + ": value of type " + value.getClass().getName()
                + "; the Kinesis sink writes String or byte[] values as they are: set value.converter to "
                + "org.apache.kafka.connect.storage.StringConverter (or ByteArrayConverter)");
    }

    static String describe(SinkRecord record) {
        return "record " + record.originalTopic() + "-" + record.originalKafkaPartition() + "@" + record.originalKafkaOffset();
    }
}
