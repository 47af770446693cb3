package io.cdclr.runner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * {@code train} against the local services, with the real JAR: every change of its mix reaches the stream, and the
 * throwaway table and slot it names are gone afterwards, also from a configuration file that names other tables, a
 * slot of its own (which the run must not touch) and no slot creation.
 */
class TrainCommandIT {

    @Test
    void streamsTheWholeMixAndLeavesNothingBehind() throws Exception {
        try (TestStream stream = new TestStream("train-" + TestEnv.unique(), 2)) {
            Map<String, String> env = new HashMap<>(TestEnv.runnerEnv());
            env.put("KINESIS_STREAM", stream.name());
            String usersSlot = "users_slot_" + TestEnv.unique();
            env.put("REPLICATION_SLOT", usersSlot);
            Path config = Files.createTempFile("runner", ".properties");
            Files.writeString(config, "tables=public.someone_elses_table\nslot.create.if.missing=false\n");

            RunnerProcess.Result result = RunnerProcess.runToEnd(env, "train", "--config", config.toString(),
                    "--changes", "1600");

            assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
            Matcher named = Pattern.compile("from table public\\.(cdc_train_[0-9a-f]{8}) through slot (cdc_train_[0-9a-f]{8})")
                    .matcher(result.stdout());
            assertTrue(named.find(), result.stdout());
            assertTrue(result.stdout().contains("1,600 changes delivered"), result.stdout());
            // 1,000 inserts, 500 updates, 100 deletes: each one record with the training table's name
            List<Record> records = stream.readUntil(r -> r.size() >= 1600, Duration.ofSeconds(60));
            assertEquals(1600, records.size());
            Set<String> keys = new HashSet<>();
            for (Record record : records) {
                assertTrue(record.data().asUtf8String().contains("\"table\":\"" + named.group(1) + "\""));
                keys.add(record.partitionKey());
            }
            assertEquals(1000, keys.size(), "one partition key per row");

            try (Connection db = TestEnv.connect(); Statement s = db.createStatement()) {
                assertEquals(0, count(s, "SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ('"
                        + named.group(2) + "', '" + usersSlot + "')"), "the training slot is dropped, the user's never made");
                assertEquals(0, count(s, "SELECT count(*) FROM pg_tables WHERE tablename = '" + named.group(1) + "'"));
            }
        }
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
