package io.cdclr.connector.sink;

import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.connector.kinesis.KinesisWriter;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.cdclr.connector.kinesis.KinesisWriterException;
import io.cdclr.connector.source.Wal2JsonSourceConnector;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each record's value to Kinesis (String as UTF-8, bytes as they are) with the record key as partition key.
 * Offsets are committed only up to the contiguous prefix of each partition that Kinesis acknowledged
 * ({@link #preCommit}); a permanent writer failure fails the task with the writer's message.
 */
public class KinesisSinkTask extends SinkTask {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisSinkTask.class);

    private final Function<KinesisWriterConfig, KinesisWriter> writerFactory;
    private final Map<TopicPartition, AcknowledgedOffsets> progress = new ConcurrentHashMap<>();
    private KinesisSinkConfig config;
    private KinesisWriter writer;
    private long tombstonesSkipped;

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
        LOG.info("Kinesis sink task started: stream '{}' in {}", config.writerConfig().stream(), config.writerConfig().region());
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        throwIfWriterFailed();
        for (SinkRecord record : records) {
            TopicPartition tp = new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
            long offset = record.originalKafkaOffset();
            AcknowledgedOffsets partition = progress.computeIfAbsent(tp, ignored -> new AcknowledgedOffsets());
            byte[] data = data(record);
            if (data == null) {
                // A tombstone (null value) has nothing to write; the offset may move past it.
                tombstonesSkipped++;
                continue;
            }
            String partitionKey = partitionKey(record);
            AcknowledgedOffsets.Entry entry = partition.add(offset);
            try {
                writer.submit(partitionKey, previousPartitionKey(record), data, describe(record), failure -> {
                    if (failure == null) {
                        partition.acknowledge(entry);
                    }
                });
            } catch (KinesisWriterException e) {
                throw new ConnectException(e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("Interrupted while handing " + describe(record) + " to the Kinesis writer", e);
            }
        }
    }

    /**
     * Per partition, the offset after the contiguous prefix that Kinesis acknowledged: the offset of the oldest record
     * not acknowledged yet, or, when every record handed over is acknowledged, what Connect consumed (records that
     * transformations dropped or tombstones count as done).
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
            AcknowledgedOffsets partition = progress.get(current.getKey());
            OptionalLong firstUnacknowledged = partition == null ? OptionalLong.empty() : partition.firstUnacknowledged();
            long offset = firstUnacknowledged.isPresent()
                    ? Math.min(firstUnacknowledged.getAsLong(), current.getValue().offset())
                    : current.getValue().offset();
            committable.put(current.getKey(), new OffsetAndMetadata(offset, current.getValue().metadata()));
        }
        return committable;
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        // Connect committed (preCommit) just before; records still in flight for these partitions will be re-read by
        // their next owner from the committed offset (at-least-once).
        for (TopicPartition tp : partitions) {
            progress.remove(tp);
        }
    }

    @Override
    public void stop() {
        if (writer != null) {
            writer.close();
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
