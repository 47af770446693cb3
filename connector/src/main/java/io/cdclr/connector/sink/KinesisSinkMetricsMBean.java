package io.cdclr.connector.sink;

/** JMX view of one sink task: its writer's counters and gauges, and the sink's own. */
public interface KinesisSinkMetricsMBean {
    long getRecordsSent();

    long getBytesSent();

    long getCalls();

    long getFailedCalls();

    long getRetries();

    long getOversizedRecordsSkipped();

    long getRecordsInFlight();

    long getBytesInFlight();

    long getCallsInFlight();

    long getCallLatencyMaxMs();

    /** Records handed to Connect's errant record reporter (dead letter queue) instead of being written. */
    long getRecordsReported();

    /** Times a revoked partition's records were not acknowledged within kinesis.sink.close.timeout.ms (writer replaced). */
    long getCloseTimeouts();

    /** Times put() handed records back because the writer's buffer stayed full for kinesis.sink.put.timeout.ms. */
    long getPutTimeouts();

    String getStreamName();
}
