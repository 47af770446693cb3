package io.cdclr.connector.source;

import io.cdclr.testsupport.ExactJson;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** JSON equality where numbers must match verbatim: 10.50 is not 10.5, a bigint keeps every digit. */
final class JsonAssert {
    private JsonAssert() {
    }

    static JsonNode tree(String json) {
        return ExactJson.tree(json);
    }

    static void assertJsonListsEqual(List<String> expected, List<String> actual) {
        assertEquals(expected.size(), actual.size(), "record count; expected " + expected + "\nactual " + actual);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(tree(expected.get(i)), tree(actual.get(i)), "record " + i + "\nexpected " + expected.get(i)
                    + "\nactual   " + actual.get(i));
        }
    }

    static String action(String json) {
        return tree(json).path("action").asText();
    }

    /** Drops B immediately followed by C: transactions of other sessions on the shared database, filtered empty. */
    static List<String> withoutEmptyTransactions(List<String> values) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            if (action(values.get(i)).equals("B") && i + 1 < values.size() && action(values.get(i + 1)).equals("C")) {
                i++;
                continue;
            }
            out.add(values.get(i));
        }
        return out;
    }
}
