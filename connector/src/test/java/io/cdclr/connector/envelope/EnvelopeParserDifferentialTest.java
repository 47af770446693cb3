package io.cdclr.connector.envelope;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written {@link EnvelopeParser} against the Jackson-based parser it replaced ({@link JacksonEnvelopeParser}):
 * same fields, same primary-key values, same partition key, on wal2json's reference output and on random messages;
 * and both reject the same broken ones.
 */
class EnvelopeParserDifferentialTest {
    private static final int RANDOM_MESSAGES = 5000;

    private final EnvelopeParser parser = new EnvelopeParser();
    private final JacksonEnvelopeParser oracle = new JacksonEnvelopeParser();

    @Test
    void agreesOnEveryReferenceMessage() throws IOException {
        Path dir = Path.of(System.getProperty("reference.dir", "src/test/resources/wal2json-v2"));
        if (!Files.isDirectory(dir)) {
            return;
        }
        int compared = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        assertAgree(line);
                        compared++;
                    }
                }
            }
        }
        assertTrue(compared > 0, "no reference message in " + dir);
    }

    @Test
    void agreesOnRandomMessages() {
        RandomEnvelopes messages = new RandomEnvelopes(20261125L);
        for (int i = 0; i < RANDOM_MESSAGES; i++) {
            String json = messages.next();
            oracle.parse(json); // the generator writes valid envelopes only
            assertAgree(json);
        }
    }

    @Test
    void bothRejectTruncatedMessages() {
        RandomEnvelopes messages = new RandomEnvelopes(7L);
        Random random = new Random(7L);
        for (int i = 0; i < RANDOM_MESSAGES; i++) {
            String json = messages.next().stripTrailing();
            String truncated = json.substring(0, random.nextInt(json.length()));
            assertThrows(EnvelopeParseException.class, () -> oracle.parse(truncated), truncated);
            assertThrows(EnvelopeParseException.class, () -> parse(truncated), truncated);
        }
    }

    /**
     * One ASCII character replaced by a JSON-significant one: most results are broken JSON, some are other valid
     * envelopes; the two parsers must agree either way. Excluded: a "transactional" holding an object or array,
     * which the old parser misread (it did not skip it) and so rejected; the scanner skips it like any value.
     */
    @Test
    void agreesOnMutatedMessages() {
        RandomEnvelopes messages = new RandomEnvelopes(11L);
        Random random = new Random(11L);
        String replacements = "{}[]:,\"\\ 0123456789-+.eEtrufalsn\u0001x";
        for (int i = 0; i < RANDOM_MESSAGES; i++) {
            String json = messages.next();
            int at = random.nextInt(json.length());
            if (json.charAt(at) >= 0x80 || Character.isSurrogate(json.charAt(at))) {
                continue; // keep the UTF-8 valid: the scanner does not validate it (PostgreSQL does)
            }
            String mutated = json.substring(0, at) + replacements.charAt(random.nextInt(replacements.length()))
                    + json.substring(at + 1);
            if (mutated.replaceAll("\\s", "").matches("(?s).*\"transactional\":[\\[{].*")) {
                continue;
            }
            JacksonEnvelopeParser.Parsed expected;
            try {
                expected = oracle.parse(mutated, utf8(mutated), 0, utf8(mutated).length);
            } catch (EnvelopeParseException e) {
                assertThrows(EnvelopeParseException.class, () -> parse(mutated), mutated);
                continue;
            }
            assertAgree(expected, parse(mutated));
        }
    }

    private void assertAgree(String json) {
        byte[] utf8 = utf8(json);
        assertAgree(oracle.parse(json, utf8, 0, utf8.length), parse(json));
        // the String entry point encodes and takes the same path
        assertAgree(oracle.parse(json), parser.parse(json));
    }

    private Envelope parse(String json) {
        // the bytes inside a larger buffer, as they come off the replication stream
        byte[] utf8 = utf8(json);
        byte[] buffer = new byte[utf8.length + 7];
        System.arraycopy(utf8, 0, buffer, 3, utf8.length);
        buffer[2] = '[';
        buffer[3 + utf8.length] = '}';
        return parser.parse(buffer, 3, utf8.length);
    }

    private static void assertAgree(JacksonEnvelopeParser.Parsed expected, Envelope actual) {
        String json = expected.json();
        assertEquals(expected.action(), actual.action(), json);
        assertEquals(expected.schema(), actual.schema(), json);
        assertEquals(expected.table(), actual.table(), json);
        assertEquals(expected.lsn(), actual.lsn(), json);
        assertEquals(expected.nextLsn(), actual.nextLsn(), json);
        assertEquals(expected.prefix(), actual.prefix(), json);
        assertEquals(expected.transactional(), actual.transactional(), json);
        assertEquals(expected.pkNames(), actual.pkNames(), json);
        assertEquals(expected.keyValues(), actual.keyValues(), json);
        assertEquals(expected.partitionKey(), PartitionKey.of(actual), json);
        assertEquals(expected.previousPartitionKey(), PartitionKey.previous(actual), json);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
