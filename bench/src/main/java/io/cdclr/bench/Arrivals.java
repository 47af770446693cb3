package io.cdclr.bench;

import io.cdclr.bench.Kinesis.Arrived;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.TreeMap;

/** What a contender wrote, read back from its stream: the backlog row (changes/s from arrival times) and commit times. */
final class Arrivals {
    private Arrivals() {
    }

    /** A contender's run: its table row and the records it wrote (sorted by arrival). */
    record Capture(Row row, List<Arrived> records) {
    }

    /**
     * The workload table's records: the sentinel/probe rows (and logical decoding messages other sessions emit, which
     * wal2json passes through whatever add-tables says) travel in the same stream.
     */
    static List<Arrived> ofTable(List<Arrived> all, String table) {
        String tableField = "\"table\":\"" + table + "\"";
        return all.stream().filter(r -> new String(r.data(), StandardCharsets.UTF_8).contains(tableField)).toList();
    }

    /**
     * The backlog row: changes/s between the first and the last of the workload's records to arrive (the streaming rate,
     * without start-up), start to first record, and the CPU and memory measured by the caller.
     */
    static Row backlogRow(Harness h, String label, Contender who, String table, List<Arrived> all, long expected, Proc proc,
                          double cpu, double rss, String note) {
        List<Arrived> records = ofTable(all, table);
        long others = all.size() - records.size();
        if (records.isEmpty()) {
            throw new IllegalStateException(who + " wrote nothing to Kinesis; log: " + proc.log + "\n" + proc.logTail(30));
        }
        long first = records.get(0).arrivalMillis();
        long last = records.get(records.size() - 1).arrivalMillis();
        if (h.settings.timeline) {
            // Records arrived per second after the process started: shows stalls and the ramp-up.
            TreeMap<Long, Integer> perSecond = new TreeMap<>();
            records.forEach(r -> perSecond.merge((r.arrivalMillis() - proc.startedMillis) / 1000, 1, Integer::sum));
            h.progress("[%s] %s: arrivals per second since start: %s", label, who.label, perSecond);
        }
        double seconds = Math.max(0.001, (last - first) / 1000.0);
        String count = (records.size() == expected ? "" : String.format("%,d records for %,d changes; ", records.size(), expected))
                + (others == 0 ? "" : String.format("%,d other records (sentinel, messages); ", others));
        Row row = new Row(label, who, records.size(), records.size() / seconds, (first - proc.startedMillis) / 1000.0,
                cpu, rss, null, count + note);
        h.progress("[%s] %s: %,.0f changes/s, first record %.2f s after start, CPU %.1f s, peak RSS %.0f MiB", label,
                who.label, row.changesPerSecond(), row.startToFirstSeconds(), cpu, rss);
        return row;
    }

    /** Commit to arrival in Kinesis, milliseconds, of each record, sorted. */
    static long[] latencies(Contender who, List<Arrived> records) {
        return records.stream().mapToLong(r -> r.arrivalMillis() - commitMillis(who, r.data())).sorted().toArray();
    }

    /** The commit time the change carries: wal2json's "timestamp", Debezium's source.ts_us. */
    static long commitMillis(Contender who, byte[] data) {
        String json = new String(data, StandardCharsets.UTF_8);
        if (who != Contender.PEER) {
            int at = json.indexOf("\"timestamp\":\"") + 13;
            String text = json.substring(at, json.indexOf('"', at)).replace(' ', 'T');
            if (text.matches(".*[+-]\\d\\d$")) {
                text += ":00";
            }
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        }
        int source = json.indexOf("\"source\":");
        int at = json.indexOf("\"ts_us\":", source);
        if (at > 0) {
            return Long.parseLong(json.substring(at + 8).split("[,}]")[0].trim()) / 1000;
        }
        at = json.indexOf("\"ts_ms\":", source);
        return Long.parseLong(json.substring(at + 8).split("[,}]")[0].trim());
    }
}
