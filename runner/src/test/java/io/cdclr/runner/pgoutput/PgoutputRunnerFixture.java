package io.cdclr.runner.pgoutput;

import static io.cdclr.runner.pgoutput.PgoutputRunnerDifferentialIT.dropSlot;
import static io.cdclr.runner.pgoutput.PgoutputRunnerDifferentialIT.exec;

import io.cdclr.runner.testing.TestEnv;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A schema {@code s}, slot and publication of the test's own for a runner with decoder=pgoutput streaming
 * {@code s.items}, dropped after each test (register with {@code @RegisterExtension}).
 */
final class PgoutputRunnerFixture implements AfterEachCallback {
    final String s;
    final String slot;
    final String publication;

    PgoutputRunnerFixture(String prefix) {
        this.s = prefix + "_" + TestEnv.unique();
        this.slot = s + "_slot";
        this.publication = s + "_pub";
    }

    /** The runner's environment: this slot, publication and table, offsets in a file, flushed every 200 ms. */
    Map<String, String> runnerEnv(String stream, Path offsetsFile) {
        Map<String, String> env = TestEnv.runnerEnv();
        env.put("PGSSLMODE", TestEnv.env("PGSSLMODE", "prefer"));
        env.put("KINESIS_STREAM", stream);
        env.put("REPLICATION_SLOT", slot);
        env.put("CDC_DECODER", "pgoutput");
        env.put("CDC_TABLES", s + ".items");
        env.put("CDC_PUBLICATION_NAME", publication);
        env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", offsetsFile.toString());
        env.put("CDC_OFFSET_FLUSH_INTERVAL_MS", "200");
        return env;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        dropSlot(slot);
        try {
            exec(List.of("DROP PUBLICATION IF EXISTS " + publication, "DROP SCHEMA IF EXISTS " + s + " CASCADE"));
        } catch (SQLException ignored) {
            // best effort
        }
    }
}
