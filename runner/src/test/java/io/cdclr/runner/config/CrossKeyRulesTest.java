package io.cdclr.runner.config;

import static io.cdclr.runner.config.RunnerConfigTest.env;
import static io.cdclr.runner.config.RunnerConfigTest.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every rule across keys is reported on its own key, as {@code key (origin): message}, and every problem of a
 * configuration comes out in one pass.
 */
class CrossKeyRulesTest {
    @TempDir
    Path dir;

    /** The one problem of the valid environment with these variables set (name, value, name, value...). */
    private static String onlyProblem(String... variablesAndValues) {
        Map<String, String> env = env();
        for (int i = 0; i < variablesAndValues.length; i += 2) {
            env.put(variablesAndValues[i], variablesAndValues[i + 1]);
        }
        List<String> problems = problems(Optional.empty(), env);
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }

    private static void assertStarts(String expected, String problem) {
        assertTrue(problem.startsWith(expected), "expected '" + expected + "...' but got: " + problem);
    }

    @Test
    void anUnknownWal2jsonVariableIsNamedItselfNotAnotherKey() {
        String problem = onlyProblem("CDC_WAL2JSON_FOO", "1");
        assertStarts("CDC_WAL2JSON_FOO: unknown environment variable (wal2json has no option 'foo')", problem);
        assertFalse(problem.contains("tables"), problem);
    }

    @Test
    void anUnknownWal2jsonOptionInTheFileIsReportedOnItsKey() throws Exception {
        Path file = dir.resolve("runner.properties");
        Files.writeString(file, "wal2json.foo=1\n");
        List<String> problems = problems(Optional.of(file), env());
        assertEquals(1, problems.size(), problems.toString());
        assertStarts("wal2json.foo (in " + file + "): unknown wal2json option 'foo'", problems.get(0));
    }

    @Test
    void knownWal2jsonVariablesStillPassThrough() {
        Map<String, String> env = env();
        env.put("CDC_WAL2JSON_INCLUDE_XIDS", "1");
        assertEquals("1", RunnerConfig.load(Optional.empty(), env).source().wal2jsonOptions().get("include-xids"));
    }

    @Test
    void decoderRulesAreReportedOnTables() {
        assertStarts("tables (CDC_TABLES): required with decoder=pgoutput", onlyProblem("CDC_DECODER", "pgoutput"));
        assertStarts("tables (from CDC_TABLES): set either tables or wal2json.add-tables, not both",
                onlyProblem("CDC_TABLES", "public.orders", "CDC_WAL2JSON_ADD_TABLES", "public.lines"));
    }

    @Test
    void sourceRulesAreReportedOnTheirKeys() {
        assertStarts("wal2json.include-lsn (from CDC_WAL2JSON_INCLUDE_LSN): include-lsn=0 is not supported",
                onlyProblem("CDC_WAL2JSON_INCLUDE_LSN", "0"));
        assertStarts("reconnect.backoff.max.ms (from CDC_RECONNECT_BACKOFF_MAX_MS): must be at least "
                + "reconnect.backoff.initial.ms", onlyProblem("CDC_RECONNECT_BACKOFF_MAX_MS", "100"));
        assertStarts("wal2json.add-msg-prefixes (from CDC_WAL2JSON_ADD_MSG_PREFIXES): snapshot.tables needs the"
                + " snapshot's message prefixes",
                onlyProblem("CDC_SNAPSHOT_TABLES", "public.orders", "CDC_WAL2JSON_ADD_MSG_PREFIXES", "app"));
        assertStarts("snapshot.tables (from CDC_SNAPSHOT_TABLES): snapshots need wal2json.include-pk=1",
                onlyProblem("CDC_SNAPSHOT_TABLES", "public.orders", "CDC_WAL2JSON_INCLUDE_PK", "0"));
    }

    @Test
    void writerRuleIsReportedOnTheBackoffCap() {
        assertStarts("kinesis.retry.backoff.max.ms (from CDC_KINESIS_RETRY_BACKOFF_MAX_MS): must be at least "
                + "kinesis.retry.backoff.initial.ms (500)", onlyProblem("CDC_KINESIS_RETRY_BACKOFF_INITIAL_MS", "500",
                "CDC_KINESIS_RETRY_BACKOFF_MAX_MS", "100"));
    }

    @Test
    void everyProblemComesOutInOnePass() throws Exception {
        Path file = dir.resolve("runner.properties");
        Files.writeString(file, "http.port=99999\nkinesis.strem=typo\n");
        Map<String, String> env = env();
        env.put("CDC_WAL2JSON_FOO", "1");
        env.put("CDC_RECONNECT_BACKOFF_MAX_MS", "100");
        env.put("CDC_DECODER", "pgoutput");
        env.put("CDC_WAL2JSON_INCLUDE_LSN", "no");
        env.remove("KINESIS_STREAM");
        List<String> problems = problems(Optional.of(file), env);
        List<String> expectedStarts = List.of(
                "kinesis.strem (in " + file + "): unknown key",
                "CDC_WAL2JSON_FOO: unknown environment variable",
                "http.port (in " + file + "): Invalid value 99999",
                "tables (CDC_TABLES): required with decoder=pgoutput",
                "reconnect.backoff.max.ms (from CDC_RECONNECT_BACKOFF_MAX_MS): must be at least",
                "wal2json.include-lsn (from CDC_WAL2JSON_INCLUDE_LSN): include-lsn=0 is not supported",
                "kinesis.stream (KINESIS_STREAM): required but not set");
        assertEquals(expectedStarts.size(), problems.size(), problems.toString());
        for (String start : expectedStarts) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith(start)), "missing '" + start + "' in " + problems);
        }
    }
}
