package io.cdclr.connector.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.transforms.Transformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdclr.connector.envelope.JsonText;
import io.cdclr.connector.envelope.KeyedEnvelope;
import io.cdclr.connector.envelope.PartitionKey;
import io.cdclr.connector.envelope.RawValue;

/**
 * Turns a change event of Debezium's PostgreSQL connector (plugin {@code pgoutput}) into the record the wal2json
 * source produces for the same change: value = the wal2json format-version 2 envelope as JSON text (options
 * {@code include-pk=1, include-lsn=1, include-timestamp=1}, no transaction boundaries), key = the row's partition
 * key, topic = {@code <topic.prefix>.<schema>.<table>} ({@code <topic.prefix>.messages} for M). The source offset is
 * left alone: the engine's offsets stay Debezium's.
 *
 * <p>What the events lack (type names as {@code format_type} prints them, the primary key, the replica identity,
 * the server's time zone) comes from the catalog, over one JDBC session. The connector settings this relies on are
 * in {@code docs/pgoutput.md}.
 */
public class DebeziumToWal2JsonTransform<R extends ConnectRecord<R>> implements Transformation<R> {
    private static final Logger LOG = LoggerFactory.getLogger(DebeziumToWal2JsonTransform.class);

    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String CATALOG_URL = "catalog.url";
    public static final String CATALOG_USER = "catalog.user";
    public static final String CATALOG_PASSWORD = "catalog.password";
    /** Prefix of further PgJDBC properties for the catalog session, e.g. {@code catalog.property.sslmode=require}. */
    public static final String CATALOG_PROPERTY_PREFIX = "catalog.property.";
    public static final String TIME_ZONE = "time.zone";
    public static final String UNAVAILABLE_VALUE_PLACEHOLDER = "unavailable.value.placeholder";
    public static final String NON_CHANGE_RECORDS = "non.change.records";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(TOPIC_PREFIX, Type.STRING, "cdc", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Topic of a row change or truncate: <prefix>.<schema>.<table>; logical decoding messages (M) go to"
                            + " <prefix>.messages. Same meaning as the wal2json source's topic.prefix.")
            .define(CATALOG_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "JDBC URL of the captured database, for catalog lookups (column types as format_type prints them,"
                            + " primary key, replica identity, time zone), e.g. jdbc:postgresql://host:5432/db")
            .define(CATALOG_USER, Type.STRING, "", Importance.HIGH, "User of the catalog session")
            .define(CATALOG_PASSWORD, Type.PASSWORD, "", Importance.HIGH, "Password of the catalog session")
            .define(TIME_ZONE, Type.STRING, "", Importance.LOW,
                    "Time zone of the envelope's timestamp and of timestamptz values, as an IANA name. Empty: the"
                            + " catalog session's TimeZone, which PgJDBC sets to this JVM's default, as it does for the"
                            + " wal2json source's replication session.")
            .define(UNAVAILABLE_VALUE_PLACEHOLDER, Type.STRING, "__debezium_unavailable_value", Importance.MEDIUM,
                    "Must equal the connector's unavailable.value.placeholder: a column holding it is an unchanged TOAST"
                            + " value, which wal2json leaves out of the envelope. Choose one no real value can equal.")
            .define(NON_CHANGE_RECORDS, Type.STRING, "pass", ConfigDef.ValidString.in("pass", "drop"), Importance.LOW,
                    "What to do with records that are not change events (heartbeats, transaction metadata): pass them"
                            + " through unchanged (so the host can still commit their offsets) or drop them.");

    private PgCatalog catalog;
    private PgValueText values;
    private String topicPrefix;
    private String placeholder;
    private byte[] placeholderBytes;
    private boolean passNonChange;
    /** Debezium's value and key schemas last seen per table: a change means the table changed (ALTER TABLE). */
    private final Map<String, SeenSchemas> seenSchemas = new ConcurrentHashMap<>();

    private record SeenSchemas(Schema row, Schema key) {
    }
    /** Halves of primary-key UPDATEs waiting for their other half, see rowChange. */
    private final Map<KeyChange, Struct> pendingKeyChanges = new ConcurrentHashMap<>();

    static final String NEW_KEY_HEADER = "__debezium.newkey";
    static final String OLD_KEY_HEADER = "__debezium.oldkey";

    /** One primary-key UPDATE: both halves carry the table, the LSN and the old and new keys. */
    private record KeyChange(String schema, String table, Object lsn, Object oldKey, Object newKey) {
    }

    public DebeziumToWal2JsonTransform() {
    }

