package io.cdclr.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The table shows each contender's middle run: of the bursts by CPU, of a steady rate by CPU per change. */
class MedianTest {
    private static Row run(long changes, Double cpuSeconds, String note) {
        return new Row("steady 2,000/s", Contender.OURS, changes, 2_000, null, cpuSeconds, 160.0, null, note);
    }

    @Test
    void theMiddleRunByTheFigureNotByItsPlace() {
        Row cheap = run(100_000, 1.0, "a");
        Row middle = run(100_000, 2.0, "b");
        Row dear = run(100_000, 3.0, "c");
        assertEquals(middle, Row.median(List.of(dear, cheap, middle), Row::cpuSeconds));
    }

    @Test
    void anEvenCountGivesTheLowerMiddleAndUnmeasuredRunsSortLast() {
        Row low = run(100_000, 1.0, "a");
        Row high = run(100_000, 2.0, "b");
        assertEquals(low, Row.median(List.of(high, low), Row::cpuSeconds));
        assertEquals(high, Row.median(List.of(run(100_000, null, "x"), high, low), Row::cpuSeconds));
    }

    @Test
    void aSteadyRateTakesTheSessionWithTheMedianCpuPerChangeAndNotesEverySession() {
        // Session 2 spent the most CPU seconds but over the most changes: per change it is the middle one.
        Row first = run(100_000, 1.75, "first");
        Row second = run(200_000, 3.80, "second");
        Row third = run(100_000, 2.04, "third");
        Row shown = Steady.medianByCpuPerChange(List.of(List.of(first), List.of(second), List.of(third)), 0);
        assertEquals(3.80, shown.cpuSeconds());
        assertEquals("median CPU per change of 3 sessions (in session order: 1.75, 1.90, 2.04 CPU s per 100k;"
                + " p99 -, -, - ms; peak RSS 160, 160, 160 MiB); the rest of this note is that session's; second",
                shown.note());
    }

    @Test
    void theBurstsNoteEveryRunsCpuInRunOrder() {
        Row shown = Bench.medianByCpu(List.of(capture(run(320_000, 10.6, "")), capture(run(320_000, 10.1, "n")),
                capture(run(320_000, 10.2, ""))));
        assertEquals(10.2, shown.cpuSeconds());
        assertEquals("median CPU of 3 runs (10.6, 10.1, 10.2 s, in run order)", shown.note());
    }

    private static Arrivals.Capture capture(Row row) {
        return new Arrivals.Capture(row, List.of());
    }
}
