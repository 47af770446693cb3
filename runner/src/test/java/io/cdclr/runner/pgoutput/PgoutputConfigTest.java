package io.cdclr.runner.pgoutput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.config.ConfigError;
import io.cdclr.runner.config.ConfigReference;
import io.cdclr.runner.config.RunnerConfig;
import io.cdclr.connector.pgoutput.PgoutputProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import io.cdclr.runner.config.RunnerConfigTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decoder keys: their validation, defaults, and the engine properties decoder=pgoutput produces. */
class PgoutputConfigTest {
    @TempDir
    Path dir;

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>(RunnerConfigTest.env());
        env.put("PGSSLMODE", "require");
        return env;
    }

    private static Map<String, String> pgoutputEnv() {
        Map<String, String> env = env();
        env.put("CDC_DECODER", "pgoutput");
        env.put("CDC_TABLES", "public.orders, sales.order_lines");
        return env;
    }

    private static List<String> problems(Map<String, String> env) {
        return assertThrows(ConfigError.class, () -> RunnerConfig.load(Optional.empty(), env)).problems();
    }

    @Test
    void wal2jsonIsTheDefaultDecoder() {
        RunnerConfig config = RunnerConfig.load(Optional.empty(), env());
        assertFalse(config.decoder().pgoutput());
        assertEquals("etl_slot_wal2json", config.slotName());
    }

    @Test
    void pgoutputFromTheEnvironmentWithItsDefaults() {
        RunnerConfig config = RunnerConfig.load(Optional.empty(), pgoutputEnv());
        assertTrue(config.decoder().pgoutput());
        assertEquals("etl_slot_pgoutput", config.slotName(), "a pgoutput slot is not called etl_slot_wal2json");
        assertEquals(List.of("public.orders", "sales.order_lines"), config.decoder().tables());
        assertEquals("cdc_publication", config.decoder().publicationName());
        assertTrue(config.decoder().publicationCreate());
        assertEquals("initial", config.decoder().snapshotMode());
    }

    @Test
    void pgoutputInAPropertiesFileWithTheSlotFromReplicationSlot() throws Exception {
        Path file = dir.resolve("runner.properties");
        Files.writeString(file, "decoder=pgoutput\ntables=public.orders\npublication.name=orders_pub\n"
                + "publication.create=false\nsnapshot.mode=no_data\n");
        Map<String, String> env = env();
        env.put("REPLICATION_SLOT", "orders_slot");
        RunnerConfig config = RunnerConfig.load(Optional.of(file), env);
        assertEquals("orders_slot", config.slotName());
        Properties p = PgoutputProperties.of(config.pgoutput());
        assertEquals("orders_slot", p.getProperty("slot.name"));
        assertEquals("orders_pub", p.getProperty("publication.name"));
        assertEquals("disabled", p.getProperty("publication.autocreate.mode"));
        assertEquals("no_data", p.getProperty("snapshot.mode"));
    }

    @Test
    void engineRunsDebeziumsConnectorWithTheMapping() {
        Map<String, String> env = pgoutputEnv();
        env.put("CDC_WAL2JSON_ADD_MSG_PREFIXES", "app.audit,x");
        env.put("CDC_TOPIC_PREFIX", "orders");
        Properties p = PgoutputProperties.of(RunnerConfig.load(Optional.empty(), env).pgoutput());
        assertEquals("io.debezium.connector.postgresql.PostgresConnector", p.getProperty("connector.class"));
        assertEquals("pgoutput", p.getProperty("plugin.name"));
        assertEquals("filtered", p.getProperty("publication.autocreate.mode"));
        assertEquals("public\\.orders,sales\\.order_lines", p.getProperty("table.include.list"));
        assertEquals("app\\.audit,x", p.getProperty("message.prefix.include.list"));
        assertEquals("none", p.getProperty("skipped.operations"));
        assertEquals("false", p.getProperty("tombstones.on.delete"));
        assertEquals("require", p.getProperty("database.sslmode"));
        assertEquals(p.getProperty("unavailable.value.placeholder"),
                p.getProperty("transforms.wal2json.unavailable.value.placeholder"));
        assertEquals("io.cdclr.connector.pgoutput.DebeziumToWal2JsonTransform", p.getProperty("transforms.wal2json.type"));
        assertEquals("orders", p.getProperty("transforms.wal2json.topic.prefix"));
        assertEquals(Long.toString(16L << 20), p.getProperty("max.queue.size.in.bytes"), "queue.max.bytes's default");
        assertEquals("jdbc:postgresql://db.internal:5433/orders", p.getProperty("transforms.wal2json.catalog.url"));
        assertEquals("require", p.getProperty("transforms.wal2json.catalog.property.sslmode"));
        assertEquals("drop", p.getProperty("transforms.wal2json.non.change.records"));
        assertEquals(null, p.getProperty("heartbeat.interval.ms"), "Debezium heartbeats stay off");
    }

    @Test
    void signalTableIsPublishedCapturedAndDroppedAfterTheMapping() {
        Map<String, String> env = pgoutputEnv();
        env.put("CDC_SIGNAL_TABLE", "ops.signals");
        RunnerConfig config = RunnerConfig.load(Optional.empty(), env);
        assertEquals(List.of("public.orders", "sales.order_lines", "ops.signals"), config.decoder().publishedTables());
        Properties p = PgoutputProperties.of(config.pgoutput());
        assertEquals("public\\.orders,sales\\.order_lines,ops\\.signals", p.getProperty("table.include.list"));
        assertEquals("ops.signals", p.getProperty("signal.data.collection"));
        assertEquals("wal2json,dropSignals", p.getProperty("transforms"));
        assertEquals("cdc\\.ops\\.signals", p.getProperty("predicates.isSignal.pattern"));
    }

    @Test
    void badDecoderIsOneProblemNamingTheVariable() {
        Map<String, String> env = env();
        env.put("CDC_DECODER", "decoderbufs");
        List<String> problems = problems(env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("decoder (from CDC_DECODER)"), problems.get(0));
        assertTrue(problems.get(0).contains("decoderbufs"), problems.get(0));
    }

    @Test
    void pgoutputNeedsTables() {
        Map<String, String> env = env();
        env.put("CDC_DECODER", "pgoutput");
        List<String> problems = problems(env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("tables (CDC_TABLES): required with decoder=pgoutput"), problems.get(0));
    }

    @Test
    void tablesMustBeSchemaQualifiedWithoutWildcards() {
        Map<String, String> env = pgoutputEnv();
        env.put("CDC_TABLES", "orders,public.*");
        List<String> problems = problems(env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("orders") && problems.get(0).contains("schema.table"), problems.get(0));
    }

    @Test
    void unknownSnapshotModeIsRefused() {
        Map<String, String> env = pgoutputEnv();
        env.put("CDC_SNAPSHOT_MODE", "sometimes");
        List<String> problems = problems(env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("snapshot.mode (from CDC_SNAPSHOT_MODE)"), problems.get(0));
    }

    @Test
    void withWal2jsonTablesIsAddTablesButNotBoth() {
        Map<String, String> env = env();
        env.put("CDC_TABLES", "public.orders");
        env.put("CDC_WAL2JSON_ADD_TABLES", "public.x");
        List<String> problems = problems(env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("not both"), problems.get(0));
    }

    @Test
    void unknownKeysAreStillRefusedWithPgoutput() {
        Map<String, String> env = pgoutputEnv();
        env.put("CDC_PUBLICATION_NAM", "x");
        List<String> problems = problems(env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("CDC_PUBLICATION_NAM"), problems.get(0));
    }

    @Test
    void helpDocumentsTheDecoderKeys() {
        String help = ConfigReference.text();
        for (String key : List.of("decoder", "tables", "publication.name", "publication.create", "snapshot.mode")) {
            assertTrue(help.contains("\n  " + key + "\n"), key);
        }
        assertTrue(help.contains("CDC_DECODER"));
    }
}
