package io.cdclr.connector.envelope;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvelopeParserTest {
    private final EnvelopeParser parser = new EnvelopeParser();

    @Test
    void readsValuesWithoutConversion() {
        String json = "{\"action\":\"I\",\"xid\":760,\"lsn\":\"0/61D1150\",\"schema\":\"public\",\"table\":\"kitchen\","
                + "\"columns\":[{\"name\":\"i8\",\"type\":\"bigint\",\"value\":9223372036854775807},"
                + "{\"name\":\"n\",\"type\":\"numeric(12,2)\",\"value\":10.50},{\"name\":\"e\",\"value\":null}],"
                + "\"pk\":[{\"name\":\"i8\",\"type\":\"bigint\"},{\"name\":\"n\"},{\"name\":\"e\"}]}";
        Envelope e = parser.parse(json);
        assertEquals("I", e.action());
        assertEquals("0/61D1150", e.lsn());
        assertEquals(List.of("i8", "n", "e"), e.pkNames());
        assertEquals("9223372036854775807", e.keyValues().get(0).text());
        assertEquals("10.50", e.keyValues().get(1).text());
        assertEquals(RawValue.Kind.NUMBER, e.keyValues().get(1).kind());
        assertEquals(RawValue.Kind.NULL, e.keyValues().get(2).kind());
    }

    @Test
    void onlyPrimaryKeyValuesAreReadFromTheRowTheActionUses() {
        // D: old values from identity; a pk column the array lacks is NULL; pk order, not column order
        Envelope d = parser.parse("{\"action\":\"D\",\"schema\":\"s\",\"table\":\"t\","
                + "\"identity\":[{\"name\":\"b\",\"value\":\"x\"},{\"name\":\"a\",\"value\":1}],"
                + "\"pk\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}");
        assertEquals(List.of(new RawValue("1", RawValue.Kind.NUMBER), new RawValue("x", RawValue.Kind.STRING),
                RawValue.NULL), d.keyValues());
        // U: new values from columns, pk given first
        Envelope u = parser.parse("{\"pk\":[{\"name\":\"a\"}],\"action\":\"U\",\"columns\":[{\"name\":\"a\",\"value\":true}],"
                + "\"identity\":[{\"name\":\"a\",\"value\":false}]}");
        assertEquals(List.of(new RawValue("true", RawValue.Kind.BOOLEAN)), u.keyValues());
        // T, M, B, C and tables without pk: none
        assertEquals(List.of(), parser.parse("{\"action\":\"T\",\"schema\":\"s\",\"table\":\"t\",\"pk\":[{\"name\":\"a\"}]}").keyValues());
        assertEquals(List.of(), parser.parse("{\"action\":\"I\",\"columns\":[{\"name\":\"a\",\"value\":1}]}").keyValues());
    }

    @Test
    void decodesEscapesAndUtf8AndAcceptsWhitespace() {
        String json = "{\n  \"act\\u0069on\" : \"I\" ,\r\n\t\"schema\": \"s\\\"q\\\\\\/\",\"table\":\"t\u00e9\u20ac\","
                + " \"columns\" : [ { \"name\" : \"k\\u00e9y\" , \"value\" : \"\\ud83d\\ude00 \\b\\f\\n\\r\\t\" } ] ,"
                + " \"pk\" : [ { \"name\" : \"k\u00e9y\" } ]\n}\n";
        Envelope e = parser.parse(json);
        assertEquals("I", e.action());
        assertEquals("s\"q\\/", e.schema());
        assertEquals("t\u00e9\u20ac", e.table());
        assertEquals(List.of("k\u00e9y"), e.pkNames());
        assertEquals(new RawValue("\uD83D\uDE00 \b\f\n\r\t", RawValue.Kind.STRING), e.keyValues().get(0));
    }

    @Test
    void skipsUnknownFieldsOfAnyShapeAndCountsTheLastOfDuplicates() {
        Envelope e = parser.parse("{\"action\":\"M\",\"future\":{\"a\":[1,-2.5e-3,{\"b\":\"}]\\\"\"},[]],\"c\":null},"
                + "\"n\":0,\"x\":[true,false,null],\"prefix\":\"p1\",\"prefix\":\"p2\",\"transactional\":true,"
                + "\"lsn\":7,\"nextlsn\":{\"x\":1}}");
        assertEquals("p2", e.prefix());
        assertTrue(e.transactional());
        assertEquals("7", e.lsn());
        assertNull(e.nextLsn());
        String deep = "[".repeat(JsonScanner.MAX_DEPTH - 1) + "]".repeat(JsonScanner.MAX_DEPTH - 1);
        assertEquals("B", parser.parse("{\"action\":\"B\",\"deep\":" + deep + "}").action());
        assertThrows(EnvelopeParseException.class, () -> parser.parse("{\"action\":\"B\",\"deep\":[" + deep + "]}"));
    }

    @Test
    void parsesARangeOfALargerBuffer() {
        String json = "{\"action\":\"I\",\"columns\":[{\"name\":\"id\",\"value\":42}],\"pk\":[{\"name\":\"id\"}]}";
        byte[] utf8 = ("xx" + json + "}}").getBytes(StandardCharsets.UTF_8);
        Envelope e = parser.parse(utf8, 2, json.length());
        assertEquals("42", e.keyValues().get(0).text());
    }

    @Test
    void rejectsMalformedJson() {
        for (String bad : List.of("", "  ", "{", "{\"action\":\"I\",}", "{\"action\":\"I\" \"x\":1}", "{\"action\":\"I\",\"x\":}",
                "{\"action\":\"I\",\"x\":[1,]}", "{\"action\":\"I\",\"x\":[1}", "{\"action\":\"I\",\"x\":{\"a\":1]}",
                "{\"action\":\"I\",\"x\":\"abc}", "{\"action\":\"I\",\"x\":\"a\\qb\"}", "{\"action\":\"I\",\"x\":\"\\u12G4\"}",
                "{\"action\":\"I\",\"x\":\"\\u12\"}", "{\"action\":\"I\",\"x\":\"a\u0001b\"}", "{\"action\":\"I\",\"x\":01}",
                "{\"action\":\"I\",\"x\":1.}", "{\"action\":\"I\",\"x\":-}", "{\"action\":\"I\",\"x\":1e}", "{\"action\":\"I\",\"x\":+1}",
                "{\"action\":\"I\",\"x\":tru}", "{\"action\":\"I\",\"x\":nulls}", "{\"action\":\"I\",\"x\":NaN}",
                "{\"action\":\"I\",\"columns\":[1]}", "{\"action\":\"I\"}{}", "{\"action\":null}", "{action:\"I\"}")) {
            assertThrows(EnvelopeParseException.class, () -> parser.parse(bad), bad);
        }
        // a trailing 0xff byte (invalid UTF-8) is content, not the end of the input
        byte[] trailing = "{\"action\":\"I\"}\u0000".getBytes(StandardCharsets.UTF_8);
        trailing[trailing.length - 1] = (byte) 0xff;
        assertThrows(EnvelopeParseException.class, () -> parser.parse(trailing, 0, trailing.length));
    }

    @Test
    void readsEveryReferenceMessage() throws IOException {
        Path dir = Path.of(System.getProperty("reference.dir", "src/test/resources/wal2json-v2"));
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
