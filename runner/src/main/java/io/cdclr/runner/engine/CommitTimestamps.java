package io.cdclr.runner.engine;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The commit time of a change, read from its wal2json envelope's {@code "timestamp"} field
 * ({@code include-timestamp=1}, the default): {@code "2026-11-25 16:15:52.142219+00"}, the transaction's commit
 * time as the server's clock had it, with the session's UTC offset.
 *
 * <p>wal2json writes {@code "timestamp"} among the first fields, before the schema, table and columns, so only the
 * envelope's head is searched, and a column value can never be taken for it (inside a JSON string the quotes are
 * escaped). Every change of a transaction has the same text: the last one parsed is remembered. Safe for use by
 * several threads (the remembered value is one immutable object).
 */
final class CommitTimestamps {
    /** Returned when the envelope has no timestamp (include-timestamp=0) or one this does not read (BC, year > 9999). */
    static final long UNKNOWN = Long.MIN_VALUE;

    private static final byte[] FIELD = "\"timestamp\":\"".getBytes(StandardCharsets.US_ASCII);
    /** wal2json's fields before "timestamp" (action, xid, origin) fit in far less. */
    private static final int HEAD = 160;

    private record Parsed(byte[] text, long micros) {
    }

    private volatile Parsed last = new Parsed(new byte[0], UNKNOWN);

    /** Commit time in microseconds since the epoch, or {@link #UNKNOWN}. */
    long micros(byte[] envelope) {
        int start = indexOf(envelope, FIELD, Math.min(envelope.length, HEAD));
        if (start < 0) {
            return UNKNOWN;
        }
        start += FIELD.length;
        int end = start;
        while (end < envelope.length && envelope[end] != '"' && end - start < 48) {
            end++;
        }
        if (end >= envelope.length || envelope[end] != '"') {
            return UNKNOWN;
        }
        Parsed cached = last;
        if (Arrays.equals(cached.text, 0, cached.text.length, envelope, start, end)) {
            return cached.micros;
        }
        long micros = parse(envelope, start, end);
        last = new Parsed(Arrays.copyOfRange(envelope, start, end), micros);
        return micros;
    }

    long micros(Object value) {
        if (value instanceof byte[] bytes) {
            return micros(bytes);
        }
        return value == null ? UNKNOWN : micros(value.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** {@code yyyy-MM-dd HH:mm:ss[.ffffff](+|-)HH[:mm[:ss]]} to epoch microseconds, or {@link #UNKNOWN}. */
    static long parse(byte[] b, int from, int to) {
        try {
            int i = from;
            if (to - from < 22 || b[i + 4] != '-' || b[i + 7] != '-' || b[i + 10] != ' ' || b[i + 13] != ':'
                    || b[i + 16] != ':') {
                return UNKNOWN;
            }
            int year = digits(b, i, 4);
            int month = digits(b, i + 5, 2);
            int day = digits(b, i + 8, 2);
            int hour = digits(b, i + 11, 2);
            int minute = digits(b, i + 14, 2);
            int second = digits(b, i + 17, 2);
            i += 19;
            long fraction = 0;
            if (i < to && b[i] == '.') {
                i++;
                int n = 0;
                while (i < to && b[i] >= '0' && b[i] <= '9') {
                    if (n < 6) {
                        fraction = fraction * 10 + (b[i] - '0');
                    }
                    n++;
                    i++;
                }
                for (; n < 6; n++) {
                    fraction *= 10;
                }
            }
            if (i >= to || (b[i] != '+' && b[i] != '-')) {
                return UNKNOWN;
            }
            int sign = b[i] == '-' ? -1 : 1;
            i++;
            int offsetSeconds = digits(b, i, 2) * 3600;
            i += 2;
            if (i < to && b[i] == ':') {
                offsetSeconds += digits(b, i + 1, 2) * 60;
                i += 3;
            }
            if (i < to && b[i] == ':') {
                offsetSeconds += digits(b, i + 1, 2);
                i += 3;
            }
            if (i != to || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
                return UNKNOWN; // e.g. " BC"
            }
            long days = java.time.LocalDate.of(year, month, day).toEpochDay();
            long seconds = days * 86_400L + hour * 3600L + minute * 60L + second - sign * (long) offsetSeconds;
            return seconds * 1_000_000L + fraction;
        } catch (RuntimeException e) {
            return UNKNOWN; // a digit that is not one, an invalid date: no latency for this change, nothing worse
        }
    }

    private static int digits(byte[] b, int from, int count) {
        int n = 0;
        for (int i = from; i < from + count; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new NumberFormatException();
            }
            n = n * 10 + d;
        }
        return n;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int limit) {
        outer:
        for (int i = 0; i + needle.length <= limit; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
