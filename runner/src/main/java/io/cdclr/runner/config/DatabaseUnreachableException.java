package io.cdclr.runner.config;

/** The source database could not be reached within {@code database.connect.wait.ms}: exit code 5, not 2. */
public final class DatabaseUnreachableException extends RuntimeException {
    public DatabaseUnreachableException(String message) {
        super(message);
    }
}
