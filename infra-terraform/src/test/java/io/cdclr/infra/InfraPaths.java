package io.cdclr.infra;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where things are, relative to the module directory (infra-terraform/) that Maven runs the tests in. */
final class InfraPaths {

    private InfraPaths() {}

    /** infra-terraform/ */
    static Path moduleDir() {
        Path dir = Path.of("").toAbsolutePath();
        if (Files.isDirectory(dir.resolve("stacks")) && Files.isDirectory(dir.resolve("modules"))) {
            return dir;
        }
        Path child = dir.resolve("infra-terraform");
        if (Files.isDirectory(child.resolve("stacks"))) {
            return child;
        }
        throw new IllegalStateException("run the tests from infra-terraform/ or the repository root (cwd: " + dir + ")");
    }

    static Path repoRoot() {
        return moduleDir().getParent();
    }

    static Path stackDir() {
        return moduleDir().resolve("stacks/cdc_logical_replication_dev");
    }

    static Path rdsModuleDir() {
        return moduleDir().resolve("modules/rds_postgres_logical_replication");
    }

    static Path kinesisModuleDir() {
        return moduleDir().resolve("modules/kinesis_stream");
    }

    static Path bootstrapScript() {
        return stackDir().resolve("bootstrap_db.sh");
    }
}
