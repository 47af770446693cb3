package io.cdclr.connector.kinesis;

import io.cdclr.connector.config.ConfigRule;
import io.cdclr.connector.config.ConfigValidation;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings of the {@link KinesisWriter}. {@link #CONFIG_DEF} is the single declaration of every key, its type,
 * default, validation and documentation; the runner and the Kafka Connect sink reuse it.
 */
public final class KinesisWriterConfig {
    public static final String STREAM = "kinesis.stream";
    public static final String REGION = "kinesis.region";
    public static final String ENDPOINT = "kinesis.endpoint";
    public static final String LINGER_MS = "kinesis.linger.ms";
    public static final String MAX_BUFFERED_BYTES = "kinesis.max.buffered.bytes";
    public static final String MAX_CONCURRENT_CALLS = "kinesis.max.concurrent.calls";
    public static final String MAX_RECORDS_PER_CALL = "kinesis.max.records.per.call";
    public static final String OVERSIZED_RECORD_POLICY = "kinesis.oversized.record.policy";
    public static final String RETRY_BACKOFF_INITIAL_MS = "kinesis.retry.backoff.initial.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "kinesis.retry.backoff.max.ms";
    public static final String RETRY_MAX_ATTEMPTS = "kinesis.retry.max.attempts";
    public static final String CALL_TIMEOUT_MS = "kinesis.call.timeout.ms";
    public static final String AGGREGATION = "kinesis.aggregation";
    public static final String AGGREGATION_MAX_RECORDS = "kinesis.aggregation.max.records";
    public static final String AGGREGATION_MAX_BYTES = "kinesis.aggregation.max.bytes";
    public static final String AGGREGATION_LINGER_MS = "kinesis.aggregation.linger.ms";
    /** The KPL's default aggregate size (AggregationMaxSize). */
    static final long DEFAULT_AGGREGATION_MAX_BYTES = 51_200L;
    public static final String SHARD_RATE_LIMIT = "kinesis.shard.rate.limit";
    public static final String SHARD_RECORDS_PER_SECOND = "kinesis.shard.records.per.second";
    public static final String SHARD_BYTES_PER_SECOND = "kinesis.shard.bytes.per.second";
    public static final String SHARD_MAP_REFRESH_MS = "kinesis.shard.map.refresh.ms";
    public static final String PUT_RECORDS_PATH = "kinesis.put.records.path";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(STREAM, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Name of the Kinesis data stream every change is written to.")
            .define(REGION, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "AWS region of the stream, e.g. eu-west-1. Credentials come from the AWS SDK's default chain "
                            + "(environment, system properties, web identity token for IAM roles for service accounts, profile, "
                            + "container and instance metadata).")
            .define(ENDPOINT, Type.STRING, null, new AbsoluteUri(), Importance.LOW,
                    "Endpoint override, an absolute URI such as http://127.0.0.1:4567, for a local Kinesis emulator. "
                            + "Empty means the region's AWS endpoint.")
            .define(LINGER_MS, Type.LONG, 10L, Range.atLeast(0), Importance.MEDIUM,
                    "How long a PutRecords call waits to fill up before it goes out partly full. A call goes out at once "
                            + "when it is full (500 records or 5 MiB), when flush() is waiting, or when the caller says "
                            + "its batch is whole (the runner does after each source batch, which poll.linger.ms "
                            + "already let fill).")
            // 16 MiB: several full calls' worth, and seconds of a few shards' write capacity (1 MiB/s each). More only
            // costs heap and garbage collection (it slowed the benchmark down) and more to replay after a crash.
            .define(MAX_BUFFERED_BYTES, Type.LONG, 16L * 1024 * 1024, Range.atLeast(KinesisLimits.MAX_BYTES_PER_RECORD),
                    Importance.MEDIUM,
                    "Back-pressure bound: the most record bytes (data plus partition keys) submitted but not yet acknowledged. "
                            + "submit() blocks while adding a record would exceed it. At least 1 MiB, so any valid record fits.")
            .define(MAX_CONCURRENT_CALLS, Type.INT, 8, Range.between(1, 1024), Importance.MEDIUM,
                    "The most PutRecords calls in flight at once. Records of one partition key are never in two calls at once.")
            .define(MAX_RECORDS_PER_CALL, Type.INT, KinesisLimits.MAX_RECORDS_PER_CALL,
                    Range.between(1, KinesisLimits.MAX_RECORDS_PER_CALL), Importance.LOW,
                    "The most records in one PutRecords call; Kinesis allows 500. Calls are also capped at 5 MiB.")
            .define(OVERSIZED_RECORD_POLICY, Type.STRING, OversizedRecordPolicy.FAIL.configValue(),
                    ConfigDef.ValidString.in(OversizedRecordPolicy.FAIL.configValue(), OversizedRecordPolicy.SKIP.configValue()),
                    Importance.MEDIUM,
                    "A change larger than a Kinesis record (data plus partition key over the stream's MaxRecordSizeInKiB, read at "
                            + "start; 1 MiB when the stream does not report it): 'fail' stops the writer with an "
                            + "error naming the change and its size; 'skip' logs the same error as a warning, counts it in the "
                            + "metrics and acknowledges the change without writing it.")
            .define(RETRY_BACKOFF_INITIAL_MS, Type.LONG, 100L, Range.atLeast(1), Importance.LOW,
                    "Backoff before the first retry of a throttled or failed record; it doubles with every further attempt, "
                            + "with random jitter, up to kinesis.retry.backoff.max.ms.")
            .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 10_000L, Range.atLeast(1), Importance.LOW,
                    "Cap on the backoff between two attempts of one record.")
            .define(RETRY_MAX_ATTEMPTS, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                    "Attempts per record before the writer gives up and fails; 0 (the default) retries throttling, 5xx, "
                            + "timeouts and network errors without limit, so a change is never dropped.")
            .define(CALL_TIMEOUT_MS, Type.LONG, 30_000L, Range.atLeast(1), Importance.LOW,
                    "Time limit of one PutRecords call, including connecting. A call that times out is retried; Kinesis may "
                            + "have written it, so a consumer can see the record twice (in order).")
            .define(AGGREGATION, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Pack several changes into one Kinesis record in the KPL aggregated-record format (magic bytes, protobuf, "
                            + "MD5), one aggregate per shard per call. A shard then takes up to 1 MiB/s of changes instead of "
                            + "1,000 changes/s. Consumers must deaggregate: the KCL does by itself, AWS Lambda with the "
                            + "Kinesis aggregation modules, others with the aws-kinesis-agg libraries; a consumer that reads "
                            + "plain records sees binary aggregates. Per-key order is the same as without it.")
            .define(AGGREGATION_MAX_RECORDS, Type.INT, 1000, Range.between(1, 1_000_000), Importance.LOW,
                    "With kinesis.aggregation: the most changes in one aggregate.")
            .define(AGGREGATION_MAX_BYTES, Type.LONG, DEFAULT_AGGREGATION_MAX_BYTES,
                    Range.between(1024, 10L * 1024 * 1024), Importance.LOW,
                    "With kinesis.aggregation: the most bytes of one aggregate (its data plus partition key), the KPL's "
                            + "default 51200. Capped at the stream's record size limit (1 MiB). Larger aggregates mean fewer "
                            + "Kinesis records but bigger consumer batches (AWS Lambda's payload limit is 6 MB) and more "
                            + "changes sent again when one is throttled. A change larger than this goes alone, not aggregated.")
            .define(AGGREGATION_LINGER_MS, Type.LONG, 50L, Range.atLeast(0), Importance.LOW,
                    "With kinesis.aggregation: how long a ready change waits for others to fill its aggregates before the "
                            + "call goes out, in place of kinesis.linger.ms. Longer packs more changes per Kinesis record on a "
                            + "quiet stream, at that much added latency; a call goes out at once when a call's worth is ready "
                            + "or flush() waits.")
            .define(SHARD_RATE_LIMIT, Type.STRING, ShardRateLimitMode.AUTO.configValue(),
                    ConfigDef.ValidString.in(ShardRateLimitMode.AUTO.configValue(), ShardRateLimitMode.ON.configValue(),
                            ShardRateLimitMode.OFF.configValue()),
                    Importance.MEDIUM,
                    "Per-shard token buckets: 'on' holds each record until its shard's bucket (kinesis.shard.records.per.second "
                            + "and kinesis.shard.bytes.per.second) has room, so the writer does not drive the stream into "
                            + "throttling and a hot shard waits on its own while other shards' records go on; 'off' sends "
                            + "as fast as Kinesis accepts and retries what it throttles; 'auto' (the default) is 'on' for a "
                            + "provisioned stream and 'off' for an on-demand one (from DescribeStreamSummary; 'off' when the "
                            + "stream mode is not reported or cannot be read: emulators have no shard limits).")
            .define(SHARD_RECORDS_PER_SECOND, Type.INT, 1_000, Range.atLeast(1), Importance.LOW,
                    "Records per second per shard the token buckets allow: Kinesis's write limit of a provisioned shard.")
            .define(SHARD_BYTES_PER_SECOND, Type.LONG, 1024L * 1024, Range.atLeast(1024), Importance.LOW,
                    "Bytes (data plus partition key) per second per shard the token buckets allow: Kinesis's write limit "
                            + "of a provisioned shard, 1 MiB.")
            .define(SHARD_MAP_REFRESH_MS, Type.LONG, 60_000L, Range.atLeast(1_000), Importance.LOW,
                    "How often the writer re-reads the stream's shards (ListShards) to follow resharding it has not "
                            + "noticed yet; it also re-reads them at once (at most once a second) when Kinesis puts a record "
                            + "into a shard the map does not hold.")
            .define(PUT_RECORDS_PATH, Type.STRING, PutRecordsPath.DIRECT.configValue(),
                    ConfigDef.ValidString.in(PutRecordsPath.DIRECT.configValue(), PutRecordsPath.SDK.configValue()),
                    Importance.LOW,
                    "How PutRecords calls are made. 'direct': the writer writes the JSON body itself and signs and sends it "
                            + "with the AWS SDK's signer, credentials chain, resolved endpoint and HTTP client, skipping the "
                            + "SDK's per-call request pipeline, which cost more CPU than the rest of the runner at a steady "
                            + "load (docs/benchmarks.md). 'sdk': through the SDK client's whole pipeline. Both send the same "
                            + "request and handle the answer alike.");

    private final String stream;
    private final String region;
    private final URI endpoint;
    private final Duration linger;
    private final long maxBufferedBytes;
    private final int maxConcurrentCalls;
    private final int maxRecordsPerCall;
    private final OversizedRecordPolicy oversizedRecordPolicy;
    private final Duration retryBackoffInitial;
    private final Duration retryBackoffMax;
    private final int retryMaxAttempts;
    private final Duration callTimeout;
    private final boolean aggregation;
    private final int aggregationMaxRecords;
    private final long aggregationMaxBytes;
    private final Duration aggregationLinger;
    private final ShardRateLimitMode shardRateLimit;
    private final int shardRecordsPerSecond;
    private final long shardBytesPerSecond;
    private final Duration shardMapRefresh;
    private final PutRecordsPath putRecordsPath;

    /** The checks over several keys, each reported on the key to change. */
    public static final List<ConfigRule> RULES = List.of(
            ConfigRule.on(RETRY_BACKOFF_MAX_MS, List.of(RETRY_BACKOFF_INITIAL_MS),
                    c -> c.getLong(RETRY_BACKOFF_MAX_MS) < c.getLong(RETRY_BACKOFF_INITIAL_MS)
                            ? "must be at least " + RETRY_BACKOFF_INITIAL_MS + " (" + c.getLong(RETRY_BACKOFF_INITIAL_MS) + ")"
                            : null));

    /** @throws ConfigException naming the key, on a missing or invalid value */
    public KinesisWriterConfig(Map<String, ?> props) {
        ConfigValidation.ensureValid(CONFIG_DEF, RULES, props);
        Map<String, Object> values = CONFIG_DEF.parse(props);
        stream = ((String) values.get(STREAM)).trim();
        region = ((String) values.get(REGION)).trim();
        String endpointValue = (String) values.get(ENDPOINT);
        endpoint = endpointValue == null || endpointValue.isBlank() ? null : URI.create(endpointValue.trim());
        linger = Duration.ofMillis((Long) values.get(LINGER_MS));
        maxBufferedBytes = (Long) values.get(MAX_BUFFERED_BYTES);
        maxConcurrentCalls = (Integer) values.get(MAX_CONCURRENT_CALLS);
        maxRecordsPerCall = (Integer) values.get(MAX_RECORDS_PER_CALL);
        oversizedRecordPolicy = OversizedRecordPolicy.fromConfigValue((String) values.get(OVERSIZED_RECORD_POLICY));
        retryBackoffInitial = Duration.ofMillis((Long) values.get(RETRY_BACKOFF_INITIAL_MS));
        retryBackoffMax = Duration.ofMillis((Long) values.get(RETRY_BACKOFF_MAX_MS));
        retryMaxAttempts = (Integer) values.get(RETRY_MAX_ATTEMPTS);
        callTimeout = Duration.ofMillis((Long) values.get(CALL_TIMEOUT_MS));
        aggregation = (Boolean) values.get(AGGREGATION);
        aggregationMaxRecords = (Integer) values.get(AGGREGATION_MAX_RECORDS);
        aggregationMaxBytes = (Long) values.get(AGGREGATION_MAX_BYTES);
        aggregationLinger = Duration.ofMillis((Long) values.get(AGGREGATION_LINGER_MS));
        shardRateLimit = ShardRateLimitMode.fromConfigValue((String) values.get(SHARD_RATE_LIMIT));
        shardRecordsPerSecond = (Integer) values.get(SHARD_RECORDS_PER_SECOND);
        shardBytesPerSecond = (Long) values.get(SHARD_BYTES_PER_SECOND);
        shardMapRefresh = Duration.ofMillis((Long) values.get(SHARD_MAP_REFRESH_MS));
        putRecordsPath = PutRecordsPath.fromConfigValue((String) values.get(PUT_RECORDS_PATH));
    }

    public String stream() {
        return stream;
    }

    public String region() {
        return region;
    }

    public Optional<URI> endpoint() {
        return Optional.ofNullable(endpoint);
    }

    public Duration linger() {
        return linger;
    }

    public long maxBufferedBytes() {
        return maxBufferedBytes;
    }

    public int maxConcurrentCalls() {
        return maxConcurrentCalls;
    }

    public int maxRecordsPerCall() {
        return maxRecordsPerCall;
    }

    public OversizedRecordPolicy oversizedRecordPolicy() {
        return oversizedRecordPolicy;
    }

    public Duration retryBackoffInitial() {
        return retryBackoffInitial;
    }

    public Duration retryBackoffMax() {
        return retryBackoffMax;
    }

    /** 0 means without limit. */
    public int retryMaxAttempts() {
        return retryMaxAttempts;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    /** Whether changes are packed into KPL aggregated records. */
    public boolean aggregation() {
        return aggregation;
    }

    public int aggregationMaxRecords() {
        return aggregationMaxRecords;
    }

    /** As configured; the writer caps it at the stream's record size limit. */
    public long aggregationMaxBytes() {
        return aggregationMaxBytes;
    }

    public Duration aggregationLinger() {
        return aggregationLinger;
    }

    public ShardRateLimitMode shardRateLimit() {
        return shardRateLimit;
    }

    public PutRecordsPath putRecordsPath() {
        return putRecordsPath;
    }

    public int shardRecordsPerSecond() {
        return shardRecordsPerSecond;
    }

    public long shardBytesPerSecond() {
        return shardBytesPerSecond;
    }

    public Duration shardMapRefresh() {
        return shardMapRefresh;
    }

    /** Accepts null or blank (no override) or an absolute URI with a host. */
    private static final class AbsoluteUri implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || ((String) value).isBlank()) {
                return;
            }
            try {
                URI uri = new URI(((String) value).trim());
                if (!uri.isAbsolute() || uri.getHost() == null) {
                    throw new ConfigException(name, value, "must be an absolute URI with a host, e.g. http://127.0.0.1:4567");
                }
            } catch (URISyntaxException e) {
                throw new ConfigException(name, value, "is not a URI: " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "an absolute URI, or empty";
        }
    }
}
