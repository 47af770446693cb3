package io.cdclr.connector.snapshot;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import io.cdclr.connector.envelope.JsonText;
import io.cdclr.connector.envelope.KeyedEnvelope;
import io.cdclr.connector.envelope.RawValue;

/**
 * Writes a snapshot row as the JSON wal2json format-version 2 emits for an {@code INSERT} of that row, under the
 * connector's wal2json options: the same members in the same order ({@code action}, {@code xid},
 * {@code timestamp}, {@code origin}, {@code lsn}, {@code schema}, {@code table}, {@code columns}, {@code pk}),
 * the same type names, and each value in the same JSON form (wal2json's {@code pg_decode_write_tuple} and
 * {@code pg_decode_write_value}), followed by one more member, the marker {@code "snapshot":"<id>"}.
 *
 * <p>{@code lsn} and {@code timestamp} are the caller's (the stream position the row is emitted at); a member is
 * written only when its option is on and the value is not null. A snapshot row belongs to no decoded transaction:
 * with include-xids=1 there is no {@code xid} member; with include-origin=1 {@code origin} is 0 (a local change).
 *
 * <p>The row must come from a query whose first columns are {@link TableShape#selectList()}, on a connection
 * prepared with {@link TableShape#prepareSession}. Immutable once built: one writer per table may be shared.
 */
public final class RowEnvelopeWriter {
    private final TableShape shape;
    private final Options options;
    /** Per column: {@code {"name":..,"type":..,"typeoid":..,"value":} (with a leading comma after the first). */
    private final String[] valuePrefix;
    /** Per column: {@code ,"optional":..,"position":..,"default":..}} */
    private final String[] valueSuffix;
    private final int[] jsonForm;
    /** {@code ,"schema":..,"table":..,"columns":[} */
    private final String tableMembers;
    /** {@code ],"pk":[...]} or {@code ]} */
    private final String pkMembers;
    /** Positions (0-based) in {@link TableShape#columns()} of the primary key, in key order. */
    private final int[] keyIndexes;
    /** The names in the written {@code pk} member (empty without include-pk), and their positions in the columns. */
    private final List<String> pkNames;
    private final int[] pkIndexes;
    /** The {@code schema} member's value, null when it is not written. */
    private final String schemaMember;

    static final int FORM_STRING = 0;
    static final int FORM_NUMBER = 1;
    static final int FORM_BOOL = 2;
    static final int FORM_BYTEA = 3;

    /**
     * @param shape           the table
     * @param wal2jsonOptions the connector's effective wal2json options (Wal2JsonSourceConfig#wal2jsonOptions);
     *                        an option absent takes wal2json's default
     * @throws IllegalArgumentException when an option's value is not a boolean wal2json would accept
     */
    public RowEnvelopeWriter(TableShape shape, Map<String, String> wal2jsonOptions) {
        this.shape = Objects.requireNonNull(shape, "shape");
        this.options = Options.of(wal2jsonOptions);
        List<TableShape.Column> columns = shape.columns();
        valuePrefix = new String[columns.size()];
        valueSuffix = new String[columns.size()];
        jsonForm = new int[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            TableShape.Column c = columns.get(i);
            StringBuilder p = new StringBuilder(64);
            if (i > 0) {
                p.append(',');
            }
            appendNameTypeOid(p, c);
            p.append(",\"value\":");
            valuePrefix[i] = p.toString();
            StringBuilder s = new StringBuilder(32);
            if (options.includeNotNull) {
                s.append(c.notNull() ? ",\"optional\":false" : ",\"optional\":true");
            }
            if (options.includeColumnPositions) {
                s.append(",\"position\":").append(c.attnum());
            }
            if (options.includeDefault) {
                // wal2json writes pg_get_expr's text between quotes without escaping it; so does this.
                if (c.defaultExpression() != null) {
                    s.append(",\"default\":\"").append(c.defaultExpression()).append('"');
                } else {
                    s.append(",\"default\":null");
                }
            }
            s.append('}');
            valueSuffix[i] = s.toString();
            jsonForm[i] = Wal2JsonValue.form(c.typeOid());
        }
        StringBuilder t = new StringBuilder(64);
        if (options.includeSchemas) {
            t.append(",\"schema\":");
            JsonText.appendString(t, shape.schema());
        }
        t.append(",\"table\":");
        JsonText.appendString(t, shape.table());
        t.append(",\"columns\":[");
        tableMembers = t.toString();
        StringBuilder pk = new StringBuilder(32).append(']');
        List<String> names = new ArrayList<>();
        if (options.includePk) {
            pk.append(",\"pk\":[");
            boolean first = true;
            for (TableShape.Column c : shape.wal2jsonPk()) {
                if (!first) {
                    pk.append(',');
                }
                first = false;
                appendNameTypeOid(pk, c);
                pk.append('}');
                names.add(c.name());
            }
            pk.append(']');
        }
        pkMembers = pk.toString();
        pkNames = List.copyOf(names);
        pkIndexes = new int[pkNames.size()];
        for (int k = 0; k < pkIndexes.length; k++) {
            pkIndexes[k] = lastIndexOf(columns, pkNames.get(k));
        }
        schemaMember = options.includeSchemas ? shape.schema() : null;
        keyIndexes = new int[shape.primaryKey().size()];
        for (int k = 0; k < keyIndexes.length; k++) {
            keyIndexes[k] = indexOf(columns, shape.primaryKey().get(k));
        }
    }

