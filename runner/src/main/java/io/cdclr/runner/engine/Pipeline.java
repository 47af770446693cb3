package io.cdclr.runner.engine;

import io.debezium.embedded.EmbeddedEngineConfig;
import io.cdclr.connector.kinesis.KinesisWriter;
import io.cdclr.connector.pgoutput.PgoutputProperties;
import io.cdclr.connector.replication.Lsn;
import io.cdclr.connector.replication.SlotLostException;
import io.cdclr.connector.source.Wal2JsonSourceConfig;
import io.cdclr.connector.source.Wal2JsonSourceConnector;
import io.cdclr.runner.config.PostgresConnections;
import io.cdclr.runner.config.RunnerConfig;
import io.cdclr.runner.config.RunnerSettings;
import io.cdclr.runner.http.RunnerMetrics;
import io.debezium.embedded.Connect;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running pipeline: the Debezium Engine hosting the wal2json source connector (or, with decoder=pgoutput,
 * Debezium's PostgresConnector and the wal2json mapping, see {@link PgoutputProperties}), feeding the Kinesis writer
 * through {@link KinesisChangeConsumer}. {@link #run()} blocks until the pipeline stops and returns the exit code.
 */
public final class Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    /**
     * Exit codes: 0 clean stop, 1 pipeline failure, 3 graceful stop that could not drain in time, 4 the replication
     * slot was dropped or invalidated (changes after the last confirmed LSN may be lost; see the reset command).
     */
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_DRAIN_TIMEOUT = 3;
    public static final int EXIT_SLOT_LOST = 4;

    private final RunnerConfig config;
    private final RunnerSettings settings;
    private final RunnerMetrics metrics;
    private final CountDownLatch engineDone = new CountDownLatch(1);
    /**
     * Counted down by whatever ends the run: a stop request, the engine stopping, a failure. The main thread waits on
     * it alone rather than polling the three (a poll every 200 ms was five wake-ups a second for nothing).
     */
    private final CountDownLatch runEnds = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean taskRunning;
    private volatile boolean stopping;
    private final ReplicationHealth replication;
    /** Set when the slot probe sees the slot lost, before the stream itself fails: readiness turns off at once. */
    private volatile boolean slotLost;
    /** decoder=pgoutput: keeps Debezium from re-creating a slot this runner has a position in (null for wal2json). */
    private volatile SlotGuard slotGuard;
    private final ReplicationLag lag = new ReplicationLag();
    private final CommitTimestamps commitTimes = new CommitTimestamps();
    /** Set by run(); the lag reads whether it holds anything unacknowledged. */
    private volatile KinesisChangeConsumer consumer;

    public Pipeline(RunnerConfig config, RunnerMetrics metrics) {
        this.config = config;
        this.settings = config.settings();
        this.metrics = metrics;
        this.replication = config.decoder().pgoutput() ? ReplicationHealth.pgoutput()
                : ReplicationHealth.wal2json(config.slotName());
        metrics.gauge("cdc_replication_connected", "1 while the replication connection to PostgreSQL streams; 0 while"
                + " it is lost, reconnecting or silent", () -> taskRunning && replication.connected() ? 1 : 0);
        if (!config.decoder().pgoutput()) {
            metrics.gauge("cdc_replication_last_received_seconds", "Seconds since PostgreSQL last sent anything on the"
                    + " replication connection (data or keepalive)", replication::lastReceivedSeconds);
            metrics.counter("cdc_replication_reconnects", "Reconnects of the replication connection after it was lost",
                    replication::reconnects);
            metrics.snapshot(config.slotName());
        }
        metrics.replicationLag(this::lagSeconds);
    }

    /**
     * Connected and streaming: the source task runs, its replication connection streams (not lost, reconnecting or
     * silent), and nothing has failed.
     */
    public boolean ready() {
        return taskRunning && failure.get() == null && !stopping && !slotLost && replication.connected();
    }

    /** See {@link ReplicationLag}; NaN (not exported) before anything is known. */
    private double lagSeconds() {
        KinesisChangeConsumer current = consumer;
        boolean holdsNothing = current != null && current.inFlight() == 0;
        return lag.seconds(nowMicros(), holdsNothing, replication.caughtUpAtEpochMs());
    }

    /**
     * The slot was seen dropped or invalidated (wal_status 'lost'): not ready from now on. With pgoutput the runner
     * also stops now (exit 4): Debezium would notice only when it restarts its task.
     */
    public void slotLost() {
        slotLost = true;
        SlotGuard guard = slotGuard;
        if (guard != null) {
            try {
                guard.check();
            } catch (SlotLostException lost) {
                fail(lost);
            } catch (SQLException e) {
                // not readable now: the guard checks again when Debezium restarts its task
            }
        }
    }

    /**
     * The slot probe saw the slot gone after it had seen it. With pgoutput that stops the runner now (exit 4), unless
     * this is a first start that has not streamed yet; the guard keeps Debezium from re-creating it meanwhile. With
     * wal2json the connector notices by itself on its reconnect, as before.
     */
    public void slotMissing() {
        SlotGuard guard = slotGuard;
        if (guard != null && !guard.mayCreate()) {
            fail(guard.missing());
        }
    }

    /** The process is healthy unless the pipeline failed. */
    public boolean live() {
        return failure.get() == null;
    }

    /** Asks for a graceful stop (SIGTERM): drain, store and confirm offsets, then stop. */
    public void requestStop() {
        stopping = true;
        runEnds.countDown();
    }

    public int run() throws InterruptedException, IOException {
        if (config.decoder().pgoutput()) {
            slotGuard = slotGuard();
            if (slotGuard == null) {
                return EXIT_SLOT_LOST;
            }
        }
        try {
            return runEngine();
        } finally {
            if (slotGuard != null) {
                slotGuard.unregister();
            }
        }
    }

    /**
     * decoder=pgoutput: the slot rule before anything starts (the wal2json connector applies it itself on every start
     * of its task, under Kafka Connect too): with an offset stored, a missing or lost slot stops here, before the
     * engine starts and before Debezium could create it. Returns null after failing the pipeline.
     */
    private SlotGuard slotGuard() throws IOException {
        StoredOffsets offsets = new StoredOffsets(config);
        List<StoredOffsets.Entry> stored;
        try {
            stored = offsets.read();
        } catch (SQLException e) {
            throw new IOException("cannot read the stored offsets (" + offsets.where() + "): " + e.getMessage(), e);
        }
        Lsn confirmed = stored.stream().map(StoredOffsets.Entry::confirmLsn)
                .reduce(Lsn.INVALID, Lsn::max);
        PostgresConnections connections = new PostgresConnections(config);
        SlotGuard guard = new SlotGuard(connections, config.slotName(), connections.endpoint().database(),
                stored.isEmpty(), confirmed);
        try {
            guard.check();
        } catch (SlotLostException lost) {
            fail(lost);
            return null;
        } catch (SQLException e) {
            // Not known either way: the task checks again before it starts, and retries while it cannot tell.
            LOG.warn("event=slot_check_unavailable slot={} error=\"{}\"", config.slotName(), e.getMessage());
        }
        return guard;
    }

    private int runEngine() throws InterruptedException, IOException {
        KinesisWriter writer = KinesisWriter.create(config.writer());
        metrics.register(writer.metrics());
        BooleanSupplier snapshotRunning = SnapshotRunningProbe.forDecoder(config.decoder().pgoutput(), config.slotName());
        KinesisChangeConsumer consumer = new KinesisChangeConsumer(writer, new KinesisChangeConsumer.DeliveryListener() {
            @Override
            public void delivered(int changes, long bytes, SourceRecord last) {
                metrics.delivered(changes, bytes, lsnOf(last));
                lag.acknowledged(commitTimes.micros(last.value()));
            }

            @Override
            public void acknowledged(long commitMicros) {
                if (commitMicros != CommitTimestamps.UNKNOWN) {
                    metrics.commitToAcknowledged(nowMicros() - commitMicros);
                }
            }

            @Override
            public void failed(Throwable error) {
                fail(error);
            }
        }, snapshotRunning);
        this.consumer = consumer;
        DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(engineProperties())
                .using(new OffsetFlushPolicy(settings.offsetFlushIntervalMs(), snapshotRunning))
                .using((success, message, error) -> {
                    if (!success && !stopping) {
                        fail(error != null ? error : new IllegalStateException(message));
                    }
                    LOG.info("event=engine_stopped success={} message=\"{}\"", success, message);
                    engineDone.countDown();
                    runEnds.countDown();
                })
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        taskRunning = true;
                        metrics.ready(true);
                        LOG.info("event=streaming slot={}", config.slotName());
                    }

                    @Override
                    public void taskStopped() {
                        taskRunning = false;
                        metrics.ready(false);
                    }
                })
                .notifying(consumer)
                .build();

        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "cdc-engine"));
        executor.execute(engine);
        int exitCode = EXIT_OK;
        try {
            // Wake on a stop request, an engine that stopped by itself, or a delivery failure.
            runEnds.await();
            if (failure.get() == null && engineDone.getCount() > 0) {
                Duration timeout = settings.shutdownTimeout();
                LOG.info("event=shutdown_started in_flight={} timeout_ms={}", consumer.inFlight(), timeout.toMillis());
                boolean drained = consumer.drain(timeout);
                if (!drained) {
                    LOG.warn("event=shutdown_drain_timeout in_flight={} note=\"changes not acknowledged by Kinesis are "
                            + "not confirmed and will be replayed\"", consumer.inFlight());
                    exitCode = EXIT_DRAIN_TIMEOUT;
                }
            }
            stopping = true;
            // The engine's close flushes the marked offsets, calls the task's commit() (confirming the LSN) and stops it.
            closeEngine(engine);
            engineDone.await(settings.shutdownTimeout().toMillis() + 30_000, TimeUnit.MILLISECONDS);
        } finally {
            consumer.close();
            writer.close();
            executor.shutdownNow();
        }
        if (failure.get() != null) {
            return SlotLostException.find(failure.get()) != null ? EXIT_SLOT_LOST : EXIT_FAILED;
        }
        LOG.info("event=stopped exit_code={}", exitCode);
        return exitCode;
    }

    /**
     * An engine whose task failed has shut itself down already, and its close() then throws "Engine has been already
     * shut down": that must not replace the failure (and its exit code) with an exception of its own.
     */
    private void closeEngine(DebeziumEngine<?> engine) throws IOException {
        try {
            engine.close();
        } catch (IllegalStateException e) {
            if (failure.get() == null && engineDone.getCount() > 0) {
                throw e;
            }
            LOG.debug("event=engine_already_stopped message=\"{}\"", e.getMessage());
        }
    }

    /** The first failure, for the one-line error the CLI prints. */
    public Throwable failure() {
        return failure.get();
    }

    /**
     * The line the CLI prints for the failure: a lost slot's own message alone (it says everything the operator
     * needs; the driver's wording of how it was noticed would only make it longer).
     */
    public static String failureLine(Throwable error) {
        SlotLostException lost = SlotLostException.find(error);
        return lost != null ? lost.getMessage() : ErrorMessages.oneLine(error);
    }

    private void fail(Throwable error) {
        try {
            recordFailure(error);
        } finally {
            runEnds.countDown();
        }
    }

    private void recordFailure(Throwable error) {
        if (failure.compareAndSet(null, error)) {
            SlotLostException lost = SlotLostException.find(error);
            if (lost != null) {
                slotLost = true;
                // No stack trace: the cause is outside the process, and the message says what to do.
                LOG.error("event=slot_lost slot={} last_confirmed_lsn={} error=\"{}\"", lost.slot(), lost.lastConfirmed(),
                        lost.getMessage());
            } else {
                LOG.error("event=pipeline_failed error=\"{}\"", ErrorMessages.oneLine(error), error);
            }
        }
    }

    private Properties engineProperties() throws IOException {
        Properties props = config.decoder().pgoutput() ? PgoutputProperties.of(config.pgoutput()) : wal2jsonProperties();
        if (slotGuard != null) {
            props.setProperty("connector.class", GuardedPostgresConnector.class.getName());
            props.setProperty(SlotGuard.PROPERTY, slotGuard.register());
        }
        props.setProperty("name", settings.name());
        props.setProperty("tasks.max", "1");
        props.setProperty(EmbeddedEngineConfig.OFFSET_FLUSH_INTERVAL_MS.name(), Long.toString(settings.offsetFlushIntervalMs()));
        props.setProperty(EmbeddedEngineConfig.OFFSET_COMMIT_TIMEOUT_MS.name(), "10000");
        if (settings.offsetsInPostgres()) {
            props.setProperty(EmbeddedEngineConfig.OFFSET_STORAGE.name(), PostgresOffsetBackingStore.class.getName());
            props.setProperty(RunnerSettings.OFFSET_TABLE, settings.offsetTable());
            // The offset store builds its connection from the same endpoint keys as the connector (TLS, timeouts,
            // options); pgoutput's properties lack some of them.
            props.putAll(config.databaseProperties());
        } else {
            Path file = settings.offsetFile().toAbsolutePath();
            Files.createDirectories(file.getParent());
            props.setProperty(EmbeddedEngineConfig.OFFSET_STORAGE.name(), AtomicFileOffsetBackingStore.class.getName());
            props.setProperty(EmbeddedEngineConfig.OFFSET_STORAGE_FILE_FILENAME.name(), file.toString());
        }
        return props;
    }

    private Properties wal2jsonProperties() {
        Properties props = new Properties();
        props.putAll(config.connectorProperties());
        props.setProperty("connector.class", Wal2JsonSourceConnector.class.getName());
        // The connector reconnects by itself; an error that reaches the engine is one to stop on.
        props.setProperty("errors.max.retries", "0");
        // The engine hands every record to a pool to run transformations and wrap it. With wal2json there are none, so
        // one thread does that work without hand-offs between several. (pgoutput keeps the default: its mapping to the
        // wal2json envelope is a transformation worth running in parallel.)
        props.setProperty("record.processing.threads", "1");
        // Kinesis takes bytes: the message as wal2json wrote it, never decoded into a String and encoded back.
        props.setProperty(Wal2JsonSourceConfig.VALUE_FORMAT, Wal2JsonSourceConfig.VALUE_FORMAT_BYTES);
        return props;
    }

    /** Epoch microseconds of this host's clock (commit timestamps are microseconds). */
    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private static Long lsnOf(SourceRecord record) {
        Object lsn = record.sourceOffset() == null ? null : record.sourceOffset().get("lsn");
        return lsn instanceof Number n ? n.longValue() : null;
    }
}
