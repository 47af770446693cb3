package io.cdclr.runner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real JAR refuses bad configuration with one line per problem, naming it, exit code 2, no stack trace. */
class StartupErrorsIT {

    private static Map<String, String> validEnv() {
        Map<String, String> env = TestEnv.runnerEnv();
        env.put("KINESIS_STREAM", "never-created");
        env.put("PGPASSWORD", "s3cret-not-to-be-logged");
        return env;
    }

    private static void assertOneLineError(RunnerProcess.Result result, String... mustContain) {
        assertEquals(2, result.exitCode(), result.stderr());
        String[] lines = result.stderr().strip().split("\n");
        assertEquals(1, lines.length, "one line expected:\n" + result.stderr());
        for (String expected : mustContain) {
            assertTrue(lines[0].contains(expected), "'" + expected + "' missing in: " + lines[0]);
        }
        assertFalse(result.stderr().contains("\tat "), "no stack trace expected:\n" + result.stderr());
        assertFalse(result.stderr().contains("s3cret-not-to-be-logged"), "password leaked:\n" + result.stderr());
    }

    @Test
    void missingKinesisStreamIsNamed() throws Exception {
        Map<String, String> env = validEnv();
        env.remove("KINESIS_STREAM");
        assertOneLineError(RunnerProcess.runToEnd(env), "KINESIS_STREAM", "required");
    }

    @Test
    void badPortIsNamed() throws Exception {
        Map<String, String> env = validEnv();
        env.put("PGPORT", "54x32");
        assertOneLineError(RunnerProcess.runToEnd(env), "PGPORT", "54x32");
    }

    @Test
    void formatVersionOtherThanTwoIsRefused() throws Exception {
        Map<String, String> env = validEnv();
        env.put("WAL2JSON_FORMAT_VERSION", "1");
        assertOneLineError(RunnerProcess.runToEnd(env), "WAL2JSON_FORMAT_VERSION", "2");
    }

    @Test
    void unknownKeyInConfigFileIsNamed() throws Exception {
        Path file = Files.createTempFile("runner", ".properties");
        Files.writeString(file, "kinesis.stream=s\nkinesis.strem=typo\n");
        assertOneLineError(RunnerProcess.runToEnd(validEnv(), "--config", file.toString()), "kinesis.strem", "unknown key");
    }

    @Test
    void everyProblemIsOneLineOnItsOwnKeyInOnePass() throws Exception {
        Map<String, String> env = validEnv();
        env.put("CDC_WAL2JSON_FOO", "1");
        env.put("CDC_RECONNECT_BACKOFF_MAX_MS", "10");
        env.put("PGPORT", "54x32");
        RunnerProcess.Result result = RunnerProcess.runToEnd(env);
        assertEquals(2, result.exitCode(), result.stderr());
        java.util.List<String> lines = result.stderr().strip().lines().toList();
        assertEquals(3, lines.size(), result.stderr());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("config error: CDC_WAL2JSON_FOO: unknown environment variable")),
                result.stderr());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("config error: database.port (from PGPORT): ")), result.stderr());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(
                "config error: reconnect.backoff.max.ms (from CDC_RECONNECT_BACKOFF_MAX_MS): must be at least")), result.stderr());
        assertFalse(result.stderr().contains("\tat "), "no stack trace expected:\n" + result.stderr());
    }

    @Test
    void unknownOptionIsNamed() throws Exception {
        assertOneLineError(RunnerProcess.runToEnd(validEnv(), "--bogus"), "--bogus");
    }

    @Test
    void unreachableDatabaseIsNamedAsUnreachableNotAsAConfigurationError() throws Exception {
        Map<String, String> env = validEnv();
        env.put("PGPORT", "1");
        env.put("CDC_DATABASE_CONNECT_WAIT_MS", "0"); // one attempt; DatabaseEndpointIT covers the wait
        env.put("CDC_HTTP_PORT", "0");
        RunnerProcess.Result result = RunnerProcess.runToEnd(env);
        assertEquals(5, result.exitCode(), result.stderr());
        String[] lines = result.stderr().strip().split("\n");
        assertEquals(1, lines.length, "one line expected:\n" + result.stderr());
        for (String expected : new String[] {"database unreachable", "PGHOST/PGPORT", "127.0.0.1:1"}) {
            assertTrue(lines[0].contains(expected), "'" + expected + "' missing in: " + lines[0]);
        }
        assertFalse(result.stderr().contains("\tat "), "no stack trace expected:\n" + result.stderr());
        assertFalse(result.stderr().contains("s3cret-not-to-be-logged"), "password leaked:\n" + result.stderr());
    }

    @Test
    void helpListsEveryVariableAndExitsZero() throws Exception {
        RunnerProcess.Result result = RunnerProcess.runToEnd(Map.of(), "--help");
        assertEquals(0, result.exitCode());
        for (String variable : new String[] {"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE",
                "PGSSLROOTCERT", "PGCONNECT_TIMEOUT", "AWS_REGION", "KINESIS_STREAM", "KINESIS_ENDPOINT", "REPLICATION_SLOT",
                "WAL2JSON_FORMAT_VERSION",
                "CDC_HTTP_PORT", "CDC_OFFSET_STORAGE"}) {
            assertTrue(result.stdout().contains(variable), variable + " missing from --help");
        }
    }
}
