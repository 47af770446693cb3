package io.cdclr.connector.pgoutput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.ExactJson;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import java.util.UUID;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.cdclr.connector.envelope.EnvelopeParser;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.testsupport.DifferentialWorkload;
import io.cdclr.testsupport.LocalServices;
import io.cdclr.testsupport.Wal2JsonPeek;

/**
 * One workload, decoded by wal2json (a slot created once Debezium's is streaming, peeked with the pipeline's
 * options in a session with an empty search_path, like the walsender's) and by Debezium's pgoutput connector with
 * {@link DebeziumToWal2JsonTransform}: the envelopes must be the same JSON, numbers verbatim, and in fact the same
 * text (key order and formatting too). The workload is the reference workloads plus every type wal2json renders.
 */
class PgoutputDifferentialIT {
    private final String id = "pgo_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final String s = id;
    private final String dbzSlot = id + "_dbz";
    private final String w2jSlot = id + "_w2j";
    private final String publication = id + "_pub";
    private PgoutputHarness harness;

    @BeforeEach
    void createTables() throws SQLException {
        List<String> setup = new ArrayList<>();
        setup.add("CREATE SCHEMA " + s);
        setup.addAll(DifferentialWorkload.ddl(s));
        setup.add("CREATE PUBLICATION " + publication + " FOR TABLES IN SCHEMA " + s);
        exec(setup.toArray(String[]::new));
    }

    @AfterEach
    void dropEverything() throws Exception {
        PgoutputHarness.closeAndDrop(harness, s, publication, List.of(w2jSlot, dbzSlot),
                DifferentialWorkload.dropOutsideSchema(s).toArray(String[]::new));
    }

