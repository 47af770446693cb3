package io.cdclr.connector.envelope;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EnvelopeParserTest {
    private final EnvelopeParser parser = new EnvelopeParser();

    @Test
    void keepsTheTextAndReadsValuesWithoutConversion() {
        String json = "{\"action\":\"I\",\"xid\":760,\"lsn\":\"0/61D1150\",\"schema\":\"public\",\"table\":\"kitchen\","
                + "\"columns\":[{\"name\":\"i8\",\"type\":\"bigint\",\"value\":9223372036854775807},"
                + "{\"name\":\"n\",\"type\":\"numeric(12,2)\",\"value\":10.50},{\"name\":\"e\",\"value\":null}],"
                + "\"pk\":[{\"name\":\"i8\",\"type\":\"bigint\"}]}";
        Envelope e = parser.parse(json);
        assertSame(json, e.json());
        assertEquals("I", e.action());
        assertEquals("0/61D1150", e.lsn());
        assertEquals("9223372036854775807", e.columns().get("i8").text());
        assertEquals("10.50", e.columns().get("n").text());
        assertEquals(RawValue.Kind.NULL, e.columns().get("e").kind());
        assertEquals(List.of("i8"), e.pkNames());
    }

    @Test
    void readsEveryReferenceMessage() throws IOException {
        Path dir = Path.of(System.getProperty("reference.dir", "/work/shared/reference/wal2json-v2"));
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        Envelope e = parser.parse(line);
                        assertFalse(e.action().isEmpty(), line);
                    }
                }
            }
        }
    }

    @Test
    void rejectsWhatIsNotAnEnvelope() {
        assertThrows(EnvelopeParseException.class, () -> parser.parse("{\"action\":\"I\""));
        assertThrows(EnvelopeParseException.class, () -> parser.parse("[1]"));
        assertThrows(EnvelopeParseException.class, () -> parser.parse("{\"schema\":\"s\"}"));
        assertThrows(EnvelopeParseException.class, () -> parser.parse("{\"action\":\"I\"} x"));
    }
}
