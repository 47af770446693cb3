package io.cdclr.connector.envelope;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time per message of {@link EnvelopeParser} against the Jackson-based parser it replaced ({@code JacksonEnvelopeParser},
 * connector test sources), on typical row changes (six columns, a one-column bigint key; inserts, updates with identity,
 * deletes in turn, 10,000 distinct messages). In this package because the old parser is package-private.
 * <pre>
 *   bench/jmh.sh EnvelopeParserBenchmark              # ns per message
 *   bench/jmh.sh EnvelopeParserBenchmark -prof gc     # and bytes allocated per message (gc.alloc.rate.norm)
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EnvelopeParserBenchmark {
    private static final int DISTINCT_MESSAGES = 10_000;

    private final String[] texts = new String[DISTINCT_MESSAGES];
    private final byte[][] bytes = new byte[DISTINCT_MESSAGES][];
    private final EnvelopeParser scanner = new EnvelopeParser();
    private final JacksonEnvelopeParser jackson = new JacksonEnvelopeParser();
    private int next;

    @Setup
    public void messages() {
        for (int i = 0; i < DISTINCT_MESSAGES; i++) {
            texts[i] = message(i);
            bytes[i] = texts[i].getBytes(StandardCharsets.UTF_8);
        }
    }

    @Benchmark
    public int scanner() {
        int i = next();
        return scanner.parse(bytes[i], 0, bytes[i].length).keyValues().size();
    }

    @Benchmark
    public int jackson() {
        int i = next();
        return jackson.parse(texts[i], bytes[i], 0, bytes[i].length).columns().size();
    }

    private int next() {
        int i = next;
        next = i + 1 == DISTINCT_MESSAGES ? 0 : i + 1;
        return i;
    }

    /** A typical wal2json v2 row change: I, U (with identity) and D in turn. */
    static String message(int i) {
        String action = switch (i % 3) {
            case 0 -> "I";
            case 1 -> "U";
            default -> "D";
        };
        long id = 1_000_000L + i;
        String head = "{\"action\":\"" + action + "\",\"xid\":" + (7000 + i / 10) + ",\"lsn\":\"0/" + Long.toHexString(0x1A2B3C4DL + 64L * i)
                + "\",\"timestamp\":\"2026-11-25 19:42:10.123456+00\",\"schema\":\"public\",\"table\":\"bench_orders\"";
        String columns = ",\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"value\":" + id + "},"
                + "{\"name\":\"customer_id\",\"type\":\"integer\",\"value\":" + (i % 977) + "},"
                + "{\"name\":\"status\",\"type\":\"text\",\"value\":\"" + (i % 2 == 0 ? "shipped" : "pending") + "\"},"
                + "{\"name\":\"amount\",\"type\":\"numeric(12,2)\",\"value\":" + (i % 5000) + "." + (10 + i % 90) + "},"
                + "{\"name\":\"note\",\"type\":\"text\",\"value\":\"some note text for order " + i + "\"},"
                + "{\"name\":\"updated_at\",\"type\":\"timestamp with time zone\",\"value\":\"2026-11-25 19:42:10.123456+00\"}]";
        String identity = ",\"identity\":[{\"name\":\"id\",\"type\":\"bigint\",\"value\":" + id + "}]";
        String pk = ",\"pk\":[{\"name\":\"id\",\"type\":\"bigint\"}]}";
        return switch (action) {
            case "I" -> head + columns + pk;
            case "U" -> head + columns + identity + pk;
            default -> head + identity + pk;
        };
    }
}
