package io.cdclr.connector.source;

import io.cdclr.connector.config.ConfigRule;
import io.cdclr.connector.config.ConfigValidation;
import io.cdclr.connector.config.ParsedConfig;
import io.cdclr.connector.replication.ConnectionTimeouts;
import io.cdclr.connector.replication.PostgresEndpoint;
import io.cdclr.connector.replication.ReplicationSettings;
import io.cdclr.connector.snapshot.SnapshotRequest;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every setting of the wal2json source connector, declared once with its type, default, validator and
 * documentation ({@link #CONFIG_DEF}); {@code docs/source-connector.md} describes the same keys.
 * wal2json's own options are passed through as {@code wal2json.<option-name>} keys.
 */
public final class Wal2JsonSourceConfig extends AbstractConfig {
    public static final String DATABASE_HOSTNAME = "database.hostname";
    public static final String DATABASE_PORT = "database.port";
    public static final String DATABASE_USER = "database.user";
    public static final String DATABASE_PASSWORD = "database.password";
    public static final String DATABASE_DBNAME = "database.dbname";
    public static final String DATABASE_SSLMODE = "database.sslmode";
    public static final String DATABASE_CONNECT_TIMEOUT_MS = "database.connect.timeout.ms";
    public static final String DATABASE_OPTIONS = "database.options";
    public static final String DATABASE_SOCKET_TIMEOUT_MS = "database.socket.timeout.ms";
    public static final String DATABASE_SSLROOTCERT = "database.sslrootcert";
    public static final String DATABASE_SSLCERT = "database.sslcert";
    public static final String DATABASE_SSLKEY = "database.sslkey";
    public static final String DATABASE_APPLICATION_NAME = "database.application.name";
    public static final String REPLICATION_SILENCE_TIMEOUT_MS = "replication.silence.timeout.ms";
    public static final String SLOT_NAME = "slot.name";
    public static final String SLOT_CREATE_IF_MISSING = "slot.create.if.missing";
    public static final String SLOT_ACTIVE_WAIT_MS = "slot.active.wait.ms";
    public static final String WAL2JSON_FORMAT_VERSION = "wal2json.format.version";
    /** Prefix of the keys passed through to wal2json as plugin options: {@code wal2json.add-tables=...}. */
    public static final String WAL2JSON_OPTION_PREFIX = "wal2json.";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String POLL_MAX_RECORDS = "poll.max.records";
    public static final String POLL_TIMEOUT_MS = "poll.timeout.ms";
    public static final String POLL_LINGER_MS = "poll.linger.ms";
    public static final String QUEUE_CAPACITY = "queue.capacity";
    public static final String QUEUE_MAX_BYTES = "queue.max.bytes";
    public static final String POLL_MAX_BYTES = "poll.max.bytes";
    /** Defaults of {@value #QUEUE_MAX_BYTES} and {@value #POLL_MAX_BYTES}; see docs/source-connector.md for the sizing rule. */
    public static final long DEFAULT_QUEUE_MAX_BYTES = 16L * 1024 * 1024;
    public static final long DEFAULT_POLL_MAX_BYTES = 16L * 1024 * 1024;
    public static final String VALUE_FORMAT = "value.format";
    public static final String VALUE_FORMAT_STRING = "string";
    public static final String VALUE_FORMAT_BYTES = "bytes";
    public static final String STATUS_INTERVAL_MS = "status.interval.ms";
    public static final String RECONNECT_BACKOFF_INITIAL_MS = "reconnect.backoff.initial.ms";
    public static final String RECONNECT_BACKOFF_MAX_MS = "reconnect.backoff.max.ms";
    public static final String RECONNECT_MAX_ATTEMPTS = "reconnect.max.attempts";
    public static final String HEARTBEAT_INTERVAL_MS = "heartbeat.interval.ms";
    public static final String HEARTBEAT_MESSAGE_PREFIX = "heartbeat.message.prefix";
    public static final String SNAPSHOT_TABLES = "snapshot.tables";
    public static final String SNAPSHOT_CHUNK_SIZE = "snapshot.chunk.size";

    /** The only wal2json output format this connector speaks. */
    public static final int SUPPORTED_FORMAT_VERSION = 2;

    /** wal2json options (2.5) that may be passed through. */
    static final Set<String> KNOWN_WAL2JSON_OPTIONS = Set.of(
            "include-xids", "include-timestamp", "include-schemas", "include-types", "include-typmod",
            "include-type-oids", "include-domain-data-type", "include-column-positions", "include-origin",
            "include-not-null", "include-default", "include-pk", "include-lsn", "include-transaction",
            "include-unchanged-toast", "numeric-data-types-as-string", "filter-origins", "filter-tables",
            "add-tables", "filter-msg-prefixes", "add-msg-prefixes", "actions", "pretty-print", "write-in-chunks",
            "format-version");

    /** The wal2json options of DESIGN.md, used unless overridden by a {@code wal2json.<option>} key. */
    public static final Map<String, String> DEFAULT_WAL2JSON_OPTIONS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("format-version", "2");
        d.put("include-pk", "1");
        d.put("include-lsn", "1");
        d.put("include-timestamp", "1");
        d.put("include-transaction", "0");
        DEFAULT_WAL2JSON_OPTIONS = java.util.Collections.unmodifiableMap(d);
    }

    private static final String G_DB = "Database";
    private static final String G_SLOT = "Replication slot";
    private static final String G_W2J = "wal2json";
    private static final String G_OUT = "Records and batching";
    private static final String G_CONN = "Status, reconnect and heartbeat";
    private static final String G_SNAP = "Snapshots";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(DATABASE_HOSTNAME, Type.STRING, "localhost", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "PostgreSQL host name or address.", G_DB, 1, ConfigDef.Width.MEDIUM, "Host")
            .define(DATABASE_PORT, Type.INT, 5432, Range.between(1, 65535), Importance.HIGH,
                    "PostgreSQL port.", G_DB, 2, ConfigDef.Width.SHORT, "Port")
            .define(DATABASE_USER, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "User to connect as; needs the REPLICATION attribute (or rds_replication on RDS)"
                            + " and, to create the slot, the right to call pg_create_logical_replication_slot.",
                    G_DB, 3, ConfigDef.Width.MEDIUM, "User")
            .define(DATABASE_PASSWORD, Type.PASSWORD, null, Importance.HIGH,
                    "Password of database.user. Never logged.", G_DB, 4, ConfigDef.Width.MEDIUM, "Password")
            .define(DATABASE_DBNAME, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Database to capture; the replication slot belongs to it.",
                    G_DB, 5, ConfigDef.Width.MEDIUM, "Database")
            .define(DATABASE_SSLMODE, Type.STRING, "prefer",
                    ValidString.in("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
                    Importance.MEDIUM, "SSL mode, passed to PgJDBC's sslmode: disable, allow, prefer, require,"
                            + " verify-ca, verify-full.", G_DB, 6, ConfigDef.Width.SHORT, "SSL mode")
            .define(DATABASE_CONNECT_TIMEOUT_MS, Type.LONG, 10_000L, Range.between(1_000L, 3_600_000L), Importance.LOW,
                    "Timeout for opening a connection, in milliseconds (rounded up to whole seconds).",
                    G_DB, 7, ConfigDef.Width.SHORT, "Connect timeout")
            .define(DATABASE_OPTIONS, Type.STRING, "", Importance.LOW,
                    "PostgreSQL run-time parameters for the connector's connections, passed as PgJDBC's 'options',"
                            + " e.g. '-c wal_sender_timeout=30s' (settable per connection since PostgreSQL 12). Empty: none.",
                    G_DB, 8, ConfigDef.Width.MEDIUM, "Server options")
            .define(DATABASE_SOCKET_TIMEOUT_MS, Type.LONG, 60_000L, Range.between(0L, 86_400_000L), Importance.LOW,
                    "Longest wait for the server on an ordinary (non-replication) connection: slot checks, heartbeats,"
                            + " the offset table, the pgoutput catalog, preflight, the slot metrics. A host that stops"
                            + " answering fails the query after this long instead of hanging (milliseconds, rounded up"
                            + " to whole seconds; 0: wait forever). The login (TLS handshake, authentication) is bounded"
                            + " by " + DATABASE_CONNECT_TIMEOUT_MS + ", the replication connection by "
                            + REPLICATION_SILENCE_TIMEOUT_MS + ".", G_DB, 9, ConfigDef.Width.SHORT, "Socket timeout")
            .define(DATABASE_SSLROOTCERT, Type.STRING, "", Importance.MEDIUM,
                    "File (PEM) of the certificate authorities trusted to sign the server's certificate, passed to"
                            + " PgJDBC's sslrootcert; checked with " + DATABASE_SSLMODE + "=verify-ca or verify-full,"
                            + " e.g. the RDS CA bundle /etc/cdc/tls/rds-ca.pem. Empty: PgJDBC reads"
                            + " ~/.postgresql/root.crt of the user running the JVM (PgJDBC ignores libpq's"
                            + " PGSSLROOTCERT by itself).", G_DB, 10, ConfigDef.Width.LONG, "SSL root certificate")
            .define(DATABASE_SSLCERT, Type.STRING, "", Importance.LOW,
                    "Client certificate file for certificate authentication, passed to PgJDBC's sslcert. Empty:"
                            + " PgJDBC's default (~/.postgresql/postgresql.crt, used only if it exists).",
                    G_DB, 11, ConfigDef.Width.LONG, "SSL client certificate")
            .define(DATABASE_SSLKEY, Type.STRING, "", Importance.LOW,
                    "Client key file of " + DATABASE_SSLCERT + ", passed to PgJDBC's sslkey (PKCS-8 DER .pk8 or"
                            + " PKCS-12 .p12, as PgJDBC reads it). Empty: PgJDBC's default"
                            + " (~/.postgresql/postgresql.pk8).", G_DB, 12, ConfigDef.Width.LONG, "SSL client key")
            .define(DATABASE_APPLICATION_NAME, Type.STRING, "", Importance.LOW,
                    "application_name of the connections as pg_stat_activity shows them; helper connections append"
                            + " their role (-heartbeat, -runner, -offsets, -catalog). Empty: cdclr-<slot.name>.",
                    G_DB, 13, ConfigDef.Width.MEDIUM, "Application name")

            .define(SLOT_NAME, Type.STRING, "etl_slot_wal2json", new SlotNameValidator(), Importance.HIGH,
                    "Logical replication slot to stream from (plugin wal2json). One task streams from one slot.",
                    G_SLOT, 1, ConfigDef.Width.MEDIUM, "Slot")
            .define(SLOT_CREATE_IF_MISSING, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Create the slot with the wal2json plugin when it does not exist on a first start (no stored"
                            + " offset). When false, a missing slot is an error. A slot missing or invalidated once an"
                            + " offset is stored, or after streaming began, is never re-created: the task fails naming"
                            + " the slot and the last confirmed LSN.", G_SLOT, 2, ConfigDef.Width.SHORT, "Create slot")
            .define(SLOT_ACTIVE_WAIT_MS, Type.LONG, 0L, Range.atLeast(0L), Importance.MEDIUM,
                    "When the slot is active in another session: 0 fails at once (naming the pid and application"
                            + " holding it); a positive value waits up to that many milliseconds for it to be released."
                            + " The slot is never taken over.", G_SLOT, 3, ConfigDef.Width.SHORT, "Wait for slot")

            .define(WAL2JSON_FORMAT_VERSION, Type.INT, SUPPORTED_FORMAT_VERSION, (name, value) -> {
                if (value != null && (Integer) value != SUPPORTED_FORMAT_VERSION) {
                    throw new ConfigException(name, value, "only wal2json format-version 2 is supported");
                }
            }, Importance.LOW,
                    "wal2json output format. Only 2 is supported; anything else is a configuration error."
                            + " Other wal2json options are passed through as wal2json.<option-name> keys, e.g."
                            + " wal2json.add-tables=public.orders, wal2json.include-transaction=1,"
                            + " wal2json.include-xids=1. Defaults: include-pk=1, include-lsn=1, include-timestamp=1,"
                            + " include-transaction=0. include-lsn=0 is not supported (the commit LSN is needed to"
                            + " resume exactly).", G_W2J, 1, ConfigDef.Width.SHORT, "Format version")

            .define(TOPIC_PREFIX, Type.STRING, "cdc", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Topic of a row change or truncate: <prefix>.<schema>.<table>. Logical decoding messages (M)"
                            + " go to <prefix>.messages, transaction boundaries (B, C) to <prefix>.transactions.",
                    G_OUT, 1, ConfigDef.Width.MEDIUM, "Topic prefix")
            .define(POLL_MAX_RECORDS, Type.INT, 2048, Range.between(1, 1_000_000), Importance.MEDIUM,
                    "Most records one poll() returns.", G_OUT, 2, ConfigDef.Width.SHORT, "Batch size")
            .define(POLL_TIMEOUT_MS, Type.LONG, 500L, Range.between(1L, 60_000L), Importance.LOW,
                    "How long poll() waits for the first change before returning no records.",
                    G_OUT, 3, ConfigDef.Width.SHORT, "Poll timeout")
            .define(POLL_LINGER_MS, Type.LONG, 150L, Range.between(0L, 10_000L), Importance.LOW,
                    "Once poll() has a first change, how long it waits for more before returning fewer than "
                            + POLL_MAX_RECORDS + " (it returns as soon as the batch is full). Each batch costs the host"
                            + " thread hand-offs and, in the runner, a Kinesis call: at a steady trickle, one batch per"
                            + " transaction was most of the CPU per change. Adds up to this much latency (150 ms"
                            + " keeps the runner's p99 at 2,000 changes/s under 200 ms against a local emulator;"
                            + " lower it by what a slower network adds to each call); 0 returns what has arrived at"
                            + " once. A batch carrying incremental-snapshot rows never lingers.",
                    G_OUT, 8, ConfigDef.Width.SHORT, "Poll linger")
            .define(QUEUE_CAPACITY, Type.INT, 2048, Range.between(1, 1_000_000), Importance.LOW,
                    "Most messages read from the server and not yet returned by poll(); bounds memory together with "
                            + QUEUE_MAX_BYTES + ".", G_OUT, 4, ConfigDef.Width.SHORT, "Queue capacity")
            // Bytes as well as messages: 2,048 queued rows of 600 KB are 1.2 GB. Small rows (the usual case) never reach
            // the byte bound, so it costs nothing there.
            .define(QUEUE_MAX_BYTES, Type.LONG, DEFAULT_QUEUE_MAX_BYTES, Range.between(1024L, 1L << 40), Importance.LOW,
                    "Most bytes of messages read from the server and not yet returned by poll() (each message counted"
                            + " as the buffer it was read into). The reader stops reading, and keeps sending status"
                            + " updates, while the queue is full by count or by bytes. A single message larger than this"
                            + " still passes, alone.", G_OUT, 6, ConfigDef.Width.SHORT, "Queue bytes")
            .define(POLL_MAX_BYTES, Type.LONG, DEFAULT_POLL_MAX_BYTES, Range.between(1024L, 1L << 40), Importance.LOW,
                    "Most bytes of messages one poll() returns, with " + POLL_MAX_RECORDS + ": the host holds a whole"
                            + " batch until it has handed it on. A single message larger than this is returned alone.",
                    G_OUT, 7, ConfigDef.Width.SHORT, "Batch bytes")
            .define(VALUE_FORMAT, Type.STRING, VALUE_FORMAT_STRING,
                    ConfigDef.ValidString.in(VALUE_FORMAT_STRING, VALUE_FORMAT_BYTES), Importance.LOW,
                    "How a record carries the message: 'string', its text (STRING schema; for StringConverter or"
                            + " JsonConverter), or 'bytes', its UTF-8 bytes as wal2json wrote them (BYTES schema; for"
                            + " ByteArrayConverter), which saves decoding every change into a String and, for a"
                            + " byte-oriented converter or sink, encoding it back. The runner always uses bytes.",
                    G_OUT, 5, ConfigDef.Width.SHORT, "Value format")

            .define(STATUS_INTERVAL_MS, Type.LONG, 10_000L, Range.between(100L, 3_600_000L), Importance.LOW,
                    "Interval of standby status updates to the server. Keep it well below the server's"
                            + " wal_sender_timeout (60 s by default).", G_CONN, 1, ConfigDef.Width.SHORT, "Status interval")
            .define(RECONNECT_BACKOFF_INITIAL_MS, Type.LONG, 1_000L, Range.atLeast(0L), Importance.LOW,
                    "Wait before the first reconnect after the replication connection is lost; doubles per attempt.",
                    G_CONN, 2, ConfigDef.Width.SHORT, "Reconnect backoff")
            .define(RECONNECT_BACKOFF_MAX_MS, Type.LONG, 60_000L, Range.atLeast(0L), Importance.LOW,
                    "Longest wait between reconnect attempts.", G_CONN, 3, ConfigDef.Width.SHORT, "Max backoff")
            .define(RECONNECT_MAX_ATTEMPTS, Type.INT, 10, Range.atLeast(-1), Importance.LOW,
                    "Reconnect attempts in a row before the task fails; -1 retries forever, 0 never reconnects.",
                    G_CONN, 4, ConfigDef.Width.SHORT, "Reconnect attempts")
            .define(HEARTBEAT_INTERVAL_MS, Type.LONG, 0L, Range.atLeast(0L), Importance.LOW,
                    "When positive, and nothing captured has arrived for this long, write a non-transactional"
                            + " logical decoding message (pg_logical_emit_message) so the slot can advance even when"
                            + " the database is otherwise idle. The connector drops these messages; other wal2json"
                            + " consumers of the database see them unless they filter the prefix. 0 disables it.",
                    G_CONN, 5, ConfigDef.Width.SHORT, "Heartbeat")
            .define(HEARTBEAT_MESSAGE_PREFIX, Type.STRING, "cdclr.heartbeat", new ConfigDef.NonEmptyString(),
                    Importance.LOW, "Prefix of the heartbeat messages (see heartbeat.interval.ms).",
                    G_CONN, 6, ConfigDef.Width.MEDIUM, "Heartbeat prefix")
            .define(REPLICATION_SILENCE_TIMEOUT_MS, Type.LONG, 60_000L, Range.atLeast(0L), Importance.LOW,
                    "Longest time the replication connection may go without a byte from the server before the"
                            + " connector treats it as lost and reconnects (a host or route that went silent without"
                            + " closing the connection). After half of it in silence the connector asks the server for a"
                            + " reply, which a live walsender answers at once. Keep it above half the server's"
                            + " wal_sender_timeout: a walsender busy decoding a long transaction whose changes are all"
                            + " filtered out answers only that often. 0 disables the watchdog.",
                    G_CONN, 7, ConfigDef.Width.SHORT, "Silence timeout")
            .define(SNAPSHOT_TABLES, Type.LIST, "", (name, value) -> {
                for (Object t : value == null ? List.of() : (List<?>) value) {
                    String table = String.valueOf(t).trim();
                    if (!table.isEmpty() && !table.matches("[^.\\s]+\\.[^.\\s]+")) {
                        throw new ConfigException(name, value, "'" + table + "' is not schema.table");
                    }
                }
            }, Importance.MEDIUM,
                    "Tables (schema.table, comma-separated) to snapshot once when the connector creates its replication"
                            + " slot (first start): their existing rows are read in primary-key order, chunk by chunk,"
                            + " while the stream goes on, and emitted as INSERT envelopes with a \"snapshot\" marker"
                            + " (docs/snapshots.md). Tables the table filter (wal2json.add-tables/filter-tables) does not"
                            + " capture, and tables without a primary key, are skipped with a log line naming them."
                            + " Empty: no snapshot at start (one can still be requested at any time).",
                    G_SNAP, 1, ConfigDef.Width.LONG, "Snapshot tables")
            .define(SNAPSHOT_CHUNK_SIZE, Type.INT, 1024, Range.between(1, 1_000_000), Importance.LOW,
                    "Rows per snapshot chunk: each chunk is one short keyset query between two watermarks, held in"
                            + " memory until its rows are handed out (at most two chunks at a time). Also the most"
                            + " snapshot rows handed out and not yet stored, so the most a restart sends again. A"
                            + " request may set its own (\"chunk_size\").",
                    G_SNAP, 2, ConfigDef.Width.SHORT, "Snapshot chunk size");

    private final Map<String, String> wal2jsonOptions;
    private final boolean emitTransactionBoundaries;

    /** @throws ConfigException naming the key, on the first problem {@link #rules} or a key's validator finds */
    public Wal2JsonSourceConfig(Map<?, ?> props) {
        super(CONFIG_DEF, checked(props));
        this.wal2jsonOptions = userWal2jsonOptions(props);
        this.emitTransactionBoundaries = wal2jsonBoolean("include-transaction", wal2jsonOptions.get("include-transaction"));
    }

    private static Map<?, ?> checked(Map<?, ?> props) {
        ConfigValidation.ensureValid(CONFIG_DEF, rules(props), props);
        return props;
    }

    /** The prefixes the snapshot's messages carry (the request and its watermarks): the stream must pass them. */
    static final List<String> SNAPSHOT_MESSAGE_PREFIXES = List.of(SnapshotRequest.PREFIX, SnapshotRequest.PREFIX + ".wm");
    /** Options whose value the connector reads as a boolean; the others go to wal2json as given. */
    private static final Set<String> BOOLEAN_OPTIONS = Set.of("include-transaction", "include-lsn", "include-pk",
            "pretty-print", "write-in-chunks");

    /**
     * The rules over several keys, each reported on the key to change; with one rule per {@code wal2json.<option>}
     * key given (a known option, with a value wal2json format-version 2 accepts).
     */
    public static List<ConfigRule> rules(Map<?, ?> props) {
        List<ConfigRule> rules = new ArrayList<>();
        for (Object k : props.keySet()) {
            String key = String.valueOf(k);
            if (key.startsWith(WAL2JSON_OPTION_PREFIX) && !key.equals(WAL2JSON_FORMAT_VERSION)) {
                String option = key.substring(WAL2JSON_OPTION_PREFIX.length());
                rules.add(ConfigRule.on(key, List.of(), c -> optionProblem(option, c.getString(key))));
            }
        }
        rules.add(ConfigRule.on(WAL2JSON_OPTION_PREFIX + "include-lsn", List.of(), c -> option(c, "include-lsn")
                ? null : "include-lsn=0 is not supported: the connector needs each transaction's commit LSN to resume exactly"));
        rules.add(ConfigRule.on(RECONNECT_BACKOFF_MAX_MS, List.of(RECONNECT_BACKOFF_INITIAL_MS),
                c -> c.getLong(RECONNECT_BACKOFF_MAX_MS) < c.getLong(RECONNECT_BACKOFF_INITIAL_MS)
                        ? "must be at least " + RECONNECT_BACKOFF_INITIAL_MS : null));
        rules.add(ConfigRule.on(WAL2JSON_OPTION_PREFIX + "add-msg-prefixes", List.of(SNAPSHOT_TABLES), c -> {
            String added = c.getString(WAL2JSON_OPTION_PREFIX + "add-msg-prefixes");
            return snapshotTables(c).isEmpty() || added == null || added.isBlank()
                    || Arrays.asList(added.split(",")).containsAll(SNAPSHOT_MESSAGE_PREFIXES) ? null
                    : SNAPSHOT_TABLES + " needs the snapshot's message prefixes in it: add " + String.join(",", SNAPSHOT_MESSAGE_PREFIXES);
        }));
        rules.add(ConfigRule.on(SNAPSHOT_TABLES, List.of(WAL2JSON_OPTION_PREFIX + "include-pk"),
                c -> snapshotTables(c).isEmpty() || option(c, "include-pk") ? null
                        : "snapshots need wal2json.include-pk=1 (snapshot rows are matched to streamed changes by primary key)"));
        return rules;
    }

    /** Whether {@code option} names a wal2json option (2.5) that may be passed through as {@code wal2json.<option>}. */
    public static boolean isWal2jsonOption(String option) {
        return KNOWN_WAL2JSON_OPTIONS.contains(option);
    }

    /** What is wrong with one pass-through option, or null. */
    private static String optionProblem(String option, String value) {
        if (!KNOWN_WAL2JSON_OPTIONS.contains(option)) {
            return "unknown wal2json option '" + option + "'; known options: " + new java.util.TreeSet<>(KNOWN_WAL2JSON_OPTIONS);
        }
        if (option.equals("format-version") && !"2".equals(value)) {
            return "only wal2json format-version 2 is supported";
        }
        if (BOOLEAN_OPTIONS.contains(option) && parseBoolean(value) == null) {
            return "expected a boolean (1/0, true/false, on/off)";
        }
        if ((option.equals("pretty-print") || option.equals("write-in-chunks")) && parseBoolean(value)) {
            return "'" + option + "' is a format-version 1 option and cannot be used";
        }
        return null;
    }

    /** A boolean option as given, or its default; checked by {@link #optionProblem} first. */
    private static boolean option(ParsedConfig c, String option) {
        String value = c.getString(WAL2JSON_OPTION_PREFIX + option);
        Boolean parsed = parseBoolean(value == null ? DEFAULT_WAL2JSON_OPTIONS.getOrDefault(option, "0") : value);
        return parsed != null && parsed;
    }

    private static List<String> snapshotTables(ParsedConfig c) {
        return c.getList(SNAPSHOT_TABLES).stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
    }

    /** The defaults of DESIGN.md overlaid with every {@code wal2json.<option>} key (validated by {@link #rules}). */
    private static Map<String, String> userWal2jsonOptions(Map<?, ?> props) {
        Map<String, String> options = new LinkedHashMap<>(DEFAULT_WAL2JSON_OPTIONS);
        for (Map.Entry<?, ?> e : props.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.startsWith(WAL2JSON_OPTION_PREFIX) && !key.equals(WAL2JSON_FORMAT_VERSION)) {
                options.put(key.substring(WAL2JSON_OPTION_PREFIX.length()),
                        e.getValue() == null ? "" : String.valueOf(e.getValue()).trim());
            }
        }
        return options;
    }

    /** PostgreSQL's parse_bool, as wal2json reads its options; null when the text is not a boolean. */
    private static Boolean parseBoolean(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "1", "t", "true", "y", "yes", "on" -> true;
            case "0", "f", "false", "n", "no", "off" -> false;
            default -> null;
        };
    }

    /** wal2json's boolean syntax (PostgreSQL's parse_bool). */
    static boolean wal2jsonBoolean(String option, String value) {
        Boolean parsed = parseBoolean(value);
        if (parsed == null) {
            throw new ConfigException(WAL2JSON_OPTION_PREFIX + option, value, "expected a boolean (1/0, true/false, on/off)");
        }
        return parsed;
    }

    /** The wal2json options as the user configured them, with the defaults: what the emitted records look like. */
    public Map<String, String> wal2jsonOptions() {
        return wal2jsonOptions;
    }

    /**
     * The options the stream is actually started with: the user's, but always with include-transaction=1, so the
     * task sees every transaction's boundaries and commit LSN (needed to resume exactly inside a transaction).
     * B and C are emitted as records only when the user asked for them; the other messages do not depend on
     * include-transaction, so they stay identical to what wal2json emits with the user's options.
     */
    public Map<String, String> streamOptions() {
        Map<String, String> options = new LinkedHashMap<>(wal2jsonOptions);
        options.put("include-transaction", "1");
        return options;
    }

    /** Whether records carry the message's bytes ({@value #VALUE_FORMAT}=bytes) rather than its text. */
    public boolean valueAsBytes() {
        return VALUE_FORMAT_BYTES.equals(getString(VALUE_FORMAT));
    }

    public boolean emitTransactionBoundaries() {
        return emitTransactionBoundaries;
    }

    public String slotName() {
        return getString(SLOT_NAME);
    }

    public boolean slotCreateIfMissing() {
        return getBoolean(SLOT_CREATE_IF_MISSING);
    }

    public String database() {
        return getString(DATABASE_DBNAME);
    }

    public int queueCapacity() {
        return getInt(QUEUE_CAPACITY);
    }

    public long queueMaxBytes() {
        return getLong(QUEUE_MAX_BYTES);
    }

    public int pollMaxRecords() {
        return getInt(POLL_MAX_RECORDS);
    }

    public long pollLingerMs() {
        return getLong(POLL_LINGER_MS);
    }

    public long pollMaxBytes() {
        return getLong(POLL_MAX_BYTES);
    }

    /** {@link #SNAPSHOT_TABLES}: schema.table names, validated by the request. */
    public List<String> snapshotTables() {
        return getList(SNAPSHOT_TABLES).stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
    }

    public int snapshotChunkSize() {
        return getInt(SNAPSHOT_CHUNK_SIZE);
    }

    public String topicPrefix() {
        return getString(TOPIC_PREFIX);
    }

    public ReplicationSettings replicationSettings() {
        return new ReplicationSettings(endpoint(), slotName(), getBoolean(SLOT_CREATE_IF_MISSING),
                getLong(SLOT_ACTIVE_WAIT_MS), streamOptions(), getLong(STATUS_INTERVAL_MS),
                getLong(REPLICATION_SILENCE_TIMEOUT_MS));
    }

    /**
     * The source database endpoint every connection is built from: host, port, database, user, password, TLS,
     * timeouts, server options; application name {@value #DATABASE_APPLICATION_NAME} or cdclr-&lt;slot&gt;.
     */
    public PostgresEndpoint endpoint() {
        Password password = getPassword(DATABASE_PASSWORD);
        String applicationName = getString(DATABASE_APPLICATION_NAME);
        return new PostgresEndpoint(getString(DATABASE_HOSTNAME), getInt(DATABASE_PORT), database(),
                getString(DATABASE_USER), password == null ? null : password.value(), getString(DATABASE_SSLMODE),
                getString(DATABASE_SSLROOTCERT), getString(DATABASE_SSLCERT), getString(DATABASE_SSLKEY),
                applicationName.isBlank() ? "cdclr-" + slotName() : applicationName, connectionTimeouts(),
                getString(DATABASE_OPTIONS));
    }

    /**
     * The endpoint from a map that holds the database keys but need not be a complete connector configuration (the
     * runner's offset store inside the engine): only the {@code database.*} keys are read, parsed and validated as
     * declared here, with their defaults.
     */
    public static PostgresEndpoint endpoint(Map<?, ?> values) {
        Map<String, Object> database = new LinkedHashMap<>();
        for (String key : CONFIG_DEF.names()) {
            if (key.startsWith("database.") && values.get(key) != null) {
                database.put(key, values.get(key));
            }
        }
        database.putIfAbsent(DATABASE_USER, System.getProperty("user.name"));
        database.putIfAbsent(DATABASE_DBNAME, String.valueOf(database.get(DATABASE_USER)));
        Object slot = values.get(SLOT_NAME);
        if (slot != null) {
            database.put(SLOT_NAME, slot);
        }
        return new Wal2JsonSourceConfig(database).endpoint();
    }

    public ConnectionTimeouts connectionTimeouts() {
        return new ConnectionTimeouts(getLong(DATABASE_CONNECT_TIMEOUT_MS), getLong(DATABASE_SOCKET_TIMEOUT_MS));
    }

    /**
     * The connection timeouts from a map that need not be a complete connector configuration (the runner's offset
     * store and metrics connections): the two keys parsed and validated as declared here, their defaults when absent.
     */
    public static ConnectionTimeouts connectionTimeouts(Map<?, ?> values) {
        return new ConnectionTimeouts(declaredLong(values, DATABASE_CONNECT_TIMEOUT_MS),
                declaredLong(values, DATABASE_SOCKET_TIMEOUT_MS));
    }

    private static long declaredLong(Map<?, ?> values, String key) {
        ConfigDef.ConfigKey declared = CONFIG_DEF.configKeys().get(key);
        Object raw = values.get(key);
        Object parsed = ConfigDef.parseType(key, raw == null ? declared.defaultValue : raw, declared.type);
        if (declared.validator != null) {
            declared.validator.ensureValid(key, parsed);
        }
        return (Long) parsed;
    }

    /** Slot names: lower-case letters, digits and underscores, at most 63 characters (PostgreSQL's rule). */
    static final class SlotNameValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String s = (String) value;
            if (s == null || !s.matches("[a-z0-9_]{1,63}")) {
                throw new ConfigException(name, value, "a slot name is 1 to 63 lower-case letters, digits or underscores");
            }
        }

        @Override
        public String toString() {
            return "[a-z0-9_]{1,63}";
        }
    }
}
