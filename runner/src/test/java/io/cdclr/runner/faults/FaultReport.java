package io.cdclr.runner.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The per-scenario table: printed after the suite and written to target/fault-report.txt. */
final class FaultReport {
    record Row(String scenario, Checker.Result result, String recovery, String notes) {
    }

    private final List<Row> rows = new ArrayList<>();

    synchronized void add(String scenario, Checker.Result result, String recovery, String notes) {
        rows.add(new Row(scenario, result, recovery, notes));
        System.out.println(format(List.of(rows.get(rows.size() - 1))));
    }

    synchronized String table() {
        return format(rows);
    }

    private static String format(List<Row> rows) {
        StringBuilder out = new StringBuilder(String.format("%-34s %9s %9s %7s %10s %10s %13s  %-16s %s%n", "scenario",
                "committed", "delivered", "missing", "duplicated", "unexpected", "order new/old", "recovery", "notes"));
        for (Row row : rows) {
            Checker.Result r = row.result();
            // order: per new key / per old key (a key change belongs to both keys; see Checker)
            out.append(String.format("%-34s %9d %9d %7d %10d %10d %13s  %-16s %s%n", row.scenario(), r.committed(),
                    r.records(), r.missing(), r.duplicated(), r.unexpected(),
                    r.newKeyViolations() + "/" + r.oldKeyViolations(), row.recovery(),
                    row.notes()));
        }
        return out.toString();
    }

    synchronized void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, table());
    }
}
