package io.cdclr.runner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class RunnerConfigTest {
    @TempDir
    Path dir;

    /** A complete environment of the runner's required settings (tests in other packages start from it too). */
    public static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PGHOST", "db.internal");
        env.put("PGPORT", "5433");
        env.put("PGUSER", "cdc_replication");
        env.put("PGPASSWORD", "hunter2");
        env.put("PGDATABASE", "orders");
        env.put("AWS_REGION", "eu-west-1");
        env.put("KINESIS_STREAM", "orders-cdc");
        return env;
    }

    static List<String> problems(Optional<Path> file, Map<String, String> env) {
        return assertThrows(ConfigError.class, () -> RunnerConfig.load(file, env)).problems();
    }

    @Test
    void environmentAloneIsEnoughAndMapsTheSeedVariables() {
        RunnerConfig config = RunnerConfig.load(Optional.empty(), env());
        Map<String, String> values = config.values();
        assertEquals("db.internal", values.get("database.hostname"));
        assertEquals("5433", values.get("database.port"));
        assertEquals("orders", values.get("database.dbname"));
        assertEquals("eu-west-1", values.get("kinesis.region"));
        assertEquals("orders-cdc", values.get("kinesis.stream"));
        assertEquals("etl_slot_wal2json", config.source().slotName(), "the documented default slot");
    }

    @Test
    void theByteBoundsOfTheReaderQueueAndThePollBatchPassThroughToTheConnector() {
        RunnerConfig defaults = RunnerConfig.load(Optional.empty(), env());
        assertEquals(16L << 20, defaults.source().queueMaxBytes());
        assertEquals(16L << 20, defaults.source().pollMaxBytes());
        Map<String, String> env = env();
        env.put("CDC_QUEUE_MAX_BYTES", "8388608");
        env.put("CDC_POLL_MAX_BYTES", "4194304");
        RunnerConfig config = RunnerConfig.load(Optional.empty(), env);
        assertEquals(8L << 20, config.source().queueMaxBytes());
        assertEquals(4L << 20, config.source().pollMaxBytes());
        env.put("CDC_QUEUE_MAX_BYTES", "0");
        List<String> problems = problems(Optional.empty(), env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("queue.max.bytes (from CDC_QUEUE_MAX_BYTES)"), problems.get(0));
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        Path file = dir.resolve("runner.properties");
        Files.writeString(file, "slot.name=from_file\nkinesis.stream=from-file\nhttp.port=9090\n");
        Map<String, String> env = env();
        env.put("REPLICATION_SLOT", "from_env");
        RunnerConfig config = RunnerConfig.load(Optional.of(file), env);
        assertEquals("from_env", config.values().get("slot.name"));
        assertEquals("orders-cdc", config.values().get("kinesis.stream"));
        assertEquals(9090, config.settings().httpPort());
    }

    @Test
    void genericVariablesSetAnyKeyAndPassWal2jsonOptions() {
        Map<String, String> env = env();
        env.put("CDC_HTTP_PORT", "9191");
        env.put("CDC_WAL2JSON_ADD_TABLES", "public.orders");
        RunnerConfig config = RunnerConfig.load(Optional.empty(), env);
        assertEquals(9191, config.settings().httpPort());
        assertEquals("public.orders", config.values().get("wal2json.add-tables"));
    }

    @Test
    void missingStreamNamesTheVariable() {
        Map<String, String> env = env();
        env.remove("KINESIS_STREAM");
        List<String> problems = problems(Optional.empty(), env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("KINESIS_STREAM"), problems.get(0));
    }

    @Test
    void badPortNamesTheVariableAndValue() {
        Map<String, String> env = env();
        env.put("PGPORT", "fivefour");
        List<String> problems = problems(Optional.empty(), env);
        assertTrue(problems.get(0).contains("PGPORT") && problems.get(0).contains("fivefour"), problems.toString());
    }

    @Test
    void formatVersionOneIsRefused() {
        Map<String, String> env = env();
        env.put("WAL2JSON_FORMAT_VERSION", "1");
        List<String> problems = problems(Optional.empty(), env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("WAL2JSON_FORMAT_VERSION"), problems.get(0));
    }

    @Test
    void unknownKeysAndVariablesAreReportedTogether() throws Exception {
        Path file = dir.resolve("runner.properties");
        Files.writeString(file, "kinesis.strem=typo\n");
        Map<String, String> env = env();
        env.put("CDC_HTTP_PROT", "1");
        List<String> problems = problems(Optional.of(file), env);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("kinesis.strem")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("CDC_HTTP_PROT")), problems.toString());
    }

    @Test
    void problemsNeverContainThePassword() {
        Map<String, String> env = env();
        env.put("PGPORT", "x");
        env.remove("KINESIS_STREAM");
        assertFalse(problems(Optional.empty(), env).toString().contains("hunter2"));
    }

    @Test
    void missingConfigFileIsOneLine() {
        List<String> problems = problems(Optional.of(dir.resolve("nope.properties")), env());
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("nope.properties"));
    }
}
