package io.cdclr.runner.config;

import java.util.List;

/**
 * A problem the operator must fix in the configuration: printed as one line per problem, no stack trace,
 * and the runner exits non-zero.
 */
public final class ConfigError extends RuntimeException {
    private final List<String> problems;

    public ConfigError(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigError(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
