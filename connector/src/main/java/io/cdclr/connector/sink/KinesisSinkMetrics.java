package io.cdclr.connector.sink;

import io.cdclr.connector.jmx.PlatformMBean;
import io.cdclr.connector.kinesis.KinesisWriterMetrics;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.management.ObjectName;

/**
 * A sink task's metrics as a platform MBean, {@code io.cdclr.connector:type=kinesis-sink,connector=<name>,task=<n>},
 * so a Connect worker's JMX (or a JMX exporter) shows the writer's figures, as the source's
 * {@code io.cdclr.connector:type=replication,slot=<slot>} does. The writer's counters restart when the task replaces its
 * writer (after a close timeout) or restarts.
 */
final class KinesisSinkMetrics implements KinesisSinkMetricsMBean {
    private final String connector;
    private final int task;
    private final String stream;
    private final Supplier<KinesisWriterMetrics> writer;
    final AtomicLong recordsReported = new AtomicLong();
    final AtomicLong closeTimeouts = new AtomicLong();
    final AtomicLong putTimeouts = new AtomicLong();
    private final PlatformMBean registration;

    KinesisSinkMetrics(String connector, int task, String stream, Supplier<KinesisWriterMetrics> writer) {
        this.connector = connector;
        this.task = task;
        this.stream = stream;
        this.writer = writer;
        this.registration = new PlatformMBean(this, objectName(connector, task), "Kinesis sink metrics");
    }

    static ObjectName objectName(String connector, int task) {
        return PlatformMBean.name("kinesis-sink", "connector", connector, "task", Integer.toString(task));
    }

    /** Best effort, replacing what a previous task of the same name left behind: JMX is not required. */
    void register() {
        registration.register();
    }

    void unregister() {
        registration.unregister();
    }

    private KinesisWriterMetrics w() {
        return writer.get();
    }

    @Override
    public long getRecordsSent() {
        return w().recordsSent();
    }

    @Override
    public long getBytesSent() {
        return w().bytesSent();
    }

    @Override
    public long getCalls() {
        return w().calls();
    }

    @Override
    public long getFailedCalls() {
        return w().failedCalls();
    }

    @Override
    public long getRetries() {
        return w().retriesTotal();
    }

    @Override
    public long getOversizedRecordsSkipped() {
        return w().oversizedRecordsSkipped();
    }

    @Override
    public long getRecordsInFlight() {
        return w().recordsInFlight();
    }

    @Override
    public long getBytesInFlight() {
        return w().bytesInFlight();
    }

    @Override
    public long getCallsInFlight() {
        return w().callsInFlight();
    }

    @Override
    public long getCallLatencyMaxMs() {
        return w().callLatencyMaxNanos() / 1_000_000L;
    }

    @Override
    public long getRecordsReported() {
        return recordsReported.get();
    }

    @Override
    public long getCloseTimeouts() {
        return closeTimeouts.get();
    }

    @Override
    public long getPutTimeouts() {
        return putTimeouts.get();
    }

    @Override
    public String getStreamName() {
        return stream;
    }
}
