package io.cdclr.runner.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Keeps a fault test's logs (runner, emulator, GC) in target/fault-logs, where CI collects them, whatever the outcome. */
final class FaultLogs {
    private FaultLogs() {
    }

    /** Copies each log that exists to target/fault-logs/{@code name}.{@code <file name>}. */
    static void keep(String name, Path... logs) throws IOException {
        Path keep = Files.createDirectories(Path.of("target", "fault-logs"));
        for (Path log : logs) {
            if (Files.exists(log)) {
                Files.copy(log, keep.resolve(name + "." + log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
