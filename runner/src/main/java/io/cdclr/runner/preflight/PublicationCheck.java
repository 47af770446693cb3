package io.cdclr.runner.preflight;

import io.cdclr.connector.pgoutput.DecoderSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * decoder=pgoutput: the publication exists (or the runner will create it) and covers the captured tables, and every
 * captured table exists and has a replica identity; without one PostgreSQL refuses UPDATE and DELETE on a table
 * published for them, so the application, not the pipeline, would fail.
 */
final class PublicationCheck {
    private final DecoderSettings decoder;
    private final Consumer<String> ok;
    private final Consumer<String> info;
    private final Consumer<String> fail;

    PublicationCheck(DecoderSettings decoder, Consumer<String> ok, Consumer<String> info, Consumer<String> fail) {
        this.decoder = decoder;
        this.ok = ok;
        this.info = info;
        this.fail = fail;
    }

    void run(Connection conn) throws SQLException {
        String name = decoder.publicationName();
        List<String> tables = decoder.publishedTables();
        Boolean allTables = null;
        try (PreparedStatement ps = conn.prepareStatement("SELECT puballtables, pubupdate, pubdelete, pubtruncate"
                + " FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    allTables = rs.getBoolean(1);
                    if (!rs.getBoolean(2) || !rs.getBoolean(3) || !rs.getBoolean(4)) {
                        fail.accept("publication " + name + " does not publish every operation (publish = 'insert, update,"
                                + " delete, truncate' is needed for the wal2json envelopes)");
                    }
                }
            }
        }
        if (allTables == null) {
            if (decoder.publicationCreate()) {
                info.accept("publication " + name + " does not exist; the runner will create it FOR TABLE "
                        + String.join(", ", tables) + " (publication.create=true)");
            } else {
                fail.accept("publication " + name + " does not exist and publication.create=false (create it with"
                        + " bootstrap_db.sh or CREATE PUBLICATION " + name + " FOR TABLE " + String.join(", ", tables) + ")");
            }
        } else {
            TreeSet<String> published = published(conn, name);
            List<String> missing = tables.stream().filter(t -> !published.contains(t)).toList();
            TreeSet<String> extra = new TreeSet<>(published);
            tables.forEach(extra::remove);
            if (missing.isEmpty()) {
                ok.accept("publication " + name + " covers " + (allTables ? "all tables" : String.join(", ", tables)));
            } else if (decoder.publicationCreate() && !allTables) {
                info.accept("publication " + name + " lacks " + String.join(", ", missing)
                        + "; the runner will set it to the captured tables (publication.create=true)");
            } else {
                fail.accept("publication " + name + " does not publish " + String.join(", ", missing));
            }
            if (!extra.isEmpty() && !allTables && !decoder.publicationCreate()) {
                info.accept("publication " + name + " also publishes " + String.join(", ", extra)
                        + " (not captured; their UPDATE/DELETE need a replica identity too)");
            }
        }
        checkTables(conn, tables);
    }

    private static TreeSet<String> published(Connection conn, String publication) throws SQLException {
        TreeSet<String> tables = new TreeSet<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT schemaname, tablename FROM pg_publication_tables"
                + " WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1) + "." + rs.getString(2));
                }
            }
        }
        return tables;
    }

    private void checkTables(Connection conn, List<String> tables) throws SQLException {
        List<String> withIdentity = new ArrayList<>();
        for (String table : tables) {
            int dot = table.indexOf('.');
            try (PreparedStatement ps = conn.prepareStatement("SELECT c.relreplident::text,"
                    + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),"
                    + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)"
                    + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')")) {
                ps.setString(1, table.substring(0, dot));
                ps.setString(2, table.substring(dot + 1));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        fail.accept("table " + table + " (in tables) does not exist");
                        continue;
                    }
                    String identity = rs.getString(1);
                    boolean primaryKey = rs.getBoolean(2);
                    boolean index = rs.getBoolean(3);
                    boolean has = switch (identity) {
                        case "f" -> true;
                        case "i" -> index;
                        case "d" -> primaryKey;
                        default -> false;
                    };
                    if (has) {
                        withIdentity.add(table);
                    } else {
                        fail.accept("table " + table + " has no replica identity (" + ("n".equals(identity) ? "NOTHING"
                                : "no primary key") + "): PostgreSQL would refuse its UPDATE and DELETE once published;"
                                + " add a primary key or ALTER TABLE " + table + " REPLICA IDENTITY FULL");
                    }
                }
            }
        }
        if (!withIdentity.isEmpty()) {
            ok.accept("replica identity present on " + String.join(", ", withIdentity));
        }
    }
}
