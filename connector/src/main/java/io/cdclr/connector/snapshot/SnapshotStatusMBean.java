package io.cdclr.connector.snapshot;

import java.util.Map;

/**
 * The incremental snapshot state of one source task, as JMX attributes under
 * {@code io.cdclr.connector:type=snapshot,slot=<slot>} (see {@link SnapshotStatus#objectName(String)}): what the runner
 * exports as {@code cdc_snapshot_*} metrics.
 */
public interface SnapshotStatusMBean {
    /** A snapshot is in progress (requested and not yet finished or cancelled). */
    boolean isRunning();

    /** The id of the running snapshot, or of the last one when none runs (null before any). */
    String getSnapshotId();

    /** The table being read (null when none). */
    String getCurrentTable();

    /** Chunks emitted by the current (or last) snapshot. */
    long getChunks();

    /** Rows emitted by the current (or last) snapshot, all tables. */
    long getRowsEmitted();

    /** Rows emitted per table by the current (or last) snapshot. */
    Map<String, Long> getRowsEmittedByTable();

    /** An estimate of the rows still to read (pg_class.reltuples based), -1 when unknown. */
    long getRowsLeftEstimate();

    /** The last emitted key of the current table, as text (null when none). */
    String getLastKey();
}
