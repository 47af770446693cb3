package io.cdclr.bench;

import java.util.List;
import java.util.Map;

/** The decode ceiling: pg_recvlogical decoding the backlog with wal2json and the runner's options, to /dev/null. */
final class DecodeCeiling {
    private DecodeCeiling() {
    }

    static Row run(Harness h, String label, String slot, String endLsn, String tables, long changes) throws Exception {
        h.progress("[%s] decode ceiling: pg_recvlogical (wal2json format-version 2) to /dev/null", label);
        Postgres pg = h.pg;
        List<String> command = List.of("pg_recvlogical", "-d", "host=" + pg.host + " port=" + pg.port + " user=" + pg.user
                        + " dbname=" + pg.database, "--slot", slot, "--start", "--endpos", endLsn, "--no-loop", "-F", "0",
                "-f", "/dev/null", "-o", "format-version=2", "-o", "include-pk=1", "-o", "include-lsn=1",
                "-o", "include-timestamp=1", "-o", "include-transaction=0", "-o", "add-tables=" + tables);
        try (Proc proc = Proc.start(command, Map.of(), h.work, h.work.resolve("pg_recvlogical-" + slot + ".log"))) {
            int exit = proc.waitFor(h.settings.timeout);
            double seconds = (System.nanoTime() - proc.startedNanos) / 1e9;
            if (exit != 0) {
                throw new IllegalStateException("pg_recvlogical exited with " + exit + ": " + proc.logTail(5));
            }
            Row row = new Row(label, Contender.DECODE, changes, changes / seconds, null, null, null, null,
                    String.format("%.2f s wall", seconds));
            h.progress("[%s] decode ceiling: %,.0f changes/s (%.2f s)", label, row.changesPerSecond(), seconds);
            return row;
        }
    }
}
