package io.cdclr.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Kinesis endpoint that is not the bottleneck (issue 23): it answers PutRecords with a result per record (a sequence
 * number, and the shard Kinesis would pick: MD5 of the partition key over equal hash-key ranges) and discards the data,
 * so a benchmark run against it measures the pipeline's own ceiling rather than the emulator's. It counts the records
 * and bytes it took, and when the first and the last call came. Besides PutRecords it answers what the runner asks at
 * start: DescribeStreamSummary, DescribeStream and ListShards, for a stream of any name with a fixed number of shards.
 *
 * <p>JSON protocol only ({@code application/x-amz-json-1.1}, as the SDK speaks with CBOR off: the runner must run with
 * {@code -Daws.cborEnabled=false} or {@code CBOR_ENABLED=false}), no signature check. The request body is scanned, not
 * parsed: in JSON a bare quote is always structural, so {@code "PartitionKey":"} marks each record's key, and the
 * base64 {@code Data} is measured without being decoded. Use it only to find the runner's limit: the emulator stays the
 * sink for correctness (it stores and returns what was written; this does not).
 *
 * <p>Standalone: {@code java -cp bench/target/classes io.cdclr.bench.NullKinesis [port] [shards]}.
 */
public final class NullKinesis implements AutoCloseable {
    private static final byte[] KEY_MARK = "\"PartitionKey\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA_MARK = "\"Data\":\"".getBytes(StandardCharsets.US_ASCII);

    private final HttpServer server;
    private final ExecutorService executor;
    private final int shards;
    /** Shard i takes the hash keys whose top 64 bits, unsigned, divided by this are i (equal ranges, as CreateStream makes). */
    private final long rangeTop64;
    private final AtomicLong sequence = new AtomicLong(1);
    private final LongAdder records = new LongAdder();
    private final LongAdder dataBytes = new LongAdder();
    private final LongAdder calls = new LongAdder();
    private final LongAdder[] recordsByShard;
    private final AtomicLong firstCallMillis = new AtomicLong();
    private final AtomicLong lastCallMillis = new AtomicLong();
    private final ThreadLocal<MessageDigest> md5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });
    /** When set (tests), only the records whose partition key starts with it are counted in {@link #recordsWithKeyPrefix()}. */
    private volatile byte[] countedKeyPrefix;
    private final LongAdder recordsWithKeyPrefix = new LongAdder();

    public NullKinesis(int port, int shards) throws IOException {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1: " + shards);
        }
        this.shards = shards;
        this.rangeTop64 = shards == 1 ? 0 : Long.divideUnsigned(-1L, shards) + 1;
        this.recordsByShard = new LongAdder[shards];
        for (int i = 0; i < shards; i++) {
            recordsByShard[i] = new LongAdder();
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        // As many threads as the runner keeps calls in flight (8 by default), so no call waits for another.
        executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "null-kinesis");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 4700;
        int shards = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        try (NullKinesis sink = new NullKinesis(port, shards)) {
            System.out.printf("null Kinesis sink on %s, %d shards per stream; counts every 10 s (Ctrl-C ends)%n", sink.endpoint(), shards);
            while (true) {
                Thread.sleep(10_000);
                System.out.printf("%,d records, %,d data bytes, %,d calls%n", sink.records(), sink.dataBytes(), sink.calls());
            }
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public long records() {
        return records.sum();
    }

    /** Decoded data bytes (from the base64 length). */
    public long dataBytes() {
        return dataBytes.sum();
    }

    public long calls() {
        return calls.sum();
    }

    public long recordsOnShard(int shard) {
        return recordsByShard[shard].sum();
    }

    /** Epoch milliseconds of the first and of the last PutRecords call (0 before the first). */
    public long firstCallMillis() {
        return firstCallMillis.get();
    }

    public long lastCallMillis() {
        return lastCallMillis.get();
    }

    /** Counts from now on the records whose partition key starts with {@code prefix} (e.g. {@code public.orders}). */
    public void countKeysStartingWith(String prefix) {
        recordsWithKeyPrefix.reset();
        countedKeyPrefix = prefix.getBytes(StandardCharsets.UTF_8);
    }

    public long recordsWithKeyPrefix() {
        return recordsWithKeyPrefix.sum();
    }

    /** Forgets the counts (between benchmark runs). */
    public void reset() {
        records.reset();
        dataBytes.reset();
        calls.reset();
        recordsWithKeyPrefix.reset();
        for (LongAdder shard : recordsByShard) {
            shard.reset();
        }
        firstCallMillis.set(0);
        lastCallMillis.set(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String operation = target == null ? "" : target.substring(target.indexOf('.') + 1);
            String response = switch (operation) {
                case "PutRecords" -> putRecords(body);
                case "DescribeStreamSummary" -> "{\"StreamDescriptionSummary\":" + summary(streamName(body)) + "}";
                case "DescribeStream" -> "{\"StreamDescription\":" + description(streamName(body)) + "}";
                case "ListShards" -> "{\"Shards\":" + shardList() + "}";
                default -> null;
            };
            if (response == null) {
                reply(exchange, 400, "{\"__type\":\"UnknownOperationException\",\"message\":\"the null sink answers "
                        + "PutRecords, DescribeStreamSummary, DescribeStream and ListShards, not " + target + "\"}");
                return;
            }
            reply(exchange, 200, response);
        }
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String putRecords(byte[] body) {
        long now = System.currentTimeMillis();
        firstCallMillis.compareAndSet(0, now);
        lastCallMillis.accumulateAndGet(now, Math::max);
        calls.increment();
        StringBuilder out = new StringBuilder(64 + 96 * 500);
        out.append("{\"FailedRecordCount\":0,\"Records\":[");
        int count = 0;
        long bytes = 0;
        byte[] prefix = countedKeyPrefix;
        for (int at = indexOf(body, DATA_MARK, 0); at >= 0; at = indexOf(body, DATA_MARK, at)) {
            at += DATA_MARK.length;
            int end = at;
            while (body[end] != '"') {
                end++;
            }
            bytes += base64Length(body, at, end);
            at = end;
        }
        for (int at = indexOf(body, KEY_MARK, 0); at >= 0; at = indexOf(body, KEY_MARK, at)) {
            at += KEY_MARK.length;
            int end = at;
            boolean escaped = false;
            while (body[end] != '"') {
                escaped |= body[end] == '\\';
                end += body[end] == '\\' ? 2 : 1;
            }
            byte[] key = escaped ? unescape(body, at, end) : Arrays.copyOfRange(body, at, end);
            int shard = shardOf(key);
            recordsByShard[shard].increment();
            if (prefix != null && startsWith(key, prefix)) {
                recordsWithKeyPrefix.increment();
            }
            if (count > 0) {
                out.append(',');
            }
            out.append("{\"SequenceNumber\":\"").append(sequence.getAndIncrement()).append("\",\"ShardId\":\"")
                    .append(shardId(shard)).append("\"}");
            count++;
            at = end;
        }
        out.append("]}");
        records.add(count);
        dataBytes.add(bytes);
        return out.toString();
    }

    private int shardOf(byte[] key) {
        if (shards == 1) {
            return 0;
        }
        byte[] hash = md5.get().digest(key);
        long top = 0;
        for (int i = 0; i < 8; i++) {
            top = (top << 8) | (hash[i] & 0xff);
        }
        return (int) Math.min(shards - 1, Long.divideUnsigned(top, rangeTop64));
    }

    private static String shardId(int shard) {
        return String.format("shardId-%012d", shard);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static long base64Length(byte[] body, int from, int to) {
        int length = to - from;
        int padding = length > 0 && body[to - 1] == '=' ? (length > 1 && body[to - 2] == '=' ? 2 : 1) : 0;
        return length / 4L * 3 - padding;
    }

    /** The partition key's UTF-8 bytes from its JSON string form (escapes decoded). */
    private static byte[] unescape(byte[] body, int from, int to) {
        StringBuilder text = new StringBuilder();
        String raw = new String(body, from, to - from, StandardCharsets.UTF_8);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\') {
                text.append(c);
                continue;
            }
            char e = raw.charAt(++i);
            switch (e) {
                case 'n' -> text.append('\n');
                case 't' -> text.append('\t');
                case 'r' -> text.append('\r');
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'u' -> {
                    text.append((char) Integer.parseInt(raw.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> text.append(e);
            }
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] data, byte[] mark, int from) {
        outer:
        for (int i = from; i <= data.length - mark.length; i++) {
            if (data[i] != mark[0]) {
                continue;
            }
            for (int j = 1; j < mark.length; j++) {
                if (data[i + j] != mark[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String streamName(byte[] body) {
        String json = new String(body, StandardCharsets.UTF_8);
        int at = json.indexOf("\"StreamName\":\"");
        if (at < 0) {
            return "null-sink";
        }
        at += 14;
        return json.substring(at, json.indexOf('"', at));
    }

    private String summary(String stream) {
        return "{\"StreamName\":\"" + stream + "\",\"StreamARN\":\"arn:aws:kinesis:us-east-1:000000000000:stream/" + stream
                + "\",\"StreamStatus\":\"ACTIVE\",\"StreamModeDetails\":{\"StreamMode\":\"PROVISIONED\"},"
                + "\"RetentionPeriodHours\":24,\"StreamCreationTimestamp\":1700000000,\"EnhancedMonitoring\":[],"
                + "\"EncryptionType\":\"NONE\",\"OpenShardCount\":" + shards + ",\"ConsumerCount\":0}";
    }

    private String description(String stream) {
        return "{\"StreamName\":\"" + stream + "\",\"StreamARN\":\"arn:aws:kinesis:us-east-1:000000000000:stream/" + stream
                + "\",\"StreamStatus\":\"ACTIVE\",\"StreamModeDetails\":{\"StreamMode\":\"PROVISIONED\"},"
                + "\"Shards\":" + shardList() + ",\"HasMoreShards\":false,\"RetentionPeriodHours\":24,"
                + "\"StreamCreationTimestamp\":1700000000,\"EnhancedMonitoring\":[],\"EncryptionType\":\"NONE\"}";
    }

    private String shardList() {
        StringBuilder out = new StringBuilder("[");
        java.math.BigInteger space = java.math.BigInteger.ONE.shiftLeft(128);
        java.math.BigInteger step = space.divide(java.math.BigInteger.valueOf(shards));
        for (int i = 0; i < shards; i++) {
            java.math.BigInteger start = step.multiply(java.math.BigInteger.valueOf(i));
            java.math.BigInteger end = i == shards - 1 ? space.subtract(java.math.BigInteger.ONE)
                    : start.add(step).subtract(java.math.BigInteger.ONE);
            if (i > 0) {
                out.append(',');
            }
            out.append("{\"ShardId\":\"").append(shardId(i)).append("\",\"HashKeyRange\":{\"StartingHashKey\":\"")
                    .append(start).append("\",\"EndingHashKey\":\"").append(end)
                    .append("\"},\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"0\"}}");
        }
        return out.append(']').toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