    /** For tests: a given catalog instead of a JDBC one. */
    DebeziumToWal2JsonTransform(PgCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, configs);
        topicPrefix = config.getString(TOPIC_PREFIX);
        placeholder = config.getString(UNAVAILABLE_VALUE_PLACEHOLDER);
        placeholderBytes = placeholder.getBytes(StandardCharsets.UTF_8);
        passNonChange = "pass".equals(config.getString(NON_CHANGE_RECORDS));
        if (catalog == null) {
            Properties props = new Properties();
            for (Map.Entry<String, ?> e : configs.entrySet()) {
                if (e.getKey().startsWith(CATALOG_PROPERTY_PREFIX) && e.getValue() != null) {
                    props.setProperty(e.getKey().substring(CATALOG_PROPERTY_PREFIX.length()), e.getValue().toString());
                }
            }
            if (!config.getString(CATALOG_USER).isEmpty()) {
                props.setProperty("user", config.getString(CATALOG_USER));
            }
            Password password = config.getPassword(CATALOG_PASSWORD);
            if (password != null && !password.value().isEmpty()) {
                props.setProperty("password", password.value());
            }
            props.putIfAbsent("ApplicationName", "cdclr-pgoutput-catalog");
            String zone = config.getString(TIME_ZONE);
            catalog = new JdbcPgCatalog(config.getString(CATALOG_URL), props, zone.isEmpty() ? null : ZoneId.of(zone));
        }
        values = new PgValueText(catalog);
    }

    @Override
    public R apply(R record) {
        Object v = record.value();
        if (v == null) {
            return null; // tombstone: wal2json has no such thing
        }
        if (!(v instanceof Struct value) || value.schema().field("op") == null || value.schema().field("source") == null) {
            return passNonChange ? record : null;
        }
        String op = value.getString("op");
        Struct source = value.getStruct("source");
        return switch (op) {
            case "c", "r", "u", "d" -> rowChange(record, op, value, source);
            case "t" -> truncate(record, source);
            case "m" -> message(record, value, source);
            default -> passNonChange ? record : null;
        };
    }

    private R rowChange(R record, String op, Struct value, Struct source) {
        String schema = source.getString("schema");
        String table = source.getString("table");
        TableInfo info = describe(schema, table, value.schema(), record.keySchema());
        Struct before = value.getStruct("before");
        Struct after = value.getStruct("after");
        String action = switch (op) {
            case "c", "r" -> "I";
            case "u" -> "U";
            default -> "D";
        };
        // Debezium splits an UPDATE that changes the primary key into DELETE (header __debezium.newkey) and CREATE
        // (header __debezium.oldkey), adjacent and with the same offset; wal2json writes one U. The engine may
        // transform records on several threads, so the halves meet in a map, whichever comes first: the first
        // becomes nothing, the second the U (in the pair's place in the stream).
        Header newKey = "d".equals(op) ? record.headers().lastWithName(NEW_KEY_HEADER) : null;
        Header oldKey = "c".equals(op) ? record.headers().lastWithName(OLD_KEY_HEADER) : null;
        if (newKey != null || oldKey != null) {
            KeyChange pair = newKey != null
                    ? new KeyChange(schema, table, source.get("lsn"), record.key(), newKey.value())
                    : new KeyChange(schema, table, source.get("lsn"), oldKey.value(), record.key());
            Struct[] halves = new Struct[2]; // before, after
            boolean[] complete = new boolean[1];
            Struct mine = newKey != null ? before : after;
            pendingKeyChanges.compute(pair, (k, other) -> {
                if (other == null) {
                    return mine;
                }
                halves[0] = newKey != null ? mine : other;
                halves[1] = newKey != null ? other : mine;
                complete[0] = true;
                return null;
            });
            if (!complete[0]) {
                return null;
            }
            action = "U";
            before = halves[0];
            after = halves[1];
        }

        // An old row with values beyond the identity key the catalog knows means REPLICA IDENTITY became FULL since
        // the table was described: describe it again rather than drop what the old row says.
        if (before != null && !info.isFull() && hasValuesBeyond(before, info.identityKey())) {
            catalog.invalidate(schema, table);
            info = catalog.table(schema, table);
        }

        List<ColumnInfo> identityColumns = null;
        Struct identityRow = null;
        if ("U".equals(action) || "D".equals(action)) {
            List<ColumnInfo> keyColumns = info.isFull() ? info.columns() : columns(info, info.identityKey());
            if (before != null) {
                identityColumns = keyColumns;
                identityRow = before;
            } else if ("U".equals(action) && info.hasReplicaIdentity()) {
                identityColumns = keyColumns;
                identityRow = after;
            } else {
                // wal2json writes nothing for a change it cannot identify ("no tuple identifier"); pgoutput refuses
                // such UPDATE/DELETE at the source, so this is only reached with a publication without them.
                LOG.warn("No replica identity for {} in {}.{}: skipped, as wal2json does", action, schema, table);
                return null;
            }
        }

        // The key columns' values are noted as they are written (pk order): the partition key without a parse.
        List<ColumnInfo> pk = columns(info, info.primaryKey());
        RawValue[] newWritten = null;
        RawValue[] oldWritten = null;
        StringBuilder json = new StringBuilder(256);
        json.append("{\"action\":\"").append(action).append('"');
        appendTimestampAndLsn(json, source, true, "r".equals(op) ? record : null);
        json.append(",\"schema\":");
        JsonText.appendString(json, schema);
        json.append(",\"table\":");
        JsonText.appendString(json, table);
        if (after != null && !"D".equals(action)) {
            newWritten = new RawValue[pk.size()];
            json.append(",\"columns\":[");
            appendTuple(json, info.columns(), after, true, pk, newWritten);
            json.append(']');
        }
        if (identityColumns != null) {
            oldWritten = new RawValue[pk.size()];
            json.append(",\"identity\":[");
            appendTuple(json, identityColumns, identityRow, true, pk, oldWritten);
            json.append(']');
        }
        json.append(",\"pk\":[");
        appendTuple(json, pk, null, false, pk, null);
        json.append("]}");

        // As the wal2json source reads them: new values for I and U, old ones for D; a key column the array lacks
        // is NULL; an update's old key only when identity holds every key column.
        RawValue[] keyFrom = "D".equals(action) ? oldWritten : newWritten;
        List<RawValue> keyValues = keyFrom == null ? nulls(pk.size()) : orNull(keyFrom);
        List<RawValue> oldKeyValues = "U".equals(action) && oldWritten != null && !Arrays.asList(oldWritten).contains(null)
                ? List.of(oldWritten) : null;
        return newRecord(record, topicPrefix + "." + schema + "." + table, KeyedEnvelope.rowChange(json.toString(),
                action, schema, table, pk.stream().map(ColumnInfo::name).toList(), keyValues, oldKeyValues));
    }

    private R truncate(R record, Struct source) {
        String schema = source.getString("schema");
        String table = source.getString("table");
        StringBuilder json = new StringBuilder(128);
        json.append("{\"action\":\"T\"");
        appendTimestampAndLsn(json, source, true, null);
        json.append(",\"schema\":");
        JsonText.appendString(json, schema);
        json.append(",\"table\":");
        JsonText.appendString(json, table);
        json.append('}');
        return newRecord(record, topicPrefix + "." + schema + "." + table,
                KeyedEnvelope.truncate(json.toString(), schema, table));
    }

    private R message(R record, Struct value, Struct source) {
        Struct message = value.getStruct("message");
        String prefix = message.getString("prefix");
        Object raw = message.get("content");
        byte[] content = raw instanceof ByteBuffer b ? bytes(b) : raw == null ? new byte[0] : (byte[]) raw;
        int nul = 0;
        while (nul < content.length && content[nul] != 0) {
            nul++; // wal2json copies the content as a C string: it ends at the first NUL byte
        }
        // Debezium drops the xid of a non-transactional message (PgOutputMessageDecoder): that is the only trace
        // of the flag in the event.
        boolean transactional = source.get("txId") != null;
        StringBuilder json = new StringBuilder(128);
        json.append("{\"action\":\"M\"");
        appendTimestampAndLsn(json, source, transactional, null);
        json.append(",\"transactional\":").append(transactional);
        json.append(",\"prefix\":");
        JsonText.appendString(json, prefix);
        json.append(",\"content\":");
        JsonText.appendString(json, new String(content, 0, nul, StandardCharsets.UTF_8));
        json.append('}');
        return newRecord(record, topicPrefix + ".messages",
                KeyedEnvelope.message(json.toString(), prefix, transactional));
    }

    /**
     * @param snapshotRead for a snapshot row, the record: an incremental-snapshot row has no source.lsn, and its
     *                     envelope then gets the stream position its chunk was read at (the offset's lsn)
     */
    private void appendTimestampAndLsn(StringBuilder json, Struct source, boolean withTimestamp, R snapshotRead) {
        if (withTimestamp) {
            Object us = source.schema().field("ts_us") == null ? null : source.get("ts_us");
            if (!(us instanceof Long micros)) {
                throw new DataException("Debezium event without source.ts_us: the commit time cannot be known to the"
                        + " microsecond");
            }
            Instant commit = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
            json.append(",\"timestamp\":\"").append(PgValueText.timestamptz(commit, catalog.timeZone())).append('"');
        } else {
            json.append(",\"timestamp\":null");
        }
        Object lsn = source.get("lsn");
        if (lsn == null && snapshotRead != null && snapshotRead instanceof org.apache.kafka.connect.source.SourceRecord sr
                && sr.sourceOffset() != null) {
            lsn = sr.sourceOffset().get("lsn");
        }
        if (!(lsn instanceof Long l)) {
            throw new DataException("Debezium event without source.lsn");
        }
        json.append(",\"lsn\":\"").append(lsnText(l)).append('"');
    }

    /** PostgreSQL's pg_lsn text: two uppercase hex halves. */
    static String lsnText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /**
     * The table's description, reread whenever Debezium's schema for it changes (a column added, dropped or retyped),
     * and checked against the event: a column one side has and the other lacks is an error, never a guess.
     */
    private TableInfo describe(String schema, String table, Schema valueSchema, Schema keySchema) {
        String k = schema + "\u0000" + table;
        Schema rowSchema = valueSchema.field("after") != null ? valueSchema.field("after").schema() : null;
        SeenSchemas now = new SeenSchemas(rowSchema, keySchema);
        SeenSchemas previous = seenSchemas.put(k, now);
        if (previous != null && !previous.equals(now)) {
            catalog.invalidate(schema, table);
        }
        TableInfo info = catalog.table(schema, table);
        if (rowSchema != null && !matches(info, rowSchema)) {
            catalog.invalidate(schema, table);
            info = catalog.table(schema, table);
            if (!matches(info, rowSchema)) {
                throw new DataException("Columns of " + schema + "." + table + " in the event " + fieldNames(rowSchema)
                        + " differ from the catalog's " + info.columns().stream().map(ColumnInfo::name).toList()
                        + " (a column excluded with column.exclude.list, or the table altered since): the envelope"
                        + " would not be wal2json's");
            }
        }
        return info;
    }

    /**
     * Only nullable columns count: for a required column outside the key Debezium has to put some value into the
     * old row even when PostgreSQL sent only the key. This only triggers a re-read of the catalog, which decides.
     */
    private static boolean hasValuesBeyond(Struct row, List<String> key) {
        for (Field f : row.schema().fields()) {
            if (f.schema().isOptional() && !key.contains(f.name()) && row.get(f) != null) {
                return true;
            }
        }
        return false;
    }

    /** The event has the catalog's columns, but for generated ones, which pgoutput does not publish. */
    private static boolean matches(TableInfo info, Schema rowSchema) {
        List<String> fields = fieldNames(rowSchema);
        return fields.equals(info.columns().stream()
                .filter(c -> !c.generated() || rowSchema.field(c.name()) != null)
                .map(ColumnInfo::name).toList());
    }

    private static List<String> fieldNames(Schema rowSchema) {
        return rowSchema.fields().stream().map(Field::name).toList();
    }

    private static List<ColumnInfo> columns(TableInfo info, List<String> names) {
        Map<String, ColumnInfo> byName = info.byName();
        List<ColumnInfo> out = new ArrayList<>(names.size());
        for (String n : names) {
            out.add(byName.get(n));
        }
        return out;
    }

    /**
     * Writes {"name":..,"type":..[,"value":..]} for each column, skipping unchanged TOAST values as wal2json does;
     * notes the value written for each column of {@code pk} in {@code keyOut} (when given), at its pk position.
     */
    private void appendTuple(StringBuilder json, List<ColumnInfo> columns, Struct row, boolean withValues,
                             List<ColumnInfo> pk, RawValue[] keyOut) {
        boolean first = true;
        for (ColumnInfo c : columns) {
            Object v = null;
            Schema fieldSchema = null;
            if (withValues) {
                Field f = row.schema().field(c.name());
                if (f == null && c.generated()) {
                    continue; // not published by pgoutput (docs/pgoutput.md, differences)
                }
                if (f == null) {
                    throw new DataException("Column " + c.name() + " missing from the event");
                }
                fieldSchema = f.schema();
                v = row.get(f);
                if (isUnchangedToast(v)) {
                    continue;
                }
            }
            if (!first) {
                json.append(',');
            }
            first = false;
            json.append("{\"name\":");
            JsonText.appendString(json, c.name());
            json.append(",\"type\":");
            appendType(json, c.typeName());
            if (withValues) {
                json.append(",\"value\":");
                RawValue raw = rawValue(c, values.text(c, fieldSchema, v));
                json.append(jsonValue(raw));
                if (keyOut != null) {
                    for (int k = 0; k < keyOut.length; k++) {
                        if (pk.get(k).name().equals(c.name())) {
                            keyOut[k] = raw;
                        }
                    }
                }
            }
            json.append('}');
        }
    }

    /** wal2json writes a type name that format_type already quoted ("MyType") as is, otherwise as a JSON string. */
    private static void appendType(StringBuilder json, String type) {
        if (type.length() > 1 && type.charAt(0) == '"' && type.charAt(type.length() - 1) != ']') {
            json.append(type);
        } else {
            JsonText.appendString(json, type);
        }
    }

    /** The JSON form wal2json chooses by the column's type oid. */
    static String jsonValue(ColumnInfo c, String text) {
        return jsonValue(rawValue(c, text));
    }

    private static String jsonValue(RawValue v) {
        return switch (v.kind()) {
            case NULL -> "null";
            case STRING -> JsonText.string(v.text());
            default -> v.text();
        };
    }

    /** The value as wal2json writes it for the column's type oid: what the envelope parser reads back. */
    static RawValue rawValue(ColumnInfo c, String text) {
        if (text == null) {
            return RawValue.NULL;
        }
        if (c.isJsonNumber()) {
            if (text.regionMatches(true, 0, "NaN", 0, 3) || text.regionMatches(true, 0, "Infinity", 0, 8)
                    || text.regionMatches(true, 0, "-Infinity", 0, 9)) {
                return RawValue.NULL;
            }
            for (int i = 0; i < text.length(); i++) {
                if ("0123456789+-eE.".indexOf(text.charAt(i)) < 0) {
                    throw new DataException(text + " is not a number (column " + c.name() + ")");
                }
            }
            return new RawValue(text, RawValue.Kind.NUMBER);
        }
        if (c.typeOid() == ColumnInfo.BOOL) {
            return new RawValue("t".equals(text) ? "true" : "false", RawValue.Kind.BOOLEAN);
        }
        if (c.typeOid() == ColumnInfo.BYTEA) {
            return new RawValue(text.substring(2), RawValue.Kind.STRING);
        }
        return new RawValue(text, RawValue.Kind.STRING);
    }

    private static List<RawValue> nulls(int n) {
        return java.util.Collections.nCopies(n, RawValue.NULL);
    }

    /** The noted values, NULL where the array had no such key column. */
    private static List<RawValue> orNull(RawValue[] noted) {
        RawValue[] out = noted.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null) {
                out[i] = RawValue.NULL;
            }
        }
        return List.of(out);
    }

    private boolean isUnchangedToast(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof String s) {
            return s.equals(placeholder);
        }
        if (v instanceof byte[] b) {
            return Arrays.equals(b, placeholderBytes);
        }
        if (v instanceof ByteBuffer b) {
            return Arrays.equals(bytes(b), placeholderBytes);
        }
        if (v instanceof List<?> list) {
            if (list.size() == 1) {
                Object only = list.get(0);
                return placeholder.equals(only) || (only instanceof byte[] b && Arrays.equals(b, placeholderBytes))
                        || (only instanceof ByteBuffer bb && Arrays.equals(bytes(bb), placeholderBytes));
            }
            if (list.size() == placeholderBytes.length && !list.isEmpty() && list.get(0) instanceof Number) {
                for (int i = 0; i < list.size(); i++) {
                    if (!(list.get(i) instanceof Number n) || n.longValue() != placeholderBytes[i]) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The key is the wal2json source's: PartitionKey of the envelope just written (docs/envelope.md). */
    private R newRecord(R record, String topic, KeyedEnvelope envelope) {
        R out = record.newRecord(topic, null, Schema.STRING_SCHEMA, envelope.partitionKey(), Schema.STRING_SCHEMA,
                envelope.json(), record.timestamp());
        if (envelope.previousPartitionKey() != null) {
            // As the wal2json source: the old key too, so the writer orders the update against both keys.
            out.headers().addString(PartitionKey.PREVIOUS_KEY_HEADER, envelope.previousPartitionKey());
        }
        return out;
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public void close() {
        if (catalog != null) {
            catalog.close();
        }
    }
}
