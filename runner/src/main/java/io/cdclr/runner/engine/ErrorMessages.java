package io.cdclr.runner.engine;

import java.util.ArrayList;
import java.util.List;

/** Turns an exception chain into the one line an operator needs. */
public final class ErrorMessages {
    private ErrorMessages() {
    }

    /**
     * The distinct messages of the cause chain, outermost first, without the wrappers that only repeat a cause
     * (e.g. "org.apache.kafka.connect.errors.ConnectException: ...").
     */
    public static String oneLine(Throwable error) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = error; t != null && parts.size() < 4; t = t.getCause()) {
            String message = t.getMessage();
            if (message == null || message.isBlank()) {
                continue;
            }
            String cause = t.getCause() == null ? null : t.getCause().toString();
            if (cause != null && message.equals(cause)) {
                continue; // "new X(cause)" wrapper
            }
            String line = message.replace('\n', ' ').trim();
            if (parts.stream().noneMatch(p -> p.contains(line))) {
                parts.add(line);
            }
        }
        return parts.isEmpty() ? error.toString() : String.join(": ", parts);
    }
}