    /**
     * Also with a JVM time zone other than the server's: PgJDBC hands it to every session (Debezium's walsender,
     * the catalog session, the peeking session), so timestamps and timestamptz values print in it on both sides.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "Asia/Kolkata"})
    void envelopesFromPgoutputEqualWal2JsonsForEveryChangeAndType(String jvmZone) throws Exception {
        TimeZone previous = TimeZone.getDefault();
        if (!jvmZone.isEmpty()) {
            TimeZone.setDefault(TimeZone.getTimeZone(jvmZone));
        }
        try {
            compareDecoders(jvmZone.isEmpty() ? "+00" : "+05:30");
        } finally {
            TimeZone.setDefault(previous);
        }
    }

    private void compareDecoders(String expectedOffset) throws Exception {
        harness = new PgoutputHarness(dbzSlot);
        harness.start(PgoutputHarness.properties(id, dbzSlot, publication, s, "no_data", s + "-.*"));
        harness.awaitStreaming(Duration.ofSeconds(120));
        exec("SELECT pg_create_logical_replication_slot('" + w2jSlot + "', 'wal2json')");

        exec(DifferentialWorkload.dml(s).toArray(String[]::new));
        String endPrefix = s + "-end";
        exec("SELECT pg_logical_emit_message(true, '" + endPrefix + "', 'done')");

        List<SourceRecord> records = harness.takeUntil(r -> ((String) r.value()).contains("\"prefix\":\"" + endPrefix + "\""),
                Duration.ofSeconds(180));
        List<String> fromPgoutput = new ArrayList<>();
        for (SourceRecord r : records) {
            fromPgoutput.add((String) r.value());
        }
        List<String> fromWal2json = peekWal2json();

        assertEquals(fromWal2json.size(), fromPgoutput.size(),
                "same number of envelopes\nwal2json:\n" + String.join("\n", fromWal2json) + "\npgoutput:\n"
                        + String.join("\n", fromPgoutput));
        int documented = 0;
        EnvelopeParser parser = new EnvelopeParser();
        for (int i = 0; i < fromWal2json.size(); i++) {
            assertEquals(PartitionKey.of(parser.parse(fromWal2json.get(i))), records.get(i).key(),
                    "envelope " + i + ": the wal2json source's partition key");
            JsonNode expected = ExactJson.MAPPER.readTree(fromWal2json.get(i));
            JsonNode actual = ExactJson.MAPPER.readTree(fromPgoutput.get(i));
            if (!expected.equals(actual)) {
                // docs/pgoutput.md, differences: unchanged TOAST under REPLICA IDENTITY FULL; generated columns
                actual = DifferentialWorkload.withoutUnchangedToastUnderFullIdentity(expected, actual);
                expected = DifferentialWorkload.withoutGeneratedColumns(expected);
                documented++;
                assertEquals(expected, actual, "envelope " + i + " JSON-equal\nwal2json: " + fromWal2json.get(i)
                        + "\npgoutput: " + fromPgoutput.get(i));
            } else {
                assertEquals(fromWal2json.get(i), fromPgoutput.get(i), "envelope " + i + " the same text");
            }
        }
        assertEquals(2, documented, "only the toasty_full UPDATE and the extra_types INSERT differ, as documented");
        // Topics and keys as the wal2json source makes them.
        for (SourceRecord r : records) {
            String json = (String) r.value();
            if (json.startsWith("{\"action\":\"M\"")) {
                assertEquals("cdc.messages", r.topic());
            } else {
                assertTrue(r.topic().startsWith("cdc." + s + "."), r.topic());
            }
        }
        String firstTimestamp = ExactJson.MAPPER.readTree(fromWal2json.get(0)).path("timestamp").asText();
        assertTrue(firstTimestamp.endsWith(expectedOffset), "timestamps in the JVM's zone: " + firstTimestamp);
        SourceRecord firstCustomer = records.get(0);
        assertEquals("cdc." + s + ".customers", firstCustomer.topic());
        assertEquals(s + ".customers|1", firstCustomer.key());
    }

    /**
     * User-defined types in {@code public} and in another schema (enum, domain, enum arrays): both decoders name them
     * schema-qualified ({@code public.<name>}, {@code <schema>.<name>}), the same envelope from each. (Composite types:
     * wal2json only, see UserTypeNamesIT; Debezium leaves composite columns out, so the transform stops on them.)
     */
    @Test
    void userTypesInPublicAndAnotherSchemaAreSchemaQualifiedLikeWal2Json() throws Exception {
        String pub = "public." + s; // the workload's user_types table: enum, domain and enum array in each schema
        harness = new PgoutputHarness(dbzSlot);
        harness.start(PgoutputHarness.properties(id, dbzSlot, publication, s, "no_data", s + "-.*"));
        harness.awaitStreaming(Duration.ofSeconds(120));
        exec("SELECT pg_create_logical_replication_slot('" + w2jSlot + "', 'wal2json')");
        exec("INSERT INTO " + s + ".user_types(id, pm, pd, sm, sd, pma, sma) VALUES (1, 'ok', 5, 'happy', 7, '{sad,ok}', '{happy}')",
                "UPDATE " + s + ".user_types SET pm = 'sad', sm = 'sad', pd = 6 WHERE id = 1",
                "DELETE FROM " + s + ".user_types");
        String endPrefix = s + "-end";
        exec("SELECT pg_logical_emit_message(true, '" + endPrefix + "', 'done')");
        List<SourceRecord> records = harness.takeUntil(r -> ((String) r.value()).contains("\"prefix\":\"" + endPrefix + "\""),
                Duration.ofSeconds(180));
        List<String> fromPgoutput = records.stream().map(r -> (String) r.value()).toList();
        List<String> fromWal2json = peekWal2json();

        JsonNode insert = ExactJson.MAPPER.readTree(fromWal2json.get(0));
        java.util.Map<String, String> types = new java.util.LinkedHashMap<>();
        insert.path("columns").forEach(c -> types.put(c.path("name").asText(), c.path("type").asText()));
        assertEquals(java.util.Map.of("id", "integer", "pm", pub + "_mood", "pd", pub + "_posint",
                "sm", s + ".mood", "sd", s + ".posint", "pma", pub + "_mood[]", "sma", s + ".mood[]"),
                types, fromWal2json.get(0));
        assertEquals(fromWal2json, fromPgoutput, "the same envelopes, text for text");
    }

    /**
     * The one documented behavioural difference at the source: a table in a pgoutput publication that publishes
     * updates needs a replica identity, so PostgreSQL refuses the UPDATE (wal2json merely leaves it out).
     */
    @Test
    void updateOfTableWithoutReplicaIdentityFailsWhenPublished() throws Exception {
        exec("INSERT INTO " + s + ".nopk VALUES (1, 'x')");
        SQLException e = assertThrows(SQLException.class, () -> exec("UPDATE " + s + ".nopk SET b = 'y'"));
        assertTrue(e.getMessage().contains("does not have a replica identity"), e.getMessage());
    }

    private List<String> peekWal2json() {
        return Wal2JsonPeek.peek(w2jSlot, Wal2JsonPeek.pipelineOptions(s + ".*", DifferentialWorkload.messagePrefixes(s)));
    }

    private static void exec(String... statements) throws SQLException {
        LocalServices.execChecked(statements);
    }
}
