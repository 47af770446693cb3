package io.cdclr.connector.pgoutput;

import java.time.ZoneId;

/** What the mapping asks PostgreSQL because Debezium's events do not carry it. */
interface PgCatalog extends AutoCloseable {

    /** The table as the catalog describes it now; cached until {@link #invalidate}. */
    TableInfo table(String schema, String table);

    void invalidate(String schema, String table);

    /**
     * PostgreSQL's own text for a value Debezium delivers in another form, e.g. an ISO 8601 interval
     * ({@code P1DT2H}) to {@code 1 day 02:00:00}: {@code SELECT CAST(CAST(value AS via) AS type)::text}.
     */
    String render(String value, String via, String type);

    /** The time zone wal2json's walsender would print timestamps in. */
    ZoneId timeZone();

    @Override
    void close();
}
