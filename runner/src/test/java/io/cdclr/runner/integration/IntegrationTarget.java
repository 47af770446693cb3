package io.cdclr.runner.integration;

import java.net.URI;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Where the integration suite runs, read only from the environment the runner itself reads.
 *
 * <ul>
 *   <li>local: {@code KINESIS_ENDPOINT} points at an emulator on this machine and {@code PGHOST} is local, as
 *   {@code scripts/test.sh} sets them. Always runs.</li>
 *   <li>live: anything else (the dev AWS stack from {@code terraform output env_exports}). Runs only with
 *   {@code RUN_INTEGRATION_TESTS=1}, so a shell that happens to hold AWS credentials never writes to AWS by accident.</li>
 * </ul>
 */
public final class IntegrationTarget implements ExecutionCondition {

    public static boolean isLocal() {
        String endpoint = System.getenv("KINESIS_ENDPOINT");
        String pgHost = System.getenv("PGHOST");
        return endpoint != null && !endpoint.isBlank() && isLoopback(URI.create(endpoint).getHost())
                && (pgHost == null || isLoopback(pgHost));
    }

    private static boolean isLoopback(String host) {
        return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("::1"));
    }

    public static String describe() {
        return isLocal() ? "local services (" + System.getenv("KINESIS_ENDPOINT") + ")"
                : "live target (PGHOST=" + System.getenv("PGHOST") + ", AWS_REGION=" + System.getenv("AWS_REGION")
                        + ", KINESIS_STREAM=" + System.getenv("KINESIS_STREAM") + ")";
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (isLocal()) {
            return ConditionEvaluationResult.enabled("integration target: " + describe());
        }
        if ("1".equals(System.getenv("RUN_INTEGRATION_TESTS"))) {
            return ConditionEvaluationResult.enabled("RUN_INTEGRATION_TESTS=1: " + describe());
        }
        String reason = "skipped: the target is not the local services and RUN_INTEGRATION_TESTS is not 1 "
                + "(would have run against the " + describe() + ")";
        System.out.println("[integration] " + reason);
        return ConditionEvaluationResult.disabled(reason);
    }
}
