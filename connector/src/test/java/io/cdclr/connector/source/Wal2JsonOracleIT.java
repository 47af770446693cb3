package io.cdclr.connector.source;

import io.cdclr.testsupport.LocalServices;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.cdclr.connector.source.JsonAssert.assertJsonListsEqual;
import static io.cdclr.connector.source.JsonAssert.withoutEmptyTransactions;
import static io.cdclr.connector.source.PgTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * wal2json is the oracle: what the task emits must be JSON-equal (numbers verbatim) to what
 * pg_logical_slot_peek_changes returns, with the same options, from a second slot created at the same point.
 */
class Wal2JsonOracleIT extends SourceTaskFixture {
    private static final Path REFERENCE = Path.of(System.getProperty("reference.dir", "src/test/resources/wal2json-v2"));
    private static final List<String> TABLES = List.of("customers", "order_lines", "audit_log", "docs", "kitchen",
            "nopk", "full_ident", "own_a", "own_b");

    private final String slot = slot("oracle");
    private final String peekSlot = slot("oracle_peek");
    private final Map<String, String> extraOptions = new LinkedHashMap<>();

    {
        TABLES.forEach(this::table);
    }

    private Map<String, String> options(boolean transactions) {
        Map<String, String> o = defaultOptions();
        if (transactions) {
            o.put("include-transaction", "1");
            o.put("include-xids", "1");
            o.put("include-type-oids", "1");
        }
        o.put("add-tables", String.join(",", TABLES.stream().map(t -> "public." + t + "_" + suffix).toList()));
        o.put("add-msg-prefixes", "app,myprefix," + suffix);
        o.putAll(extraOptions);
        return o;
    }

    @Test
    void fixturesWithDefaultOptions() throws Exception {
        runReferenceWorkload("fixtures.sql", false);
    }

    @Test
    void typesAndEdgeCasesWithMorePassThroughOptions() throws Exception {
        extraOptions.put("include-not-null", "1");
        extraOptions.put("include-column-positions", "1");
        extraOptions.put("include-typmod", "0");
        extraOptions.put("include-timestamp", "0");
        extraOptions.put("include-pk", "0");
        runReferenceWorkload("types-and-edge-cases.sql", false);
    }

    @Test
    void fixturesWithTransactionsXidsAndTypeOids() throws Exception {
        runReferenceWorkload("fixtures.sql", true);
    }

    @Test
    void typesAndEdgeCasesWithDefaultOptions() throws Exception {
        runReferenceWorkload("types-and-edge-cases.sql", false);
    }

    @Test
    void typesAndEdgeCasesWithTransactionsXidsAndTypeOids() throws Exception {
        runReferenceWorkload("types-and-edge-cases.sql", true);
    }

    /** COPY (rows sharing one lsn), a TRUNCATE of two tables (sharing one lsn), numbers and separators in keys. */
    @Test
    void ownWorkloadWithTransactions() throws Exception {
        String a = "public.own_a_" + suffix;
        String b = "public.own_b_" + suffix;
        exec("CREATE TABLE " + a + "(k text, n numeric(20,4), big bigint, primary key(k, big))",
                "CREATE TABLE " + b + "(id int primary key, f float8, r real)");
        createSlot(slot, "wal2json");
        createSlot(peekSlot, "wal2json");
        try (Connection c = LocalServices.connect()) {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + a + " FROM STDIN",
                    new StringReader("a|b\t10.5000\t9223372036854775807\nx.y\t-0.0001\t-9223372036854775808\n\\\\N\t\\N\t1\n"));
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO " + b + " VALUES (1, 1.5e300, 3.25), (2, 'NaN', '-Infinity'), (3, 0.1, 1e-30)");
                s.execute("UPDATE " + a + " SET n = n * 3 WHERE big = 1");
                s.execute("SELECT pg_logical_emit_message(false, '" + suffix + "', 'non-transactional ünï')");
                s.execute("BEGIN; DELETE FROM " + b + " WHERE id = 2; SELECT pg_logical_emit_message(true, '" + suffix
                        + "', 'in tx'); TRUNCATE " + a + ", " + b + "; COMMIT");
            }
        }
        compare(options(true), 11);
        compare(options(false), 9);
    }

    private void compare(Map<String, String> options, int expectedAtLeast) throws InterruptedException {
        List<String> expected = withoutEmptyTransactions(peek(peekSlot, options));
        assertTrue(expected.size() >= expectedAtLeast, "peek returned " + expected);
        if (task != null) {
            task.stop();
            waitFor(() -> !slotActive(slot), 20_000);
        }
        Map<String, String> config = taskConfig(slot);
        options.forEach((k, v) -> config.put("wal2json." + k, v));
        task = start(config);
        List<String> actual = new ArrayList<>();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (withoutEmptyTransactions(actual).size() < expected.size() && System.nanoTime() < deadline) {
            List<SourceRecord> batch = task.poll();
            if (batch != null) {
                actual.addAll(values(batch));
                for (SourceRecord r : batch) {
                    assertEquals(Map.of("database", LocalServices.pgDatabase(), "slot", slot), r.sourcePartition());
                }
            }
        }
        List<String> got = withoutEmptyTransactions(actual);
        assertJsonListsEqual(expected, got.subList(0, Math.min(got.size(), expected.size())));
    }

    private void runReferenceWorkload(String file, boolean transactions) throws IOException, SQLException, InterruptedException {
        String sql = Files.readString(REFERENCE.resolve(file));
        for (String t : TABLES) {
            sql = sql.replaceAll("\\b" + t + "\\b", t + "_" + suffix);
        }
        List<String> statements = new ArrayList<>();
        for (String s : sql.split(";\\s*\\n")) {
            if (!s.isBlank()) {
                statements.add(s.trim());
            }
        }
        try (Connection c = LocalServices.connect(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                if (statement.contains("pg_create_logical_replication_slot")) {
                    createSlot(slot, "wal2json");
                    createSlot(peekSlot, "wal2json");
                } else {
                    s.execute(statement);
                }
            }
        }
        compare(options(transactions), 5);
    }
}
