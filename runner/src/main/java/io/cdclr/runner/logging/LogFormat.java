package io.cdclr.runner.logging;

import java.util.Locale;

/**
 * {@code CDC_LOG_FORMAT}: how log events are written to stderr. {@code text} (the default): one human-readable line
 * per event. {@code json}: one JSON object per line, for log pipelines that parse fields (see {@link JsonLineEncoder}).
 *
 * <p>An environment variable, not a configuration key, like {@code CDC_LOG_LEVEL}: logging is set up when the first
 * logger is created, before the configuration file is read.
 */
public enum LogFormat {
    TEXT, JSON;

    public static final String VARIABLE = "CDC_LOG_FORMAT";

    /** The format a value of {@value #VARIABLE} names; null or empty is the default, text. */
    public static LogFormat parse(String value) {
        if (value == null || value.isBlank()) {
            return TEXT;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException(VARIABLE + ": '" + value
                    + "' is not a log format; expected text (the default) or json");
        };
    }

    /** The operator's problem with {@code value}, or null when it is valid. */
    public static String problem(String value) {
        try {
            parse(value);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
