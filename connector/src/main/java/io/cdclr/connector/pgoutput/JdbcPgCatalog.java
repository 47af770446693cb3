package io.cdclr.connector.pgoutput;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;

/**
 * {@link PgCatalog} over one ordinary JDBC session with an empty {@code search_path}, the walsender's, so that
 * {@code format_type} names user-defined types schema-qualified exactly as wal2json does over replication.
 * Table descriptions are cached; the transform invalidates one when Debezium's schema for the table changes.
 */
final class JdbcPgCatalog implements PgCatalog {
    private static final String COLUMNS_SQL = """
            SELECT c.oid, c.relreplident, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid,
                   a.attgenerated <> ''
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE n.nspname = ? AND c.relname = ?
             ORDER BY a.attnum""";
    private static final String KEYS_SQL = """
            SELECT a.attname, i.indisprimary, i.indisreplident
              FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = ? AND (i.indisprimary OR i.indisreplident)
             ORDER BY a.attnum""";
    private static final String TYPE_SQL =
            "SELECT typname, typtype, typbasetype, typelem, typcategory FROM pg_catalog.pg_type WHERE oid = ?";

    private record PgType(String name, char typtype, long baseType, long elemType, char category) {
    }

    private final String url;
    private final Properties props;
    private final ZoneId zoneOverride;
    private final Map<String, TableInfo> tables = new ConcurrentHashMap<>();
    private final Map<Long, PgType> types = new HashMap<>();
    private final Map<String, String> rendered = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 10_000;
        }
    };
    private Connection connection;
    private volatile ZoneId zone;

    JdbcPgCatalog(String url, Properties props, ZoneId zoneOverride) {
        this.url = url;
        this.props = props;
        this.zoneOverride = zoneOverride;
    }

    @Override
    public TableInfo table(String schema, String table) {
        return tables.computeIfAbsent(schema + "\u0000" + table, k -> load(schema, table));
    }

    @Override
    public void invalidate(String schema, String table) {
        tables.remove(schema + "\u0000" + table);
    }

    @Override
    public synchronized String render(String value, String via, String type) {
        String cacheKey = type + "\u0000" + via + "\u0000" + value;
        String hit = rendered.get(cacheKey);
        if (hit != null) {
            return hit;
        }
        String sql = "SELECT CAST(CAST(CAST(? AS text) AS " + via + ") AS " + type + ")::text";
        try (PreparedStatement ps = connection().prepareStatement(sql)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String text = rs.getString(1);
                rendered.put(cacheKey, text);
                return text;
            }
        } catch (SQLException e) {
            throw failure("render " + value + " as " + type, e);
        }
    }

    @Override
    public ZoneId timeZone() {
        ZoneId known = zone;
        return known != null ? known : loadTimeZone();
    }

    private synchronized ZoneId loadTimeZone() {
        if (zone == null) {
            if (zoneOverride != null) {
                zone = zoneOverride;
            } else {
                try (Statement st = connection().createStatement(); ResultSet rs = st.executeQuery("SHOW TimeZone")) {
                    rs.next();
                    zone = ZoneId.of(rs.getString(1));
                } catch (SQLException e) {
                    throw failure("read TimeZone", e);
                }
            }
        }
        return zone;
    }

    private synchronized TableInfo load(String schema, String table) {
        try {
            Connection c = connection();
            long relid = 0;
            char replident = 'd';
            List<String[]> cols = new ArrayList<>();
            List<Long> typeOids = new ArrayList<>();
            List<Boolean> generated = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(COLUMNS_SQL)) {
                ps.setString(1, schema);
                ps.setString(2, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        relid = rs.getLong(1);
                        replident = rs.getString(2).charAt(0);
                        cols.add(new String[] {rs.getString(4), rs.getString(5)});
                        typeOids.add(rs.getLong(6));
                        generated.add(rs.getBoolean(7));
                    }
                }
            }
            if (cols.isEmpty()) {
                throw new ConnectException("Table " + schema + "." + table + " is not in the catalog (dropped or renamed"
                        + " since the change was made?): its column types and keys cannot be known");
            }
            List<ColumnInfo> columns = new ArrayList<>();
            for (int i = 0; i < cols.size(); i++) {
                long oid = typeOids.get(i);
                PgType base = base(c, oid);
                String elem = null;
                if (base.category() == 'A' && base.elemType() != 0) {
                    elem = base(c, base.elemType()).name();
                }
                columns.add(new ColumnInfo(cols.get(i)[0], cols.get(i)[1], oid, base.name(), base.typtype() == 'e', elem,
                        generated.get(i)));
            }
            List<String> pk = new ArrayList<>();
            List<String> replidIndex = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(KEYS_SQL)) {
                ps.setLong(1, relid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean(2)) {
                            pk.add(rs.getString(1));
                        }
                        if (rs.getBoolean(3)) {
                            replidIndex.add(rs.getString(1));
                        }
                    }
                }
            }
            List<String> identityKey = switch (replident) {
                case 'd' -> pk;
                case 'i' -> replidIndex;
                default -> List.of();
            };
            return new TableInfo(schema, table, columns, pk, replident, identityKey);
        } catch (SQLException e) {
            throw failure("describe " + schema + "." + table, e);
        }
    }

    private PgType base(Connection c, long oid) throws SQLException {
        PgType t = type(c, oid);
        for (int depth = 0; t.typtype() == 'd' && depth < 32; depth++) {
            t = type(c, t.baseType());
        }
        return t;
    }

    private PgType type(Connection c, long oid) throws SQLException {
        PgType t = types.get(oid);
        if (t == null) {
            try (PreparedStatement ps = c.prepareStatement(TYPE_SQL)) {
                ps.setLong(1, oid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ConnectException("Type oid " + oid + " is not in pg_type");
                    }
                    t = new PgType(rs.getString(1), rs.getString(2).charAt(0), rs.getLong(3), rs.getLong(4),
                            rs.getString(5).charAt(0));
                }
            }
            types.put(oid, t);
        }
        return t;
    }

    private Connection connection() throws SQLException {
        if (connection == null || !connection.isValid(5)) {
            closeQuietly();
            Connection c = DriverManager.getConnection(url, props);
            try (Statement st = c.createStatement()) {
                // The walsender runs with an empty search_path: format_type then qualifies user-defined types.
                st.execute("SET search_path = ''");
            }
            connection = c;
        }
        return connection;
    }

    private RuntimeException failure(String what, SQLException e) {
        closeQuietly();
        // A lost session is worth retrying; the engine redelivers the batch.
        return new RetriableException("Catalog lookup failed (" + what + "): " + e.getMessage(), e);
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