    private static int lastIndexOf(List<TableShape.Column> columns, String name) {
        for (int i = columns.size() - 1; i >= 0; i--) {
            if (columns.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(List<TableShape.Column> columns, String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("primary-key column " + name + " is not a column");
    }

    /** {@code {"name":..[,"type":..][,"typeoid":..]} without the closing brace. */
    private void appendNameTypeOid(StringBuilder out, TableShape.Column c) {
        out.append("{\"name\":");
        JsonText.appendString(out, c.name());
        if (options.includeTypes) {
            String type = options.includeDomainDataType && c.domainBaseTypeName() != null
                    ? c.domainBaseTypeName() : c.typeName();
            out.append(",\"type\":");
            // format_type already quoted an identifier that needs it ("MyType"): wal2json writes it as is, unless
            // it is an array type (the brackets are outside the quotes), which it escapes like any string.
            if (type.length() > 0 && type.charAt(0) == '"' && type.charAt(type.length() - 1) != ']') {
                out.append(type);
            } else {
                JsonText.appendString(out, type);
            }
        }
        if (options.includeTypeOids) {
            // wal2json prints the oid with %d: oids above 2^31 come out negative, as here.
            out.append(",\"typeoid\":").append((int) c.typeOid());
        }
    }

    public TableShape shape() {
        return shape;
    }

    /**
     * The envelope of the current row of {@code row}, with its partition key (that of the values as written, as the
     * wal2json source would read them).
     *
     * @param lsn        the {@code "lsn"} member's value (e.g. {@code "0/16B3748"}), or null for none
     * @param timestamp  the {@code "timestamp"} member's value as wal2json writes it, or null for none
     * @param snapshotId the marker's value
     */
    public KeyedEnvelope envelope(ResultSet row, String lsn, String timestamp, String snapshotId) throws SQLException {
        Objects.requireNonNull(snapshotId, "snapshotId");
        StringBuilder json = new StringBuilder(256);
        json.append("{\"action\":\"I\"");
        if (options.includeTimestamp && timestamp != null) {
            json.append(",\"timestamp\":");
            JsonText.appendString(json, timestamp);
        }
        if (options.includeOrigin) {
            json.append(",\"origin\":0");
        }
        if (options.includeLsn && lsn != null) {
            json.append(",\"lsn\":");
            JsonText.appendString(json, lsn);
        }
        json.append(tableMembers);
        String[] texts = new String[valuePrefix.length];
        for (int i = 0; i < valuePrefix.length; i++) {
            json.append(valuePrefix[i]);
            texts[i] = row.getString(i + 1);
            Wal2JsonValue.append(json, texts[i], jsonForm[i], options.numericAsString,
                    shape.columns().get(i).name());
            json.append(valueSuffix[i]);
        }
        json.append(pkMembers);
        json.append(",\"snapshot\":");
        JsonText.appendString(json, snapshotId);
        json.append('}');
        RawValue[] key = new RawValue[pkIndexes.length];
        for (int k = 0; k < key.length; k++) {
            int i = pkIndexes[k];
            key[k] = i < 0 ? RawValue.NULL : Wal2JsonValue.raw(texts[i], jsonForm[i], options.numericAsString);
        }
        return KeyedEnvelope.rowChange(json.toString(), "I", schemaMember, shape.table(), pkNames, List.of(key), null);
    }

    /** The primary-key values of the current row as text (output-function text), in {@link TableShape#primaryKey()} order. */
    public List<String> keyValues(ResultSet row) throws SQLException {
        List<String> values = new ArrayList<>(keyIndexes.length);
        for (int index : keyIndexes) {
            values.add(row.getString(index + 1));
        }
        return values;
    }

    /** The wal2json options that shape an INSERT, with wal2json's defaults for those absent. */
    record Options(boolean includeTimestamp, boolean includeOrigin, boolean includeLsn, boolean includeSchemas,
                   boolean includeTypes, boolean includeTypeOids, boolean includeDomainDataType,
                   boolean includeNotNull, boolean includeColumnPositions, boolean includeDefault, boolean includePk,
                   boolean numericAsString) {

        static Options of(Map<String, String> o) {
            Objects.requireNonNull(o, "wal2jsonOptions");
            return new Options(bool(o, "include-timestamp", false), bool(o, "include-origin", false),
                    bool(o, "include-lsn", false), bool(o, "include-schemas", true), bool(o, "include-types", true),
                    bool(o, "include-type-oids", false), bool(o, "include-domain-data-type", false),
                    bool(o, "include-not-null", false), bool(o, "include-column-positions", false),
                    bool(o, "include-default", false), bool(o, "include-pk", false),
                    bool(o, "numeric-data-types-as-string", false));
        }

        /** PostgreSQL's parse_bool, as wal2json reads its options; an option given without a value means true. */
        static boolean bool(Map<String, String> o, String option, boolean dflt) {
            if (!o.containsKey(option)) {
                return dflt;
            }
            String v = o.get(option);
            if (v == null) {
                return true;
            }
            String s = v.trim().toLowerCase(Locale.ROOT);
            if (!s.isEmpty()) {
                if ("true".startsWith(s) || "yes".startsWith(s) || s.equals("1") || (s.length() >= 2 && "on".startsWith(s))) {
                    return true;
                }
                if ("false".startsWith(s) || "no".startsWith(s) || s.equals("0") || (s.length() >= 2 && "off".startsWith(s))) {
                    return false;
                }
            }
            throw new IllegalArgumentException("wal2json option " + option + "=" + v + " is not a boolean");
        }
    }
}
