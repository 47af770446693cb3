package io.cdclr.connector.kinesis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>Shards (issue 22): the writer keeps the stream's {@link ShardMap} and, with kinesis.shard.rate.limit on, a token
 * bucket per shard ({@link ShardBuckets}): a ready record whose shard has no room waits ("parked") without holding
 * back records of other shards, so the stream is not driven into throttling. Resharding needs nothing more for
 * ordering: a key's next record is sent only after its previous one was acknowledged, so when Kinesis starts putting
 * a key into a child shard, every earlier record of the key is already in the parent (the map is refreshed so the
 * buckets follow). The largest record and call come from the stream ({@link StreamLimits}).
 *
 * <p>Threads: producers call {@link #submit}; one sender thread builds calls; SDK threads handle responses;
 * one callback thread runs callbacks in order; a timer puts records back after their backoff; another re-reads the
 * shard map. All queue state is guarded by {@link #lock}.
 */
public final class KinesisWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisWriter.class);
    private static final Duration CALLBACK_DRAIN_ON_CLOSE = Duration.ofSeconds(30);
    /** At most one shard map refresh a second, however many responses name a shard the map does not hold. */
    private static final long SHARD_MAP_MIN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

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
    private final Thread sender;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition senderWork = lock.newCondition();
    private final KeyedRecordQueue queue = new KeyedRecordQueue();
    private int callsInFlight;
    private int flushesWaiting;
    /** Set by {@link #sendReady()}: the records ready then go without their linger. Guarded by {@link #lock}. */
    private boolean readyWithoutLinger;
    private volatile boolean closed;
    private volatile KinesisWriterException failure;

    private final StreamLimits streamLimits;
    private final long maxRecordBytes;
    private final long maxCallBytes;
    private final ShardMap shardMap;
    /** Null when kinesis.shard.rate.limit is off (or auto on an on-demand stream). Guarded by {@link #lock}. */
    private final ShardBuckets buckets;
    private final ScheduledExecutorService shardMapTimer;
    private final AtomicBoolean shardMapRefreshQueued = new AtomicBoolean();
    private volatile long lastShardMapRefreshNanos;
    private volatile boolean shardMapFailing;

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
        this.retryTimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "kinesis-writer-retry-timer");
            t.setDaemon(true);
            return t;
        });
        this.streamLimits = StreamLimits.read(client, config.stream(), config.callTimeout());
        this.maxRecordBytes = streamLimits.maxRecordBytes();
        this.maxCallBytes = streamLimits.maxBytesPerCall();
        this.shardMap = new ShardMap(client, config.stream(), config.callTimeout());
        this.aggregator = config.aggregation() ? new Aggregator(this::shardOf, config.aggregationMaxRecords(),
                Math.min(config.aggregationMaxBytes(), maxRecordBytes)) : null;
        this.buckets = config.shardRateLimit().appliesTo(streamLimits.onDemand())
                ? new ShardBuckets(config.shardRecordsPerSecond(), config.shardBytesPerSecond()) : null;
        this.shardMapTimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "kinesis-writer-shard-map");
            t.setDaemon(true);
            return t;
        });
        refreshShardMap("start");
        logStreamLimits();
        this.metrics.shardGauges(shardMap::size, this::recordsWaitingForBucket);
        long refreshMillis = config.shardMapRefresh().toMillis();
        shardMapTimer.scheduleWithFixedDelay(() -> refreshShardMap("periodic refresh"), refreshMillis, refreshMillis,
                TimeUnit.MILLISECONDS);
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
        if (size > maxRecordBytes) {
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

    /**
     * Sends the records ready now without waiting for their linger, and returns at once. For a caller that hands over
     * whole batches it has already let fill (the runner's engine batches, filled by {@code poll.linger.ms}): no more
     * records are coming soon, so lingering would only add {@code kinesis.linger.ms} to every record's latency.
     * Records still waiting for an earlier record of their key, or for their shard's bucket, keep their own timing.
     */
    public void sendReady() {
        lock.lock();
        try {
            if (queue.hasReady()) {
                readyWithoutLinger = true;
                senderWork.signal();
            }
        } finally {
            lock.unlock();
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
            if (buckets != null) {
                buckets.clear(); // parked records are still in their keys' queues: drained just below
            }
            completeAll(queue.drain(), notWritten);
            inFlightBytes.abort(failure != null ? failure
                    : new KinesisWriterException("Kinesis writer for stream '" + config.stream() + "' is closed"));
            senderWork.signalAll();
        } finally {
            lock.unlock();
        }
        retryTimer.shutdownNow();
        shardMapTimer.shutdownNow();
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
                long parkedLeft = parkedNanosLeft();
                if ((queue.hasReady() || parkedLeft != Long.MAX_VALUE) && callsInFlight < config.maxConcurrentCalls()) {
                    long lingerLeft = !queue.hasReady() ? Long.MAX_VALUE
                            : linger().toNanos() - (System.nanoTime() - queue.readySinceNanos());
                    if (lingerLeft <= 0 || parkedLeft <= 0 || (queue.hasReady()
                            && (flushesWaiting > 0 || readyWithoutLinger || readyFillsACall()))) {
                        List<PendingRecord> batch = takeBatch();
                        if (!queue.hasReady()) {
                            readyWithoutLinger = false;
                        }
                        if (batch.isEmpty()) {
                            continue; // only skipped records were ready, or only records whose shard has no room
                        }
                        callsInFlight++;
                        return batch;
                    }
                    senderWork.awaitNanos(Math.min(lingerLeft, parkedLeft));
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
            return queue.readyBytes() >= maxCallBytes
                    || queue.readyCount() >= (long) config.maxRecordsPerCall() * config.aggregationMaxRecords();
        }
        return queue.readyCount() >= config.maxRecordsPerCall() || queue.readyBytes() >= maxCallBytes;
    }

    /**
     * When records waiting for their shard's bucket should go: Long.MAX_VALUE if none waits, 0 (or less) if some can go
     * now. Once a bucket has room again the sender still waits the linger, so that a shard held at its limit sends
     * a linger's worth of records per call rather than one record per call.
     */
    private long parkedNanosLeft() {
        if (buckets == null || !buckets.hasParked()) {
            return Long.MAX_VALUE;
        }
        long untilFits = buckets.nanosUntilParkedFits(System.nanoTime());
        return untilFits == 0 || flushesWaiting > 0 ? untilFits : untilFits + linger().toNanos();
    }

    /**
     * One record per ready key, oldest first, up to the record and byte limits of a call. A skipped
     * oversized record that comes up is acknowledged in its turn, without sending, and its key's next
     * record becomes ready.
     */
    private List<PendingRecord> takeBatch() {
        List<PendingRecord> batch = new ArrayList<>(Math.min(queue.readyCount(), config.maxRecordsPerCall()));
        long bytes = 0;
        long now = System.nanoTime();
        // Records that waited for their shard's bucket first: they became ready earlier than anything in the queue.
        while (buckets != null && batch.size() < config.maxRecordsPerCall()) {
            PendingRecord parked = buckets.pollFitting(maxCallBytes - bytes, now);
            if (parked == null) {
                break;
            }
            metrics.shards().waitedForBucket(parked.shardId, now - parked.parkedAtNanos);
            batch.add(parked);
            bytes += parked.size;
        }
        if (aggregator != null) {
            // Packed first, then paced: a shard's bucket is charged one record and the aggregate's bytes, as Kinesis counts.
            for (PendingRecord entry : aggregator.takeBatch(queue, this::acknowledgeSkipped,
                    config.maxRecordsPerCall() - batch.size(), maxCallBytes - bytes)) {
                if (buckets != null && entry.shardId != null && !buckets.tryTake(entry.shardId, entry.size, now)) {
                    buckets.park(entry.shardId, entry, now);
                    continue;
                }
                batch.add(entry);
            }
            return batch;
        }
        while (batch.size() < config.maxRecordsPerCall()) {
            PendingRecord next = queue.peekReadyHead();
            if (next == null || bytes + next.size > maxCallBytes) {
                break;
            }
            queue.takeReadyHead();
            if (next.skipped) {
                acknowledgeSkipped(next);
                continue;
            }
            next.shardId = shardIdOf(next);
            if (buckets != null && next.shardId != null && !buckets.tryTake(next.shardId, next.size, now)) {
                buckets.park(next.shardId, next, now); // its shard is at its limit: it waits, the others go on
                continue;
            }
            batch.add(next);
            bytes += next.size;
        }
        return batch;
    }

    /** The record's shard in the current map; null when the map does not cover its hash key (not read, or mid-reshard). */
    private String shardIdOf(PendingRecord record) {
        if (shardMap.size() == 0) {
            return null;
        }
        ShardMap.Shard shard = shardMap.shardForHashKey(record.hashKey());
        return shard == null ? null : shard.id();
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
                noteShardOf(record, result.shardId());
                continue;
            }
            FailureClassifier.Outcome outcome = FailureClassifier.ofRecordError(result.errorCode(), result.errorMessage());
            if (outcome.retryReason() == RetryReason.THROTTLED) {
                metrics.shards().throttled(record.shardId);
            }
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

    /**
     * Counts the acknowledged record for the shard Kinesis put it in; a shard other than the map's means the map is
     * stale (a split or merge the writer has not read yet): re-read it, so the buckets follow the new shards.
     */
    private void noteShardOf(PendingRecord record, String shardId) {
        metrics.shards().acknowledged(shardId != null ? shardId : record.shardId, record.size);
        if (shardId != null && !shardId.equals(record.shardId) && shardMap.size() > 0) {
            requestShardMapRefresh("Kinesis put a record of partition key '" + record.partitionKey + "' into " + shardId
                    + (record.shardId == null ? ", a hash key the map does not cover" : ", not " + record.shardId));
        }
    }

    /** Re-reads the shard map soon on the shard map thread: at most one refresh queued, and at most one a second. */
    private void requestShardMapRefresh(String why) {
        if (closed || !shardMapRefreshQueued.compareAndSet(false, true)) {
            return;
        }
        long wait = Math.max(0, lastShardMapRefreshNanos + SHARD_MAP_MIN_INTERVAL_NANOS - System.nanoTime());
        try {
            shardMapTimer.schedule(() -> {
                shardMapRefreshQueued.set(false);
                refreshShardMap(why);
            }, wait, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            shardMapRefreshQueued.set(false); // closing
        }
    }

    /**
     * Reads the stream's open shards (ListShards) without holding the writer's lock; if they changed, the records
     * waiting for a bucket are parked again under their shard in the new map. A failure keeps the old map: without a
     * map records are simply not paced (Kinesis's throttling is still handled), so it is a warning, not a stop.
     */
    private void refreshShardMap(String why) {
        lastShardMapRefreshNanos = System.nanoTime();
        int before = shardMap.size();
        boolean changed;
        try {
            changed = shardMap.refresh();
        } catch (RuntimeException e) {
            Throwable cause = FailureClassifier.unwrap(e);
            if (!shardMapFailing) {
                boolean denied = cause instanceof software.amazon.awssdk.awscore.exception.AwsServiceException service
                        && (service.statusCode() == 403 || (service.awsErrorDetails() != null
                                && "AccessDeniedException".equals(service.awsErrorDetails().errorCode())));
                LOG.warn("Kinesis stream '{}': cannot read its shards with ListShards ({}: {}); records are not paced per "
                                + "shard until it works{}", config.stream(), cause.getClass().getSimpleName(), cause.getMessage(),
                        denied ? " (the writer's credentials need kinesis:ListShards on the stream)" : "");
            }
            shardMapFailing = true;
            return;
        }
        shardMapFailing = false;
        if (!changed) {
            return;
        }
        if (before > 0) {
            LOG.info("Kinesis stream '{}' resharded: {} open shards (were {}), read after {}", config.stream(),
                    shardMap.size(), before, why);
        }
        if (buckets == null) {
            return;
        }
        Set<String> open = shardMap.shards().stream().map(ShardMap.Shard::id).collect(Collectors.toSet());
        lock.lock();
        try {
            for (PendingRecord record : buckets.reshard(open)) {
                if (record.members != null) { // an aggregate packed by the old map: its records are packed again
                    record.members.forEach(queue::markReady);
                    continue;
                }
                record.shardId = shardIdOf(record);
                if (record.shardId != null) {
                    buckets.parkAgain(record.shardId, record);
                } else {
                    queue.markReady(record); // no shard to wait for: sent unpaced
                }
            }
            senderWork.signal();
        } finally {
            lock.unlock();
        }
    }

    private void logStreamLimits() {
        String pacing = buckets == null ? "off" : "on, " + config.shardRecordsPerSecond() + " records/s and "
                + config.shardBytesPerSecond() + " bytes/s per shard";
        String message = "Kinesis stream '" + config.stream() + "': records up to " + maxRecordBytes + " bytes, calls up to "
                + maxCallBytes + " bytes (" + streamLimits.source() + "); " + shardMap.size() + " open shards; per-shard "
                + "rate limit " + pacing + " (" + KinesisWriterConfig.SHARD_RATE_LIMIT + "="
                + config.shardRateLimit().configValue() + ")";
        if (streamLimits.isFallback()) {
            LOG.warn("{}", message);
        } else {
            LOG.info("{}", message);
        }
    }

    private long recordsWaitingForBucket() {
        lock.lock();
        try {
            return buckets == null ? 0 : buckets.parkedCount();
        } finally {
            lock.unlock();
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
            if (buckets != null) {
                buckets.clear();
            }
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
                + "), over the Kinesis limit of " + maxRecordBytes + " bytes ("
                + (maxRecordBytes == KinesisLimits.MAX_BYTES_PER_RECORD ? "1 MiB"
                        : "the stream's MaxRecordSizeInKiB " + maxRecordBytes / 1024) + ") per record";
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
        requestShardMapRefresh("an aggregate landed on " + result.shardId() + ", not " + record.shardId);
        return true;
    }

    /** The open shard of a record's key for aggregation; null when the map does not cover it (not read, or mid-reshard). */
    private ShardMap.Shard shardOf(PendingRecord record) {
        return shardMap.size() == 0 ? null : shardMap.shardForHashKey(record.hashKey());
    }

    private Duration linger() {
        return aggregator != null ? config.aggregationLinger() : config.linger();
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
