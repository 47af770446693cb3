package io.cdclr.runner.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLineEncoderTest {
    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("io.cdclr.runner.engine.Pipeline");

    private JsonNode encode(LoggingEvent event) throws Exception {
        JsonLineEncoder encoder = (JsonLineEncoder) RunnerLogging.encoder(context, "json");
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
        return new ObjectMapper().readTree(line);
    }

    @Test
    void oneObjectWithTheFormattedMessageAndTheUsualFields() throws Exception {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN,
                "event=shutdown_drain_timeout in_flight={} note=\"{}\"", null, new Object[] {120, "a \"quoted\"\nline\t\u0001"});
        event.setTimeStamp(1_764_800_000_123L);
        event.setThreadName("cdc-engine");
        JsonNode json = encode(event);
        assertEquals("2025-12-03T22:13:20.123Z", json.get("timestamp").asText());
        assertEquals("WARN", json.get("level").asText());
        assertEquals("io.cdclr.runner.engine.Pipeline", json.get("logger").asText());
        assertEquals("cdc-engine", json.get("thread").asText());
        assertEquals("event=shutdown_drain_timeout in_flight=120 note=\"a \"quoted\"\nline\t\u0001\"",
                json.get("message").asText());
        assertNull(json.get("exception"));
    }

    @Test
    void theExceptionWithItsStackTrace() throws Exception {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.ERROR, "event=pipeline_failed",
                new IllegalStateException("boom"), null);
        String exception = encode(event).get("exception").asText();
        assertTrue(exception.startsWith("java.lang.IllegalStateException: boom"), exception);
        assertTrue(exception.contains("at io.cdclr.runner.logging.JsonLineEncoderTest"), exception);
    }

    @Test
    void textIsTheDefaultAndAnUnknownFormatNamesTheVariable() {
        assertEquals(LogFormat.TEXT, LogFormat.parse(null));
        assertEquals(LogFormat.TEXT, LogFormat.parse(""));
        assertEquals(LogFormat.JSON, LogFormat.parse("JSON"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogFormat.parse("xml"));
        assertEquals("CDC_LOG_FORMAT: 'xml' is not a log format; expected text (the default) or json", e.getMessage());
        assertTrue(RunnerLogging.encoder(context, null) instanceof ch.qos.logback.classic.encoder.PatternLayoutEncoder);
        assertTrue(RunnerLogging.encoder(context, "xml") instanceof ch.qos.logback.classic.encoder.PatternLayoutEncoder);
    }
}
