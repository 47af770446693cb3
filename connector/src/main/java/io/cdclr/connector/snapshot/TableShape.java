package io.cdclr.connector.snapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One table as wal2json describes its rows, read from the catalog: what a snapshot needs to read the table in
 * primary-key order and to write each row exactly as wal2json format-version 2 writes an {@code INSERT} of it
 * ({@link RowEnvelopeWriter}).
 *
 * <p><b>Session settings.</b> wal2json formats a value with the type's output function in the walsender of the
 * connector's replication connection; several output functions depend on session settings. The connection that
 * reads the snapshot rows must run with the same ones, which {@link #prepareSession} sets:
 * <ul>
 *   <li>{@code search_path = ''}: the replication session pins it empty (ReplicationSession.pinSearchPath), so
 *       {@code format_type} qualifies every user type ({@code public.mood}) and {@code regclass}/{@code regtype}
 *       values print qualified. {@link #read} pins it while it reads the catalog, whatever the connection had.</li>
 *   <li>{@code extra_float_digits = 3}: PgJDBC sends it in the startup packet of every connection, the
 *       replication one included, so wal2json prints {@code real}/{@code double precision} in the shortest exact
 *       form ({@code 0.1}, {@code 1e+100}); with {@code 0} (psql's default) they would be rounded to 15 digits.</li>
 *   <li>{@code DateStyle} (ISO, set by PgJDBC), {@code TimeZone} (PgJDBC sends the JVM's), {@code IntervalStyle},
 *       {@code bytea_output}, {@code lc_monetary}: left as the connection has them. A connection opened by the
 *       same {@code PostgresEndpoint} in the same JVM as the replication connection has the same values (same
 *       startup parameters, same server {@code options}).</li>
 * </ul>
 *
 * <p><b>Select list.</b> {@link #selectList()} reads every column as the text of its type's output function
 * (what wal2json prints), in {@code attnum} order, NULL as SQL NULL. The chunk query must put it first:
 * {@code SELECT <selectList> FROM <qualifiedName> WHERE ... ORDER BY ...}; {@link RowEnvelopeWriter} reads
 * columns 1..n of the result by position.
 */
public final class TableShape {

    /**
     * One live column, in {@code attnum} order.
     *
     * @param name               the column name
     * @param attnum             its {@code attnum} (wal2json's {@code "position"})
     * @param typeName           {@code format_type(atttypid, atttypmod)} with an empty search_path: wal2json's
     *                           {@code "type"} (user types schema-qualified, quoted where format_type quotes)
     * @param typeOid            {@code atttypid}: wal2json's {@code "typeoid"}, and what picks the JSON form
     * @param typmod             {@code atttypmod}
     * @param notNull            {@code attnotnull}: wal2json's {@code "optional"} is its negation
     * @param domainBaseTypeName for a domain, {@code format_type(typbasetype, typtypmod)} (wal2json's type with
     *                           include-domain-data-type=1); null otherwise
     * @param defaultExpression  {@code pg_get_expr} of the column's default (empty search_path), null without one
     *                           or for a generated column (wal2json's {@code "default"})
     * @param generated          a generated column ({@code attgenerated} set)
     */
    public record Column(String name, int attnum, String typeName, long typeOid, int typmod, boolean notNull,
                         String domainBaseTypeName, String defaultExpression, boolean generated) {
        public Column {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(typeName, "typeName");
        }
    }

    private final String schema;
    private final String table;
    private final long relationOid;
    private final List<Column> columns;
    private final List<String> primaryKey;
    private final List<Column> wal2jsonPk;
    private final String selectList;

    TableShape(String schema, String table, long relationOid, List<Column> columns, List<String> primaryKey,
               List<Column> wal2jsonPk) {
        this.schema = schema;
        this.table = table;
        this.relationOid = relationOid;
        this.columns = List.copyOf(columns);
        this.primaryKey = List.copyOf(primaryKey);
        this.wal2jsonPk = List.copyOf(wal2jsonPk);
        this.selectList = buildSelectList(this.columns);
    }

    /**
     * Reads the shape of {@code schema.table} (names as stored in the catalog, not quoted). Pins
     * {@code search_path} to '' while it reads and restores the connection's value afterwards.
     *
     * @throws TableShapeException naming the table when it does not exist, is not an ordinary table, or has no
     *                             primary key
     * @throws SQLException        on any database error
     */
    public static TableShape read(Connection c, String schema, String table) throws SQLException {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
        String previous;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_catalog.current_setting('search_path')")) {
            rs.next();
            previous = rs.getString(1);
        }
        setSearchPath(c, "");
        try {
            return readPinned(c, schema, table);
        } finally {
            setSearchPath(c, previous);
        }
    }

    /**
     * Gives a connection the settings that make its output-function text what wal2json prints in the connector's
     * replication session: {@code search_path = ''} and {@code extra_float_digits = 3} (see the class comment).
     * Call it once on the connection that runs the chunk queries; a value's text is then independent of the
     * role's or database's defaults.
     */
    public static void prepareSession(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_catalog.set_config('search_path', '', false),"
                    + " pg_catalog.set_config('extra_float_digits', '3', false)");
        }
    }

    private static void setSearchPath(Connection c, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.set_config('search_path', ?, false)")) {
            ps.setString(1, value);
            ps.execute();
        }
    }

    private static TableShape readPinned(Connection c, String schema, String table) throws SQLException {
        String display = schema + "." + table;
        long oid;
        char kind;
        try (PreparedStatement ps = c.prepareStatement("SELECT c.oid, c.relkind FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new TableShapeException(TableShapeException.Reason.MISSING, display,
                            "table " + display + " does not exist");
                }
                oid = rs.getLong(1);
                kind = rs.getString(2).charAt(0);
            }
        }
        if (kind == 'p') {
            // wal2json names a partitioned table's changes by the leaf partition; a read through the parent could
            // not say which partition a row is in as wal2json would.
            throw new TableShapeException(TableShapeException.Reason.NOT_A_TABLE, display, "table " + display
                    + " is partitioned: snapshot its partitions instead (wal2json reports changes by partition)");
        }
        if (kind != 'r') {
            throw new TableShapeException(TableShapeException.Reason.NOT_A_TABLE, display,
                    display + " is not a table (relkind '" + kind + "')");
        }

        List<Column> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, a.attnum,"
                + " pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypid, a.atttypmod, a.attnotnull,"
                + " CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,"
                + " CASE WHEN a.atthasdef AND a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,"
                + " a.attgenerated <> ''"
                + " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
                + " LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                + " WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new Column(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getLong(4),
                            rs.getInt(5), rs.getBoolean(6), rs.getString(7), rs.getString(8), rs.getBoolean(9)));
                }
            }
        }

        // The primary key in key order (keyset pagination), and whether wal2json sees it: the relcache's
        // rd_pkindex skips an invalid or deferrable primary key, and then wal2json writes "pk":[].
        List<String> primaryKey = new ArrayList<>();
        boolean wal2jsonSeesPk = false;
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, i.indimmediate AND i.indisvalid"
                + " FROM pg_catalog.pg_index i, pg_catalog.unnest(i.indkey) WITH ORDINALITY k(attnum, ord),"
                + " pg_catalog.pg_attribute a"
                + " WHERE i.indrelid = ? AND i.indisprimary AND a.attrelid = i.indrelid AND a.attnum = k.attnum"
                + " ORDER BY k.ord")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    primaryKey.add(rs.getString(1));
                    wal2jsonSeesPk = rs.getBoolean(2);
                }
            }
        }
        if (primaryKey.isEmpty()) {
            throw new TableShapeException(TableShapeException.Reason.NO_PRIMARY_KEY, display, "table " + display
                    + " has no primary key: a snapshot reads a table in primary-key order and cannot read this one");
        }
        List<Column> wal2jsonPk = new ArrayList<>();
        if (wal2jsonSeesPk) {
            for (Column col : columns) { // attnum order, as wal2json walks the tuple
                if (primaryKey.contains(col.name())) {
                    wal2jsonPk.add(col);
                }
            }
        }
        return new TableShape(schema, table, oid, columns, primaryKey, wal2jsonPk);
    }

    private static String buildSelectList(List<Column> columns) {
        StringBuilder sql = new StringBuilder();
        for (Column col : columns) {
            if (sql.length() > 0) {
                sql.append(", ");
            }
            String id = quoteIdentifier(col.name());
            // format('%s', v) is the type's output function, exactly what wal2json calls; num_nulls tells a NULL
            // column from a composite whose fields are all NULL (for which "IS NULL" is true too).
            sql.append("CASE WHEN pg_catalog.num_nulls(").append(id).append(") = 0 THEN pg_catalog.format('%s', ")
                    .append(id).append(") END");
        }
        return sql.toString();
    }

    /** PostgreSQL's quoting of an identifier: always in double quotes, inner quotes doubled. */
    public static String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    public String schema() {
        return schema;
    }

    public String table() {
        return table;
    }

    /** {@code "schema"."table"}, quoted, for the FROM clause. */
    public String qualifiedName() {
        return quoteIdentifier(schema) + "." + quoteIdentifier(table);
    }

    /** {@code pg_class.oid} when read: a different oid later means the table was dropped and recreated. */
    public long relationOid() {
        return relationOid;
    }

    /** Live columns in {@code attnum} order (wal2json's order). */
    public List<Column> columns() {
        return columns;
    }

    /** Primary-key column names in key (index) order: the ORDER BY and keyset comparison of the chunk query. */
    public List<String> primaryKey() {
        return primaryKey;
    }

    /** The primary-key columns as wal2json writes its {@code "pk"}: in attnum order, empty for a deferrable key. */
    List<Column> wal2jsonPk() {
        return wal2jsonPk;
    }

    /** The chunk query's select list (see the class comment): columns 1..n are {@link #columns()} as text. */
    public String selectList() {
        return selectList;
    }

    @Override
    public String toString() {
        return schema + "." + table;
    }
}
