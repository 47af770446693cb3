package io.cdclr.connector.kinesis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * Writes records to one Kinesis stream with PutRecords, batching by Kinesis's limits, with several
 * calls in flight, and keeping the order of the records of each partition key.
 *
 * <p>Ordering: a partition key has at most one record in flight (see {@link KeyedRecordQueue}). Its next
 * record is sent only after Kinesis acknowledged the previous one, so a partial failure or throttling
 * can never let a later record of the key overtake an earlier one, and the stream holds each key's
 * records in submission order (a timed-out call may leave a duplicate, right behind the original).
 * Throughput comes from many keys per call and several calls at once. A record that changed its row's primary key
 * belongs to two keys ({@link #submit(String, String, byte[], String, WriteCallback)}) and keeps this order against
 * both.
 *
 * <p>Threads: producers call {@link #submit}; one sender thread builds calls; SDK threads handle responses;
 * one callback thread runs callbacks in order; a timer puts records back after their backoff.
 * All queue state is guarded by {@link #lock}.
 */
public final class KinesisWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisWriter.class);
    private static final Duration CALLBACK_DRAIN_ON_CLOSE = Duration.ofSeconds(30);

    private final KinesisWriterConfig config;
    private final KinesisAsyncClient client;
    private final boolean ownsClient;
    private final RetryBackoff backoff;
    private final InFlightBytes inFlightBytes;
    private final PendingCount pending = new PendingCount();
    private final OrderedCallbacks callbacks = new OrderedCallbacks(pending);
    private final KinesisWriterMetrics metrics;
    private final ScheduledExecutorService retryTimer;
    /** Packs calls into KPL aggregates with kinesis.aggregation=true; null without. */
    private final Aggregator aggregator;
    /**
     * With aggregation: the stream's shards, which decide the records an aggregate may hold. Read by the sender thread
     * at start and again whenever an aggregate landed on another shard than it was packed for; null without.
     */
    private final ShardMap aggregationShards;
    private volatile boolean aggregationShardsStale = true;
    private long aggregationShardsNextReadNanos;
    /** Sender thread only. */
    private int aggregationShardReadFailures;
    private final Thread sender;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition senderWork = lock.newCondition();
    private final KeyedRecordQueue queue = new KeyedRecordQueue();
    private int callsInFlight;
    private int flushesWaiting;
    private volatile boolean closed;
    private volatile KinesisWriterException failure;

    /** A writer with its own client: Netty, the default credentials chain, the configured region and endpoint. */
    public static KinesisWriter create(KinesisWriterConfig config) {
        return new KinesisWriter(config, KinesisClientFactory.create(config), true);
    }

    /**
     * A writer over the given client, which the caller keeps owning (tests pass a fault-injecting one).
     * The client should not retry by itself (see {@link KinesisClientFactory}): the writer retries record by record.
     */
    public KinesisWriter(KinesisWriterConfig config, KinesisAsyncClient client) {
        this(config, client, false);
    }

    private KinesisWriter(KinesisWriterConfig config, KinesisAsyncClient client, boolean ownsClient) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.backoff = new RetryBackoff(config.retryBackoffInitial(), config.retryBackoffMax());
        this.inFlightBytes = new InFlightBytes(config.maxBufferedBytes());
        this.metrics = new KinesisWriterMetrics(pending::get, inFlightBytes::used, this::callsInFlight);
        this.aggregationShards = config.aggregation() ? new ShardMap(client, config.stream(), config.callTimeout()) : null;
        this.aggregationShardsNextReadNanos = System.nanoTime();
        this.aggregator = config.aggregation() ? new Aggregator(this::shardOfKey, config.aggregationMaxRecords(),
                Math.min(config.aggregationMaxBytes(), KinesisLimits.MAX_BYTES_PER_RECORD), config.maxRecordsPerCall(),
                KinesisLimits.MAX_BYTES_PER_CALL) : null;
        this.retryTimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "kinesis-writer-retry-timer");
            t.setDaemon(true);
            return t;
        });
        this.sender = new Thread(this::sendLoop, "kinesis-writer-sender");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /**
     * Queues a record for the stream. Blocks while kinesis.max.buffered.bytes are in flight.
     *
     * @param partitionKey the Kinesis partition key, 1 to 256 characters; records with equal keys keep their order
     * @param description  names the record in error messages, which add the partition key, e.g. "cdc.public.orders"
     * @param callback     told once whether the record was written; a key's callbacks run in submission order
     * @throws KinesisWriterException if the writer has failed or is closed, or the record is oversized under policy 'fail'
     */
    public void submit(String partitionKey, byte[] data, String description, WriteCallback callback) throws InterruptedException {
        submit(partitionKey, null, data, description, callback);
    }

    /**
     * Queues a record that belongs to two keys: a change that moved its row from {@code previousPartitionKey} to
     * {@code partitionKey} (an update of the primary key). It is written under {@code partitionKey} (which decides its
     * shard), and ordered against both: it is sent only after every earlier record of either key was acknowledged,
     * and no later record of either key is sent before it is acknowledged.
     *
     * @param previousPartitionKey the row's previous partition key, or null (or equal to {@code partitionKey}) for an
     *                             ordinary record, which is then exactly {@link #submit(String, byte[], String, WriteCallback)}
     */
    public void submit(String partitionKey, String previousPartitionKey, byte[] data, String description,
                       WriteCallback callback) throws InterruptedException {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(callback, "callback");
        requirePartitionKey(partitionKey, description);
        throwIfStopped();
        long size = KinesisLimits.recordSize(partitionKey, data);
        boolean skip = false;
        if (size > KinesisLimits.MAX_BYTES_PER_RECORD) {
            skip = handleOversized(partitionKey, data, description, size);
        }
        if (previousPartitionKey != null) {
            requirePartitionKey(previousPartitionKey, description);
        }
        PendingRecord record = new PendingRecord(partitionKey, previousPartitionKey, skip ? new byte[0] : data, description,
                skip ? 0 : size, skip, callback);
        inFlightBytes.acquire(record.size);
        lock.lock();
        try {
            if (closed || failure != null) {
                inFlightBytes.release(record.size);
                throwIfStopped();
            }
            pending.increment();
            boolean hadReady = queue.hasReady();
            queue.add(record);
            // Wake the sender only when there is something new for it to decide: a first ready record (it may wait
            // with nothing to do) or a full call. A partial call lingering wakes it by itself; waking it per record
            // cost a thread switch per record.
            if ((!hadReady && queue.hasReady()) || (readyFillsACall() && callsInFlight < config.maxConcurrentCalls())) {
                senderWork.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every record submitted so far is completed (acknowledged, skipped or failed) and its
     * callback ran; records waiting for their linger go out at once.
     *
     * @return false if the timeout passed first. Failures are reported through the callbacks (and {@link #failure()}).
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            flushesWaiting++;
            senderWork.signal();
        } finally {
            lock.unlock();
        }
        try {
            return pending.awaitZero(timeout);
        } finally {
            lock.lock();
            try {
                flushesWaiting--;
            } finally {
                lock.unlock();
            }
        }
    }

    public KinesisWriterMetrics metrics() {
        return metrics;
    }

    /** Why the writer stopped, if it failed. */
    public Optional<KinesisWriterException> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Stops at once: every record not yet acknowledged gets its callback with an exception (call
     * {@link #flush} first to deliver them). Returns after the callbacks ran.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            KinesisWriterException notWritten = failure != null ? failure
                    : new KinesisWriterException("Kinesis writer for stream '" + config.stream()
                            + "' closed before Kinesis acknowledged the record");
            completeAll(queue.drain(), notWritten);
            inFlightBytes.abort(failure != null ? failure
                    : new KinesisWriterException("Kinesis writer for stream '" + config.stream() + "' is closed"));
            senderWork.signalAll();
        } finally {
            lock.unlock();
        }
        retryTimer.shutdownNow();
        try {
            sender.join(TimeUnit.SECONDS.toMillis(10));
            callbacks.shutdown(CALLBACK_DRAIN_ON_CLOSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsClient) {
            client.close();
        }
    }

    private void sendLoop() {
        try {
            while (true) {
                List<PendingRecord> batch = nextBatch();
                if (batch == null) {
                    return;
                }
                if (batch == READ_SHARDS) {
                    readAggregationShards();
                    continue;
                }
                send(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failWriter(new KinesisWriterException("Kinesis writer for stream '" + config.stream() + "' stopped: " + e, e));
        }
    }

    /** Waits until a call should go out, takes its records, and counts it in flight. Null when stopping. */
    private List<PendingRecord> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closed || failure != null) {
                    return null;
                }
                if (aggregator != null && aggregationShardsStale && System.nanoTime() - aggregationShardsNextReadNanos >= 0) {
                    return READ_SHARDS;
                }
                if (queue.hasReady() && callsInFlight < config.maxConcurrentCalls()) {
                    long lingerLeft = linger().toNanos() - (System.nanoTime() - queue.readySinceNanos());
                    if (lingerLeft <= 0 || flushesWaiting > 0 || readyFillsACall()) {
                        List<PendingRecord> batch = takeBatch();
                        if (batch.isEmpty()) {
                            continue; // only skipped records were ready
                        }
                        callsInFlight++;
                        return batch;
                    }
                    senderWork.awaitNanos(lingerLeft);
                } else {
                    senderWork.await();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean readyFillsACall() {
        if (aggregator != null) { // a call holds up to 500 aggregates: only the byte limit is near
            return queue.readyBytes() >= KinesisLimits.MAX_BYTES_PER_CALL
                    || queue.readyCount() >= (long) config.maxRecordsPerCall() * config.aggregationMaxRecords();
        }
        return queue.readyCount() >= config.maxRecordsPerCall() || queue.readyBytes() >= KinesisLimits.MAX_BYTES_PER_CALL;
    }

    /**
     * One record per ready key, oldest first, up to the record and byte limits of a call. A skipped
     * oversized record that comes up is acknowledged in its turn, without sending, and its key's next
     * record becomes ready.
     */
    private List<PendingRecord> takeBatch() {
        if (aggregator != null) {
            return aggregator.takeBatch(queue, this::acknowledgeSkipped);
        }
        List<PendingRecord> batch = new ArrayList<>(Math.min(queue.readyCount(), config.maxRecordsPerCall()));
        long bytes = 0;
        while (batch.size() < config.maxRecordsPerCall()) {
            PendingRecord next = queue.peekReadyHead();
            if (next == null || bytes + next.size > KinesisLimits.MAX_BYTES_PER_CALL) {
                break;
            }
            queue.takeReadyHead();
            if (next.skipped) {
                acknowledgeSkipped(next);
                continue;
            }
            batch.add(next);
            bytes += next.size;
        }
        return batch;
    }

    private void send(List<PendingRecord> batch) {
        List<PutRecordsRequestEntry> entries = new ArrayList<>(batch.size());
        for (PendingRecord record : batch) {
            entries.add(PutRecordsRequestEntry.builder()
                    .partitionKey(record.partitionKey)
                    .data(SdkBytes.fromByteArrayUnsafe(record.data))
                    .build());
        }
        PutRecordsRequest request = PutRecordsRequest.builder().streamName(config.stream()).records(entries).build();
        metrics.callStarted();
        long started = System.nanoTime();
        CompletableFuture<PutRecordsResponse> call;
        try {
            call = client.putRecords(request);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((response, error) -> onCallCompleted(batch, response, error, System.nanoTime() - started));
    }

    private void onCallCompleted(List<PendingRecord> batch, PutRecordsResponse response, Throwable error, long latencyNanos) {
        metrics.callCompleted(latencyNanos, error != null);
        lock.lock();
        try {
            callsInFlight--;
            senderWork.signal();
            if (closed || failure != null) {
                return; // every record of the batch was completed with the failure already
            }
            if (error != null) {
                handleCallFailure(batch, error);
            } else if (response.records().size() != batch.size()) {
                // Which entry is which is unknown: send all again (a duplicate is harmless, a loss is not).
                LOG.warn("PutRecords to stream '{}' answered {} entries for {} records; sending them again",
                        config.stream(), response.records().size(), batch.size());
                for (PendingRecord record : batch) {
                    if (failure == null) {
                        retryLater(record, RetryReason.OTHER, "PutRecords answered " + response.records().size()
                                + " entries for " + batch.size() + " records");
                    }
                }
            } else {
                handleResponse(batch, response.records());
            }
        } catch (RuntimeException e) {
            failWriter(new KinesisWriterException("Kinesis writer for stream '" + config.stream() + "' stopped: " + e, e));
        } finally {
            lock.unlock();
        }
    }

    private void handleCallFailure(List<PendingRecord> batch, Throwable error) {
        FailureClassifier.Outcome outcome = FailureClassifier.ofCallFailure(error);
        if (outcome.permanent()) {
            failWriter(new KinesisWriterException("Kinesis stream '" + config.stream() + "' in " + config.region()
                    + " rejected PutRecords: " + outcome.description() + "; the writer stopped, and "
                    + (queue.size()) + " records not acknowledged are reported as not written",
                    FailureClassifier.unwrap(error)));
            return;
        }
        logRetry(outcome, batch.size(), "records: the whole call failed");
        for (PendingRecord record : batch) {
            if (failure != null) {
                return; // a record ran out of attempts: everything was reported already
            }
            retryLater(record, outcome.retryReason(), outcome.description());
        }
    }

    private void handleResponse(List<PendingRecord> batch, List<PutRecordsResultEntry> results) {
        KinesisWriterException permanent = null;
        FailureClassifier.Outcome lastRetry = null;
        int retried = 0;
        Acknowledged written = new Acknowledged(batch.size());
        for (int i = 0; i < batch.size() && failure == null; i++) {
            PendingRecord record = batch.get(i);
            PutRecordsResultEntry result = results.get(i);
            if (result.errorCode() == null && result.sequenceNumber() != null) {
                if (landedOnAnotherShard(record, result)) {
                    acknowledge(written); // as below: a retry may fail the writer
                    written = new Acknowledged(batch.size() - i);
                    retryLater(record, RetryReason.OTHER, "aggregate landed on " + result.shardId() + ", not "
                            + record.shardId + " (the stream was resharded)");
                    continue;
                }
                written.add(record);
                continue;
            }
            FailureClassifier.Outcome outcome = FailureClassifier.ofRecordError(result.errorCode(), result.errorMessage());
            if (outcome.permanent()) {
                if (permanent == null) {
                    permanent = new KinesisWriterException("Kinesis stream '" + config.stream() + "' in " + config.region()
                            + " rejected " + record.describe() + ": " + outcome.description()
                            + "; the writer stopped, and every record not acknowledged is reported as not written");
                }
            } else {
                // A retry may fail the writer (out of attempts), which reports everything still queued as not written:
                // first take out the records before it that Kinesis has.
                acknowledge(written);
                written = new Acknowledged(batch.size() - i);
                retryLater(record, outcome.retryReason(), outcome.description());
                lastRetry = outcome;
                retried++;
            }
        }
        // Before a permanent failure is reported: these records are in the stream, and their callbacks say so.
        acknowledge(written);
        if (permanent != null) {
            failWriter(permanent);
        } else if (lastRetry != null && failure == null) {
            logRetry(lastRetry, retried, "of " + batch.size() + " records of a call");
        }
    }

    /** A skipped (oversized) record, acknowledged in its turn without being sent. */
    private void acknowledgeSkipped(PendingRecord record) {
        queue.acknowledgeHead(record);
        inFlightBytes.release(record.size);
        if (record.markCompleted()) {
            callbacks.complete(List.of(record), null);
        }
    }

    /**
     * The records Kinesis acknowledged in one response, handed on together: one release of their bytes, one metrics
     * update and one hand-over to the callback thread per response rather than per record (each of those takes a lock
     * that producers or the callback thread contend for).
     */
    private void acknowledge(Acknowledged written) {
        if (written.records.isEmpty()) {
            return;
        }
        List<PendingRecord> toComplete = new ArrayList<>(written.records.size());
        for (PendingRecord record : written.records) {
            queue.acknowledgeHead(record);
            if (record.markCompleted()) {
                toComplete.add(record);
            }
        }
        inFlightBytes.release(written.bytes);
        metrics.recordsAcknowledged(written.records.size(), written.bytes);
        metrics.kinesisRecordsAcknowledged(written.kinesisRecords);
        callbacks.complete(toComplete, null);
    }

    private static final class Acknowledged {
        final List<PendingRecord> records;
        long bytes;
        /** Kinesis records acknowledged: an aggregate counts one, its user records are in {@link #records}. */
        int kinesisRecords;

        Acknowledged(int capacity) {
            records = new ArrayList<>(capacity);
        }

        void add(PendingRecord record) {
            kinesisRecords++;
            if (record.members == null) {
                records.add(record);
                bytes += record.size;
                return;
            }
            for (PendingRecord member : record.members) { // in order: their callbacks run in this order
                records.add(member);
                bytes += member.size;
            }
        }
    }

    /** The record stays at the head of its key's queue, so nothing of its key overtakes it; it is ready again after the backoff. */
    private void retryLater(PendingRecord record, RetryReason reason, String why) {
        record.failedAttempts++;
        if (record.members != null) { // an aggregate: its records count the attempt, the most tried one decides
            for (PendingRecord member : record.members) {
                record.failedAttempts = Math.max(record.failedAttempts, ++member.failedAttempts);
            }
        }
        metrics.recordRetried(reason);
        int maxAttempts = config.retryMaxAttempts();
        if (maxAttempts > 0 && record.failedAttempts >= maxAttempts) {
            failWriter(new KinesisWriterException("Kinesis stream '" + config.stream() + "': gave up on " + record.describe()
                    + " after " + record.failedAttempts + " attempts (" + KinesisWriterConfig.RETRY_MAX_ATTEMPTS + "="
                    + maxAttempts + "); last error " + why));
            return;
        }
        long delay = backoff.delayMillis(record.failedAttempts);
        retryTimer.schedule(() -> makeReadyAgain(record), delay, TimeUnit.MILLISECONDS);
    }

    private void makeReadyAgain(PendingRecord record) {
        lock.lock();
        try {
            if (!closed && failure == null) {
                if (record.members == null) {
                    queue.markReady(record);
                } else {
                    // Back among the ready records together, to be packed again by the shard map of now: after a
                    // reshard they may belong to different shards. Each is still the head of its key's queue.
                    record.members.forEach(queue::markReady);
                }
                senderWork.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    private void logRetry(FailureClassifier.Outcome outcome, int records, String scope) {
        // Throttling is routine under load and visible in the metrics; other transient errors deserve a line.
        if (outcome.retryReason() == RetryReason.THROTTLED || outcome.retryReason() == RetryReason.KMS_THROTTLED) {
            LOG.debug("Kinesis stream '{}': retrying {} {} after {}", config.stream(), records, scope, outcome.description());
        } else {
            LOG.warn("Kinesis stream '{}': retrying {} {} after {}", config.stream(), records, scope, outcome.description());
        }
    }

    /** Permanent failure: every record not acknowledged is reported as not written, producers are released. */
    private void failWriter(KinesisWriterException cause) {
        lock.lock();
        try {
            if (failure != null || closed) {
                return;
            }
            failure = cause;
            LOG.error("{}", cause.getMessage(), cause.getCause());
            completeAll(queue.drain(), cause);
            inFlightBytes.abort(cause);
            senderWork.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void completeAll(List<PendingRecord> records, KinesisWriterException cause) {
        List<PendingRecord> toComplete = new ArrayList<>(records.size());
        for (PendingRecord record : records) {
            inFlightBytes.release(record.size);
            if (record.markCompleted()) {
                toComplete.add(record);
            }
        }
        callbacks.complete(toComplete, cause);
    }

    /** Oversized under 'fail' fails the writer and throws; under 'skip' logs, counts, and returns true. */
    private boolean handleOversized(String partitionKey, byte[] data, String description, long size) {
        String message = "Change " + description + " (partition key '" + partitionKey + "') is " + size
                + " bytes as a Kinesis record (data " + data.length + " + partition key " + (size - data.length)
                + "), over the Kinesis limit of " + KinesisLimits.MAX_BYTES_PER_RECORD + " bytes (1 MiB) per record";
        if (config.oversizedRecordPolicy() == OversizedRecordPolicy.SKIP) {
            LOG.warn("{}; skipped, not written to Kinesis ({}=skip)", message, KinesisWriterConfig.OVERSIZED_RECORD_POLICY);
            metrics.oversizedRecordSkipped();
            return true;
        }
        KinesisWriterException error = new KinesisWriterException(message + "; the writer stopped ("
                + KinesisWriterConfig.OVERSIZED_RECORD_POLICY + "=fail; 'skip' would log and skip such changes)");
        failWriter(error);
        throw error;
    }

    private static void requirePartitionKey(String partitionKey, String description) {
        if (partitionKey == null || partitionKey.isEmpty()
                || partitionKey.codePointCount(0, partitionKey.length()) > KinesisLimits.MAX_PARTITION_KEY_CHARS) {
            throw new IllegalArgumentException("Partition key of " + description + " must be 1 to "
                    + KinesisLimits.MAX_PARTITION_KEY_CHARS + " characters, was "
                    + (partitionKey == null ? "null" : partitionKey.codePointCount(0, partitionKey.length()) + " characters"));
        }
    }

    private void throwIfStopped() {
        KinesisWriterException failed = failure;
        if (failed != null) {
            throw new KinesisWriterException(failed.getMessage(), failed);
        }
        if (closed) {
            throw new KinesisWriterException("Kinesis writer for stream '" + config.stream() + "' is closed");
        }
    }

    /**
     * An aggregate packed for one shard that Kinesis put on another: the shard map is out of date (the stream was
     * resharded), and some of its records may belong to a shard other than the one it is in, where the KCL drops the
     * whole aggregate. Its records are sent again, packed by the map read anew; consumers that unpack it anyway see
     * those changes twice (the copy in the other shard first).
     */
    private boolean landedOnAnotherShard(PendingRecord record, PutRecordsResultEntry result) {
        if (record.members == null || result.shardId() == null || result.shardId().equals(record.shardId)) {
            return false;
        }
        LOG.warn("Kinesis stream '{}': {} landed on shard {}, not {} as the shard map said; reading the shards again "
                + "and sending its changes again", config.stream(), record.describe(), result.shardId(), record.shardId);
        aggregationShardsStale = true;
        aggregationShardsNextReadNanos = System.nanoTime();
        senderWork.signal();
        return true;
    }

    /** On the sender thread, outside the lock: ListShards may take a while. Until it succeeds, records go plain. */
    private void readAggregationShards() {
        try {
            aggregationShards.refresh();
            aggregationShardsStale = false;
            LOG.info("Kinesis stream '{}': aggregating per shard, {} open shards", config.stream(), aggregationShards.size());
        } catch (RuntimeException e) {
            if (aggregationShardReadFailures++ == 0) {
                LOG.warn("Kinesis stream '{}': could not read its shards for aggregation ({}); changes go unaggregated "
                        + "until it can, trying again every second", config.stream(), e.toString());
            } else {
                LOG.debug("Kinesis stream '{}': reading its shards failed again: {}", config.stream(), e.toString());
            }
            lock.lock();
            try {
                aggregationShardsNextReadNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            } finally {
                lock.unlock();
            }
        }
    }

    /** nextBatch's answer when the sender should read the shards (for aggregation) first. */
    private static final List<PendingRecord> READ_SHARDS = java.util.Collections.unmodifiableList(new ArrayList<>());

    private java.time.Duration linger() {
        return aggregator != null ? config.aggregationLinger() : config.linger();
    }

    /** The open shard a partition key maps to now, for aggregation (records of one aggregate must share a shard). */
    private ShardMap.Shard shardOfKey(String partitionKey) {
        return aggregationShards.shardFor(partitionKey);
    }

    private long callsInFlight() {
        lock.lock();
        try {
            return callsInFlight;
        } finally {
            lock.unlock();
        }
    }
}
