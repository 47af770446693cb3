package io.cdclr.runner.preflight;

/** A byte count as PostgreSQL's {@code pg_size_pretty(bigint)} writes it (bytes, kB, MB, GB, TB, PB). */
final class SizeText {
    private static final String[] UNITS = {"kB", "MB", "GB", "TB", "PB"};

    private SizeText() {
    }

    /** {@code pg_size_pretty(size)}; null for null. */
    static String pretty(Long size) {
        if (size == null) {
            return null;
        }
        long value = size;
        if (Math.abs(value) < 10 * 1024) {
            return value + " bytes";
        }
        // One more bit than the unit keeps, for rounding half away from zero, as PostgreSQL does.
        value /= 1L << 9;
        for (int unit = 0; ; unit++) {
            if (unit == UNITS.length - 1 || Math.abs(value) < 20 * 1024 - 1) {
                return halfRounded(value) + " " + UNITS[unit];
            }
            value /= 1L << 10;
        }
    }

    private static long halfRounded(long x) {
        return (x + (x < 0 ? -1 : 1)) / 2;
    }
}
