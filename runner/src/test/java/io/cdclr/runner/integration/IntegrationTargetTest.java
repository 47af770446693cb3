package io.cdclr.runner.integration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With AWS variables present and RUN_INTEGRATION_TESTS unset, the live suite is skipped, not run: proven by running
 * the condition in a child JVM with exactly that environment.
 */
class IntegrationTargetTest {

    private static String decide(Map<String, String> env) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return out.strip();
    }

    @Test
    void awsTargetWithoutOptInIsSkipped() throws Exception {
        String decision = decide(Map.of("PGHOST", "cdc-lr-dev.abc.us-west-2.rds.amazonaws.com", "AWS_REGION", "us-west-2",
                "KINESIS_STREAM", "cdc-lr-dev-stream", "AWS_ACCESS_KEY_ID", "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY", "x"));
        assertTrue(decision.endsWith("disabled"), decision);
        assertTrue(decision.contains("RUN_INTEGRATION_TESTS"), "the reason is printed: " + decision);
    }

    @Test
    void awsTargetWithOptInRuns() throws Exception {
        String decision = decide(Map.of("PGHOST", "cdc-lr-dev.abc.us-west-2.rds.amazonaws.com", "AWS_REGION", "us-west-2",
                "KINESIS_STREAM", "s", "RUN_INTEGRATION_TESTS", "1"));
        assertTrue(decision.endsWith("enabled"), decision);
    }

    @Test
    void localServicesAlwaysRun() throws Exception {
        String decision = decide(Map.of("PGHOST", "127.0.0.1", "KINESIS_ENDPOINT", "http://127.0.0.1:4567"));
        assertTrue(decision.endsWith("enabled"), decision);
        assertFalse(decision.contains("skipped"), decision);
    }

    /** Evaluates the condition in a fresh JVM and prints the reason and the verdict. */
    public static final class Probe {
        public static void main(String[] args) {
            var result = new IntegrationTarget().evaluateExecutionCondition(null);
            System.out.println(result.getReason().orElse("") + " " + (result.isDisabled() ? "disabled" : "enabled"));
        }
    }
}
