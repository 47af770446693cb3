package io.cdclr.connector.envelope;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionKeyTest {
    private final EnvelopeParser parser = new EnvelopeParser();

    private String key(String json) {
        return PartitionKey.of(parser.parse(json));
    }

    @Test
    void insertUsesSchemaTableAndPrimaryKeyFromColumns() {
        assertEquals("public.customers|1", key("{\"action\":\"I\",\"schema\":\"public\",\"table\":\"customers\","
                + "\"columns\":[{\"name\":\"id\",\"type\":\"integer\",\"value\":1},{\"name\":\"name\",\"type\":\"text\",\"value\":\"Ada\"}],"
                + "\"pk\":[{\"name\":\"id\",\"type\":\"integer\"}]}"));
    }

    @Test
    void compositeKeyFollowsPkOrder() {
        assertEquals("public.order_lines|100|2", key("{\"action\":\"U\",\"schema\":\"public\",\"table\":\"order_lines\","
                + "\"columns\":[{\"name\":\"line_no\",\"value\":2},{\"name\":\"order_id\",\"value\":100},{\"name\":\"qty\",\"value\":5}],"
                + "\"identity\":[{\"name\":\"order_id\",\"value\":100},{\"name\":\"line_no\",\"value\":2}],"
                + "\"pk\":[{\"name\":\"order_id\",\"type\":\"bigint\"},{\"name\":\"line_no\",\"type\":\"integer\"}]}"));
    }

    @Test
    void deleteTakesPrimaryKeyFromIdentity() {
        assertEquals("public.order_lines|100|1", key("{\"action\":\"D\",\"schema\":\"public\",\"table\":\"order_lines\","
                + "\"identity\":[{\"name\":\"order_id\",\"value\":100},{\"name\":\"line_no\",\"value\":1}],"
                + "\"pk\":[{\"name\":\"order_id\"},{\"name\":\"line_no\"}]}"));
    }

    @Test
    void deleteWithReplicaIdentityFullUsesOnlyPrimaryKeyColumns() {
        assertEquals("public.docs|1", key("{\"action\":\"D\",\"schema\":\"public\",\"table\":\"docs\","
                + "\"identity\":[{\"name\":\"id\",\"value\":1},{\"name\":\"body\",\"value\":\"world\"}],"
                + "\"pk\":[{\"name\":\"id\"}]}"));
    }

    @Test
    void updateThatChangesThePrimaryKeyUsesTheNewValues() {
        assertEquals("public.customers|3", key("{\"action\":\"U\",\"schema\":\"public\",\"table\":\"customers\","
                + "\"columns\":[{\"name\":\"id\",\"value\":3}],\"identity\":[{\"name\":\"id\",\"value\":2}],"
                + "\"pk\":[{\"name\":\"id\"}]}"));
    }

    @Test
    void tableWithoutPrimaryKeyAndTruncateUseSchemaTable() {
        assertEquals("public.audit_log", key("{\"action\":\"I\",\"schema\":\"public\",\"table\":\"audit_log\","
                + "\"columns\":[{\"name\":\"msg\",\"value\":\"x\"}],\"pk\":[]}"));
        assertEquals("public.audit_log", key("{\"action\":\"T\",\"schema\":\"public\",\"table\":\"audit_log\"}"));
    }

    @Test
    void messagesAndTransactionBoundariesHaveTheirOwnKeys() {
        assertEquals("message|app", key("{\"action\":\"M\",\"transactional\":true,\"prefix\":\"app\",\"content\":\"x\"}"));
        assertEquals("transaction", key("{\"action\":\"B\",\"lsn\":\"0/1\"}"));
        assertEquals("transaction", key("{\"action\":\"C\",\"lsn\":\"0/1\"}"));
    }

    @Test
    void numbersAreKeptVerbatim() {
        assertEquals("s.t|10.50|9223372036854775807|true", key("{\"action\":\"I\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"a\",\"value\":10.50},{\"name\":\"b\",\"value\":9223372036854775807},{\"name\":\"c\",\"value\":true}],"
                + "\"pk\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}"));
    }

    @Test
    void separatorsInNamesAndValuesAreEscapedSoRowsNeverCollide() {
        String ab = key("{\"action\":\"I\",\"schema\":\"s\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":\"x|y\"},"
                + "{\"name\":\"b\",\"value\":\"z\"}],\"pk\":[{\"name\":\"a\"},{\"name\":\"b\"}]}");
        String ab2 = key("{\"action\":\"I\",\"schema\":\"s\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":\"x\"},"
                + "{\"name\":\"b\",\"value\":\"y|z\"}],\"pk\":[{\"name\":\"a\"},{\"name\":\"b\"}]}");
        assertEquals("s.t|x\\|y|z", ab);
        assertEquals("s.t|x|y\\|z", ab2);
        assertNotEquals(ab, ab2);
        // "a.b"."c" and "a"."b.c" are different tables
        assertEquals("a\\.b.c", key("{\"action\":\"T\",\"schema\":\"a.b\",\"table\":\"c\"}"));
        assertEquals("a.b\\.c", key("{\"action\":\"T\",\"schema\":\"a\",\"table\":\"b.c\"}"));
        // a backslash, a null and the text \N differ
        String nul = key("{\"action\":\"I\",\"schema\":\"s\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":null}],\"pk\":[{\"name\":\"a\"}]}");
        String textN = key("{\"action\":\"I\",\"schema\":\"s\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":\"\\\\N\"}],\"pk\":[{\"name\":\"a\"}]}");
        assertEquals("s.t|\\N", nul);
        assertEquals("s.t|\\\\N", textN);
        assertNotEquals(nul, textN);
    }

    @Test
    void keysLongerThan256CharactersAreHashedDeterministically() throws Exception {
        String value = "é".repeat(300);
        String json = "{\"action\":\"I\",\"schema\":\"s\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":\"" + value
                + "\"}],\"pk\":[{\"name\":\"a\"}]}";
        String full = "s.t|" + value;
        String expected = "sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(full.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, key(json));
        assertEquals(key(json), key(json));
        assertEquals(71, key(json).length());
    }

    @Test
    void keyOfExactly256CodePointsIsKeptAndSupplementaryCharactersCountOnce() {
        String v = "x".repeat(256 - "s.t|".length());
        assertEquals("s.t|" + v, PartitionKey.limit("s.t|" + v));
        String emoji = "\uD83D\uDE00".repeat(252); // 252 code points, 504 chars
        assertEquals("s.t|" + emoji, PartitionKey.limit("s.t|" + emoji));
        assertTrue(PartitionKey.limit("s.t|" + emoji + "x").startsWith("sha256:"));
    }
}
