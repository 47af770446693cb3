package io.cdclr.connector.pgoutput;

import io.cdclr.connector.replication.PostgresEndpoint;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The engine properties of decoder=pgoutput: Debezium's PostgresConnector (plugin pgoutput) with
 * {@link DebeziumToWal2JsonTransform}, so every record is the wal2json envelope text with the wal2json source's
 * partition key, and the change consumer writes it as it writes the wal2json source's. The settings the mapping
 * relies on are fixed here, not configurable (docs/pgoutput.md, Settings). The runner and the connector's tests
 * build their engines from it alike.
 */
public final class PgoutputProperties {
    /** Debezium's mark of an unchanged TOAST value; no real value may equal it. Connector and transform share it. */
    public static final String UNCHANGED_TOAST = "__cdclr_unchanged_toast__";

    private PgoutputProperties() {
    }

    public static Properties of(PgoutputSettings settings) {
        PostgresEndpoint endpoint = settings.endpoint();

        Properties p = new Properties();
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("database.hostname", endpoint.host());
        p.setProperty("database.port", Integer.toString(endpoint.port()));
        p.setProperty("database.user", endpoint.user());
        if (endpoint.password() != null) {
            p.setProperty("database.password", endpoint.password());
        }
        p.setProperty("database.dbname", endpoint.database());
        // sslmode, sslrootcert, sslcert, sslkey: Debezium's names are PgJDBC's after "database.".
        endpoint.tlsProperties().forEach((k, v) -> p.setProperty("database." + k, String.valueOf(v)));
        p.setProperty("database.tcpKeepAlive", "true");
        // Debezium hands database.* to PgJDBC: connect and login bounded. Not socketTimeout: Debezium's replication
        // connection polls its stream like ours, and a read timed out mid-message would lose the message's head.
        Properties bounded = endpoint.timeouts().applyTo(new Properties());
        p.setProperty("database.connectTimeout", bounded.getProperty("connectTimeout"));
        p.setProperty("database.loginTimeout", bounded.getProperty("loginTimeout"));
        // Debezium's own names; the records leave with the transform's topics.
        p.setProperty("topic.prefix", "cdclr_pgoutput");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", settings.slotName());
        p.setProperty("publication.name", settings.publicationName());
        p.setProperty("publication.autocreate.mode", settings.publicationCreate() ? "filtered" : "disabled");
        p.setProperty("table.include.list", settings.publishedTables().stream().map(PgoutputProperties::exactly)
                .collect(Collectors.joining(",")));
        p.setProperty("snapshot.mode", settings.snapshotMode());
        // Value forms the mapping reads back into PostgreSQL's text without loss.
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("hstore.handling.mode", "json");
        // wal2json's event kinds: truncates (Debezium skips them by default) and messages; no tombstones.
        p.setProperty("skipped.operations", "none");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("unavailable.value.placeholder", UNCHANGED_TOAST);
        // Messages as wal2json's add-msg-prefixes / filter-msg-prefixes select them (exact prefixes, all by default).
        if (!settings.includedMessagePrefixes().isEmpty()) {
            p.setProperty("message.prefix.include.list", literals(settings.includedMessagePrefixes()));
        }
        if (!settings.excludedMessagePrefixes().isEmpty()) {
            p.setProperty("message.prefix.exclude.list", literals(settings.excludedMessagePrefixes()));
        }
        // Debezium does not reconnect inside its task: a lost connection is a retriable error and the engine
        // restarts the task, with the wal2json connector's reconnect settings.
        p.setProperty("errors.max.retries", Integer.toString(settings.reconnectMaxAttempts()));
        p.setProperty("errors.retry.delay.initial.ms", Long.toString(settings.reconnectBackoffInitialMs()));
        p.setProperty("errors.retry.delay.max.ms", Long.toString(settings.reconnectBackoffMaxMs()));
        // Debezium's queue is bounded by count only unless told a byte bound: the wal2json reader queue's (issue 19).
        p.setProperty("max.queue.size.in.bytes", Long.toString(settings.queueMaxBytes()));

        p.setProperty("transforms", "wal2json");
        String t = "transforms.wal2json.";
        p.setProperty(t + "type", DebeziumToWal2JsonTransform.class.getName());
        p.setProperty(t + "topic.prefix", settings.topicPrefix());
        // The catalog's connection: the endpoint's ordinary connection (TLS, timeouts, options), its own name.
        PostgresEndpoint catalog = endpoint.withApplicationName(endpoint.applicationName() + "-catalog");
        p.setProperty(t + "catalog.url", catalog.jdbcUrl());
        Properties catalogProps = catalog.connectionProperties();
        p.setProperty(t + "catalog.user", catalogProps.getProperty("user"));
        if (catalogProps.getProperty("password") != null) {
            p.setProperty(t + "catalog.password", catalogProps.getProperty("password"));
        }
        catalogProps.forEach((k, v) -> {
            if (!k.equals("user") && !k.equals("password")) {
                p.setProperty(t + "catalog.property." + k, String.valueOf(v));
            }
        });
        p.setProperty(t + "unavailable.value.placeholder", UNCHANGED_TOAST);
        // Debezium heartbeats and transaction metadata are off; nothing else may reach Kinesis.
        p.setProperty(t + "non.change.records", "drop");
        String signal = settings.signalTable();
        if (!signal.isEmpty()) {
            // Incremental snapshots: signals come through the stream from this table; its rows (requests and
            // Debezium's window marks) are dropped after the mapping, by their topic.
            p.setProperty("signal.data.collection", signal);
            p.setProperty("transforms", "wal2json,dropSignals");
            p.setProperty("transforms.dropSignals.type", "org.apache.kafka.connect.transforms.Filter");
            p.setProperty("transforms.dropSignals.predicate", "isSignal");
            p.setProperty("predicates", "isSignal");
            p.setProperty("predicates.isSignal.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
            p.setProperty("predicates.isSignal.pattern", exactly(settings.topicPrefix() + "." + signal));
        }
        return p;
    }

    /** A regular expression matching exactly this name (Debezium's include lists are regular expressions). */
    static String exactly(String name) {
        return name.replaceAll("([\\\\^$.|?*+()\\[\\]{}])", "\\\\$1");
    }

    private static String literals(List<String> prefixes) {
        return prefixes.stream().map(PgoutputProperties::exactly).collect(Collectors.joining(","));
    }
}
