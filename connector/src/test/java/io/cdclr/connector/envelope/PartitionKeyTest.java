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

    // Key changes (issue 19): the previous key, only for an update whose primary key differs between identity and columns.

    private String previous(String json) {
        return PartitionKey.previous(parser.parse(json));
    }

    @Test
    void updateThatChangesThePrimaryKeyHasThePreviousKeyFromIdentity() {
        String json = "{\"action\":\"U\",\"schema\":\"public\",\"table\":\"customers\","
                + "\"columns\":[{\"name\":\"id\",\"value\":3},{\"name\":\"name\",\"value\":\"Linus\"}],"
                + "\"identity\":[{\"name\":\"id\",\"value\":2}],\"pk\":[{\"name\":\"id\"}]}";
        assertTrue(parser.parse(json).isKeyChange());
        assertEquals("public.customers|3", key(json));
        assertEquals("public.customers|2", previous(json));
    }

    @Test
    void referenceUpdateFromIdTwoToThreeIsTheOnlyKeyChangeOfTheFixtures() throws Exception {
        java.nio.file.Path file = java.nio.file.Path.of(System.getProperty("reference.dir",
                "src/test/resources/wal2json-v2"), "default-options.jsonl");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(file), "reference fixtures present");
        java.util.List<String> keyChanges = new java.util.ArrayList<>();
        int updates = 0;
        for (String line : java.nio.file.Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            Envelope e = parser.parse(line);
            updates += "U".equals(e.action()) ? 1 : 0;
            if (e.isKeyChange()) {
                keyChanges.add(PartitionKey.previous(e) + " -> " + PartitionKey.of(e));
            } else {
                assertEquals(null, PartitionKey.previous(e), line);
            }
        }
        assertTrue(updates > 3, "updates in the fixtures");
        // The other updates keep their key, REPLICA IDENTITY FULL (docs: identity holds every column) included.
        assertEquals(java.util.List.of("public.customers|2 -> public.customers|3"), keyChanges);
    }

    @Test
    void updateKeepingItsKeyHasNoPreviousKeyEvenUnderReplicaIdentityFull() {
        assertEquals(null, previous("{\"action\":\"U\",\"schema\":\"public\",\"table\":\"docs\","
                + "\"columns\":[{\"name\":\"id\",\"value\":1},{\"name\":\"body\",\"value\":\"world\"}],"
                + "\"identity\":[{\"name\":\"id\",\"value\":1},{\"name\":\"body\",\"value\":\"hello\"}],"
                + "\"pk\":[{\"name\":\"id\"}]}"));
        // written differently, same key: 1 and "1" give the same partition key, so no key change
        assertEquals(null, previous("{\"action\":\"U\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"id\",\"value\":\"1\"}],\"identity\":[{\"name\":\"id\",\"value\":1}],"
                + "\"pk\":[{\"name\":\"id\"}]}"));
        assertEquals(null, previous("{\"action\":\"U\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"id\",\"value\":\"ab\"}],\"identity\":[{\"name\":\"id\",\"value\":\"a\\u0062\"}],"
                + "\"pk\":[{\"name\":\"id\"}]}"));
    }

    @Test
    void noPreviousKeyWithoutPrimaryKeyOrWithoutTheKeyInIdentityOrForOtherActions() {
        // no pk: the table's key never changes
        assertEquals(null, previous("{\"action\":\"U\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"a\",\"value\":2}],\"identity\":[{\"name\":\"a\",\"value\":1}],\"pk\":[]}"));
        // identity lacks a key column (REPLICA IDENTITY NOTHING, or an index without it): the old key is unknown
        assertEquals(null, previous("{\"action\":\"U\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"a\",\"value\":2},{\"name\":\"b\",\"value\":2}],"
                + "\"identity\":[{\"name\":\"a\",\"value\":1}],\"pk\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"));
        assertEquals(null, previous("{\"action\":\"U\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"a\",\"value\":2}],\"pk\":[{\"name\":\"a\"}]}"));
        assertEquals(null, previous("{\"action\":\"D\",\"schema\":\"s\",\"table\":\"t\","
                + "\"identity\":[{\"name\":\"a\",\"value\":1}],\"pk\":[{\"name\":\"a\"}]}"));
        assertEquals(null, previous("{\"action\":\"I\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"a\",\"value\":1}],\"identity\":[{\"name\":\"a\",\"value\":2}],\"pk\":[{\"name\":\"a\"}]}"));
    }

    @Test
    void compositeKeyChangeInOneColumnAndPreviousKeyEscapedAndHashedLikeTheKey() {
        assertEquals("public.order_lines|100|1", previous("{\"action\":\"U\",\"schema\":\"public\",\"table\":\"order_lines\","
                + "\"columns\":[{\"name\":\"order_id\",\"value\":100},{\"name\":\"line_no\",\"value\":2}],"
                + "\"identity\":[{\"name\":\"line_no\",\"value\":1},{\"name\":\"order_id\",\"value\":100}],"
                + "\"pk\":[{\"name\":\"order_id\"},{\"name\":\"line_no\"}]}"));
        assertEquals("we\\.ird.t\\|x|a\\|b|\\N", previous("{\"action\":\"U\",\"schema\":\"we.ird\",\"table\":\"t|x\","
                + "\"columns\":[{\"name\":\"k\",\"value\":\"c\"},{\"name\":\"n\",\"value\":null}],"
                + "\"identity\":[{\"name\":\"k\",\"value\":\"a|b\"},{\"name\":\"n\",\"value\":null}],"
                + "\"pk\":[{\"name\":\"k\"},{\"name\":\"n\"}]}"));
        String longOld = "o".repeat(300);
        String json = "{\"action\":\"U\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"k\",\"value\":\"new\"}],"
                + "\"identity\":[{\"name\":\"k\",\"value\":\"" + longOld + "\"}],\"pk\":[{\"name\":\"k\"}]}";
        assertEquals(PartitionKey.limit("s.t|" + longOld), previous(json));
        assertTrue(previous(json).startsWith("sha256:"));
        // the previous key is exactly the key the row had: the key of the insert that created it
        assertEquals(key("{\"action\":\"I\",\"schema\":\"s\",\"table\":\"t\","
                + "\"columns\":[{\"name\":\"k\",\"value\":\"" + longOld + "\"}],\"pk\":[{\"name\":\"k\"}]}"), previous(json));
    }
}
