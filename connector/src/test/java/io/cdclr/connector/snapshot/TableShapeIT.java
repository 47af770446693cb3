package io.cdclr.connector.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.cdclr.testsupport.LocalServices;

/** TableShape against the real catalog: what it refuses (by name) and what it reads. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TableShapeIT {
    private final String s = "snapfmt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

    @BeforeAll
    void create() throws SQLException {
        exec("CREATE SCHEMA " + s,
                "CREATE TABLE " + s + ".nopk(a int, b text)",
                "CREATE TABLE " + s + ".unique_only(a int not null unique, b text)",
                "CREATE TABLE " + s + ".deferrable_pk(id int primary key deferrable initially deferred, v text)",
                "CREATE VIEW " + s + ".v AS SELECT 1 AS id",
                "CREATE TABLE " + s + ".parted(id int primary key) PARTITION BY RANGE (id)",
                "CREATE TABLE " + s + ".parted_1 PARTITION OF " + s + ".parted FOR VALUES FROM (0) TO (100)",
                "CREATE TABLE " + s + ".keyed(u uuid, v text not null, \"T x\" text, primary key (\"T x\", u))",
                "CREATE TABLE " + s + ".\"MiXed\"(id int primary key)");
    }

    @AfterAll
    void drop() throws SQLException {
        exec("DROP SCHEMA IF EXISTS " + s + " CASCADE");
    }

    @Test
    void missingTableIsRefusedByName() throws SQLException {
        try (Connection c = LocalServices.connect()) {
            TableShapeException e = assertThrows(TableShapeException.class, () -> TableShape.read(c, s, "nothere"));
            assertEquals(TableShapeException.Reason.MISSING, e.reason());
            assertEquals("table " + s + ".nothere does not exist", e.getMessage());
            assertEquals(s + ".nothere", e.qualifiedTable());
            // names are exact, not folded: "mixed" is not "MiXed"
            TableShapeException folded = assertThrows(TableShapeException.class, () -> TableShape.read(c, s, "mixed"));
            assertEquals(TableShapeException.Reason.MISSING, folded.reason());
            assertEquals(List.of("id"), TableShape.read(c, s, "MiXed").primaryKey());
            TableShapeException schema = assertThrows(TableShapeException.class, () -> TableShape.read(c, s + "_no", "keyed"));
            assertTrue(schema.getMessage().contains(s + "_no.keyed"), schema.getMessage());
        }
    }

    @Test
    void tableWithoutPrimaryKeyIsRefusedByName() throws SQLException {
        try (Connection c = LocalServices.connect()) {
            for (String table : List.of("nopk", "unique_only")) {
                TableShapeException e = assertThrows(TableShapeException.class, () -> TableShape.read(c, s, table));
                assertEquals(TableShapeException.Reason.NO_PRIMARY_KEY, e.reason());
                assertTrue(e.getMessage().startsWith("table " + s + "." + table + " has no primary key"), e.getMessage());
                assertTrue(e.getMessage().lines().count() == 1, "one line");
            }
            // wal2json writes "pk":[] for a deferrable key: rows could not be told apart by partition key
            TableShapeException deferrable = assertThrows(TableShapeException.class,
                    () -> TableShape.read(c, s, "deferrable_pk"));
            assertEquals(TableShapeException.Reason.NO_PRIMARY_KEY, deferrable.reason());
            assertTrue(deferrable.getMessage().startsWith("table " + s + ".deferrable_pk has a deferrable"),
                    deferrable.getMessage());
        }
    }

    @Test
    void viewsAndPartitionedParentsAreRefusedByName() throws SQLException {
        try (Connection c = LocalServices.connect()) {
            TableShapeException view = assertThrows(TableShapeException.class, () -> TableShape.read(c, s, "v"));
            assertEquals(TableShapeException.Reason.NOT_A_TABLE, view.reason());
            assertTrue(view.getMessage().contains(s + ".v is not a table"), view.getMessage());
            TableShapeException parted = assertThrows(TableShapeException.class, () -> TableShape.read(c, s, "parted"));
            assertEquals(TableShapeException.Reason.NOT_A_TABLE, parted.reason());
            assertTrue(parted.getMessage().contains("snapshot its partitions"), parted.getMessage());
            assertEquals(List.of("id"), TableShape.read(c, s, "parted_1").primaryKey(), "a partition is a table");
        }
    }

    @Test
    void readsColumnsAndKeyOrderAndRestoresSearchPath() throws SQLException {
        try (Connection c = LocalServices.connect()) {
            exec(c, "SET search_path = public, " + s);
            TableShape shape = TableShape.read(c, s, "keyed");
            assertEquals(List.of("T x", "u"), shape.primaryKey(), "key order, not attnum order");
            assertEquals(List.of("u", "T x"), shape.wal2jsonPk().stream().map(TableShape.Column::name).toList(),
                    "wal2json's pk: attnum order");
            assertEquals(List.of("u", "v", "T x"), shape.columns().stream().map(TableShape.Column::name).toList());
            TableShape.Column v = shape.columns().get(1);
            assertEquals("text", v.typeName());
            assertEquals(25, v.typeOid());
            assertTrue(v.notNull());
            assertEquals("\"" + s + "\".\"keyed\"", shape.qualifiedName());
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW search_path")) {
                rs.next();
                assertEquals("public, " + s, rs.getString(1), "the connection's search_path is restored");
            }
        }
    }

    private static void exec(String... statements) throws SQLException {
        try (Connection c = LocalServices.connect()) {
            exec(c, statements);
        }
    }

    private static void exec(Connection c, String... statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }
}
