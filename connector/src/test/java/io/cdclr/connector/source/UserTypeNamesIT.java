package io.cdclr.connector.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.cdclr.connector.source.JsonAssert.assertJsonListsEqual;
import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * User-defined types (enum, domain, composite and their arrays) in {@code public} and in another schema: the task
 * names every one schema-qualified, as pg_recvlogical and a peek with an empty search_path do, whatever the login
 * role's search_path ({@code "$user", public} here, which would leave the types in public unqualified).
 */
class UserTypeNamesIT extends SourceTaskFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String slot = slot("types");
    private final String peekSlot = slot("types_peek");
    /** Types in public need unique names: other runs share the database. */
    private final String p = "types_" + suffix;
    private final String schema = "types_" + suffix + "_s";
    private final String table = schema + ".uses";

    {
        dropAfterwards("DROP SCHEMA IF EXISTS " + schema + " CASCADE", "DROP TYPE IF EXISTS public." + p + "_pair",
                "DROP DOMAIN IF EXISTS public." + p + "_posint", "DROP TYPE IF EXISTS public." + p + "_mood");
    }

    @Test
    void userTypesInPublicAndAnotherSchemaAreSchemaQualified() throws Exception {
        exec("CREATE TYPE public." + p + "_mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE DOMAIN public." + p + "_posint AS integer CHECK (VALUE > 0)",
                "CREATE TYPE public." + p + "_pair AS (a int, b text)",
                "CREATE SCHEMA " + schema,
                "CREATE TYPE " + schema + ".mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE DOMAIN " + schema + ".posint AS integer CHECK (VALUE > 0)",
                "CREATE TYPE " + schema + ".pair AS (a int, b text)",
                "CREATE TABLE " + table + "(id int primary key,"
                        + " pm public." + p + "_mood, pd public." + p + "_posint, pc public." + p + "_pair,"
                        + " sm " + schema + ".mood, sd " + schema + ".posint, sc " + schema + ".pair,"
                        + " pma public." + p + "_mood[], sma " + schema + ".mood[], pca public." + p + "_pair[])");
        createSlot(slot, "wal2json");
        createSlot(peekSlot, "wal2json");
        exec("INSERT INTO " + table + " VALUES (1, 'ok', 5, '(1,x)', 'happy', 7, '(2,y)', '{sad,ok}', '{happy}',"
                        + " ARRAY['(3,z)']::public." + p + "_pair[])",
                "UPDATE " + table + " SET pm = 'sad', sm = 'sad' WHERE id = 1",
                "DELETE FROM " + table + " WHERE id = 1");

        Map<String, String> options = new LinkedHashMap<>(defaultOptions());
        options.put("add-tables", table);
        Map<String, String> config = taskConfig(slot);
        options.forEach((k, v) -> config.put("wal2json." + k, v));
        // The user's own server options are kept, but do not decide the names: the session pins search_path last.
        config.put("database.options", "-c search_path=" + schema + ",public -c wal_sender_timeout=45s");
        task = start(config);
        List<String> got = values(pollRecords(task, 3, 60_000));

        Map<String, String> expectedTypes = new LinkedHashMap<>();
        expectedTypes.put("id", "integer");
        expectedTypes.put("pm", "public." + p + "_mood");
        expectedTypes.put("pd", "public." + p + "_posint");
        expectedTypes.put("pc", "public." + p + "_pair");
        expectedTypes.put("sm", schema + ".mood");
        expectedTypes.put("sd", schema + ".posint");
        expectedTypes.put("sc", schema + ".pair");
        expectedTypes.put("pma", "public." + p + "_mood[]");
        expectedTypes.put("sma", schema + ".mood[]");
        expectedTypes.put("pca", "public." + p + "_pair[]");
        JsonNode insert = JSON.readTree(got.get(0));
        Map<String, String> types = new LinkedHashMap<>();
        for (JsonNode c : insert.path("columns")) {
            types.put(c.path("name").asText(), c.path("type").asText());
        }
        assertEquals(expectedTypes, types, got.get(0));
        JsonNode identity = JSON.readTree(got.get(2)).path("identity").get(0);
        assertEquals("integer", identity.path("type").asText());

        // And exactly what the database's own decoding session with an empty search_path says.
        assertJsonListsEqual(peek(peekSlot, options), got);
    }
}
