package io.cdclr.connector.envelope;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Microbenchmark (not a test): time and allocation per message of {@link EnvelopeParser} against the
 * Jackson-based parser it replaced, on typical row changes (six columns, a one-column bigint key; inserts,
 * updates with identity, deletes). Single-threaded: warm-up rounds, then measured rounds alternating between the
 * two parsers, summarized as min and median.
 * Thread CPU time is printed beside wall time: on a shared machine it is the steadier of the two.
 * <pre>
 *   mvn -q -o -pl connector test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.cdclr.connector.envelope.EnvelopeParserBench
 * </pre>
 */
public final class EnvelopeParserBench {
    private static final int MESSAGES_PER_ROUND = 500_000;
    private static final int DISTINCT_MESSAGES = 10_000;
    private static final int WARM_UP_ROUNDS = 3;
    private static final int MEASURED_ROUNDS = 7;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long blackhole;

    public static void main(String[] args) {
        String[] texts = new String[DISTINCT_MESSAGES];
        byte[][] bytes = new byte[DISTINCT_MESSAGES][];
        long totalBytes = 0;
        for (int i = 0; i < DISTINCT_MESSAGES; i++) {
            texts[i] = message(i);
            bytes[i] = texts[i].getBytes(StandardCharsets.UTF_8);
            totalBytes += bytes[i].length;
        }
        System.out.printf("%d distinct messages, %d bytes on average, %d parses per round%n",
                DISTINCT_MESSAGES, totalBytes / DISTINCT_MESSAGES, MESSAGES_PER_ROUND);
        System.out.println(texts[1]);

        EnvelopeParser scanner = new EnvelopeParser();
        JacksonEnvelopeParser jackson = new JacksonEnvelopeParser();
        for (int r = 0; r < WARM_UP_ROUNDS; r++) {
            runOld(jackson, texts, bytes);
            runNew(scanner, texts, bytes);
        }
        long[][] old = new long[MEASURED_ROUNDS][];
        long[][] current = new long[MEASURED_ROUNDS][];
        for (int r = 0; r < MEASURED_ROUNDS; r++) {
            old[r] = runOld(jackson, texts, bytes);
            current[r] = runNew(scanner, texts, bytes);
        }
        summarize("jackson (old)", old);
        summarize("scanner (new)", current);
        System.out.println("(blackhole " + blackhole + ")");
    }

    // Two copies of one loop, so that neither parser's call site shares the other's profile.

    /** Returns {wall nanoseconds, CPU nanoseconds, bytes allocated} for one round of the old parser. */
    private static long[] runOld(JacksonEnvelopeParser parser, String[] texts, byte[][] bytes) {
        long allocatedBefore = allocated();
        long cpuBefore = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long sink = 0;
        for (int n = 0; n < MESSAGES_PER_ROUND; n++) {
            int i = n % DISTINCT_MESSAGES;
            sink += parser.parse(texts[i], bytes[i], 0, bytes[i].length).columns().size();
        }
        long nanos = System.nanoTime() - start;
        long cpu = THREADS.getCurrentThreadCpuTime() - cpuBefore;
        blackhole += sink;
        return new long[] {nanos, cpu, allocated() - allocatedBefore};
    }

    /** Returns {wall nanoseconds, CPU nanoseconds, bytes allocated} for one round of the new parser. */
    private static long[] runNew(EnvelopeParser parser, String[] texts, byte[][] bytes) {
        long allocatedBefore = allocated();
        long cpuBefore = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long sink = 0;
        for (int n = 0; n < MESSAGES_PER_ROUND; n++) {
            int i = n % DISTINCT_MESSAGES;
            sink += parser.parse(bytes[i], 0, bytes[i].length).keyValues().size();
        }
        long nanos = System.nanoTime() - start;
        long cpu = THREADS.getCurrentThreadCpuTime() - cpuBefore;
        blackhole += sink;
        return new long[] {nanos, cpu, allocated() - allocatedBefore};
    }

    private static long allocated() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /** Min and median over the measured rounds, per message: wall time, thread CPU time, bytes allocated. */
    private static void summarize(String name, long[][] rounds) {
        System.out.printf("%s  ns/message: min %6.1f median %6.1f | CPU ns/message: min %6.1f median %6.1f | "
                        + "bytes allocated/message: %5.0f%n", name,
                perMessage(rounds, 0, false), perMessage(rounds, 0, true),
                perMessage(rounds, 1, false), perMessage(rounds, 1, true), perMessage(rounds, 2, true));
    }

    private static double perMessage(long[][] rounds, int column, boolean median) {
        long[] values = new long[rounds.length];
        for (int r = 0; r < rounds.length; r++) {
            values[r] = rounds[r][column];
        }
        java.util.Arrays.sort(values);
        return (double) (median ? values[values.length / 2] : values[0]) / MESSAGES_PER_ROUND;
    }

    /** A typical wal2json v2 row change: I, U (with identity) and D in turn. */
    private static String message(int i) {
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
