package io.cdclr.runner.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One JSON object per log event, on one line:
 * {@code {"timestamp":"2026-12-03T21:30:00.123Z","level":"INFO","logger":"io.cdclr...","thread":"main",
 * "message":"event=streaming slot=s"}}, plus {@code "exception"} (the stack trace as text) when the event has one.
 *
 * <p>Not logback's own {@code JsonEncoder}: it writes the message template with its {@code {}} placeholders unless
 * told otherwise, the time as epoch milliseconds, and the logger context's properties and a sequence number on every
 * line; this writes the fields log pipelines expect under their usual names, and nothing else.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneOffset.UTC);

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        IThrowableProxy thrown = event.getThrowableProxy();
        return (line(event.getTimeStamp(), event.getLevel().toString(), event.getLoggerName(), event.getThreadName(),
                event.getFormattedMessage(), thrown == null ? null : ThrowableProxyUtil.asString(thrown)) + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A line in the same shape for text written outside logging (the CLI's final error line), now, this thread. */
    public static String line(String level, String logger, String message) {
        return line(System.currentTimeMillis(), level, logger, Thread.currentThread().getName(), message, null);
    }

    static String line(long epochMillis, String level, String logger, String thread, String message, String exception) {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"timestamp\":\"").append(TIME.format(Instant.ofEpochMilli(epochMillis))).append('"');
        field(json, "level", level);
        field(json, "logger", logger);
        field(json, "thread", thread);
        field(json, "message", message);
        if (exception != null) {
            field(json, "exception", exception);
        }
        return json.append('}').toString();
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    private static void field(StringBuilder json, String name, String value) {
        json.append(",\"").append(name).append("\":");
        if (value == null) {
            json.append("null");
            return;
        }
        json.append('"');
        escape(json, value);
        json.append('"');
    }

    /** JSON string escaping (RFC 8259): quote, backslash and control characters; everything else as is. */
    static void escape(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }
}
