package io.cdclr.runner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdclr.runner.config.ConfigError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of {@code snapshot}'s options, the request it writes, and the table filter it checks against. */
class SnapshotCommandLineTest {

    @Test
    void tablesAreTrimmedDeduplicatedAndKeptInOrder() {
        CommandLine cmd = CommandLine.parse("snapshot", "--tables", " public.orders, public.lines,,public.orders",
                "--config", "x.properties");
        assertEquals(CommandLine.Command.SNAPSHOT, cmd.command());
        assertEquals(List.of("public.orders", "public.lines"), cmd.snapshot().tables());
        assertFalse(cmd.snapshot().cancel());
        assertFalse(cmd.snapshot().status());
        assertNull(cmd.snapshot().chunkSize());
        assertEquals(Long.valueOf(500), CommandLine.parse("snapshot", "--tables", "a.b", "--chunk-size", "500")
                .snapshot().chunkSize());
    }

    @Test
    void cancelAndStatus() {
        assertTrue(CommandLine.parse("snapshot", "--cancel").snapshot().cancel());
        assertTrue(CommandLine.parse("snapshot", "--status").snapshot().status());
    }

    @Test
    void exactlyOneModeIsRequired() {
        for (String[] args : new String[][] {{"snapshot"}, {"snapshot", "--cancel", "--status"},
                {"snapshot", "--tables", "a.b", "--cancel"}}) {
            ConfigError e = assertThrows(ConfigError.class, () -> CommandLine.parse(args));
            assertTrue(e.getMessage().contains("exactly one of --tables"), e.getMessage());
        }
    }

    @Test
    void badValuesAndMisplacedOptionsAreNamed() {
        assertTrue(assertThrows(ConfigError.class, () -> CommandLine.parse("snapshot", "--tables", " , "))
                .getMessage().contains("--tables needs at least one"));
        assertTrue(assertThrows(ConfigError.class, () -> CommandLine.parse("snapshot", "--tables"))
                .getMessage().contains("--tables needs a value"));
        assertTrue(assertThrows(ConfigError.class, () -> CommandLine.parse("snapshot", "--tables", "a.b",
                "--chunk-size", "0")).getMessage().contains("--chunk-size: must be between 1 and"));
        assertTrue(assertThrows(ConfigError.class, () -> CommandLine.parse("snapshot", "--cancel",
                "--chunk-size", "10")).getMessage().contains("--chunk-size applies to snapshot --tables only"));
        assertTrue(assertThrows(ConfigError.class, () -> CommandLine.parse("run", "--tables", "a.b"))
                .getMessage().contains("apply to snapshot only"));
        assertTrue(assertThrows(ConfigError.class, () -> CommandLine.parse("snaphot"))
                .getMessage().contains("snapshot"));
    }

    @Test
    void usageDocumentsTheCommand() {
        String usage = Main.usage();
        assertTrue(usage.contains("  snapshot "), usage);
        assertTrue(usage.contains("--tables LIST"), usage);
        assertTrue(usage.contains("--cancel"), usage);
        assertTrue(usage.contains("--status"), usage);
    }

    @Test
    void streamOptionsThatWouldHideTheRequestAreNamed() {
        assertEquals(List.of(), SnapshotCommand.streamProblems(java.util.Map.of("include-pk", "1")));
        assertTrue(SnapshotCommand.streamProblems(java.util.Map.of("include-pk", "0")).get(0)
                .startsWith("wal2json.include-pk=0: snapshots need include-pk=1"));
        List<String> prefixes = SnapshotCommand.streamProblems(java.util.Map.of("include-pk", "1",
                "add-msg-prefixes", "app,cdclr.snapshot", "filter-msg-prefixes", "cdclr.snapshot.wm"));
        assertEquals(2, prefixes.size(), prefixes.toString());
        assertTrue(prefixes.get(0).contains("keeps 'cdclr.snapshot.wm' messages out"), prefixes.toString());
        assertTrue(prefixes.get(1).contains("drops 'cdclr.snapshot.wm' messages"), prefixes.toString());
    }

    @Test
    void tableFilterFollowsWal2jsonRules() {
        CapturedTables all = new CapturedTables(null, "");
        assertTrue(all.captures("public", "orders"));
        CapturedTables some = new CapturedTables("public.orders,sales.*", "sales.secret");
        assertTrue(some.captures("public", "orders"));
        assertFalse(some.captures("public", "Orders"), "case-sensitive");
        assertTrue(some.captures("sales", "x"));
        assertFalse(some.captures("sales", "secret"), "filter-tables wins");
        assertFalse(some.captures("public", "lines"));
        CapturedTables anySchema = new CapturedTables("*.orders", null);
        assertTrue(anySchema.captures("x", "orders"));
        assertFalse(anySchema.captures("x", "lines"));
        CapturedTables escaped = new CapturedTables("public.a\\.b,public.c\\,d", null);
        assertTrue(escaped.captures("public", "a.b"));
        assertTrue(escaped.captures("public", "c,d"));
        assertFalse(escaped.captures("public", "a"));
        assertEquals("wal2json.add-tables=public.orders,sales.* wal2json.filter-tables=sales.secret", some.describe());
    }

    @Test
    void storedProgressIsReadFromTheOffsetValue() {
        assertNull(SnapshotCommand.progressOf("{\"lsn\":1,\"commit_lsn\":1}"));
        assertNull(SnapshotCommand.progressOf("not json"));
        String progress = new io.cdclr.connector.snapshot.SnapshotProgress("s1", List.of("public.lines"), "public.orders",
                List.of("41"), java.util.Map.of("public.orders", 41L), 3, 1024).toJson();
        String value = "{\"lsn\":1,\"snapshot\":" + new ObjectMapper().valueToTree(progress) + "}";
        assertEquals(progress, SnapshotCommand.progressOf(value));
        String line = SnapshotCommand.describeProgress(progress);
        assertTrue(line.startsWith("id=s1 table=public.orders last_key=[\"41\"] pending=[\"public.lines\"]"), line);
        assertTrue(line.contains("chunks=3"), line);
        assertTrue(line.endsWith(" rows_total=41"), line);
    }

    @Test
    void liveFiguresComeFromTheBindAddress() {
        assertEquals("http://127.0.0.1:8080/metrics", SnapshotCommand.metricsUrl(new io.cdclr.runner.config
                .RunnerSettings(java.util.Map.of("http.bind.address", "0.0.0.0", "http.port", "8080"))));
        assertNull(SnapshotCommand.live("http://127.0.0.1:1/metrics"), "nothing listens: null");
    }
}
