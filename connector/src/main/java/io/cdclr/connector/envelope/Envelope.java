package io.cdclr.connector.envelope;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One wal2json format-version 2 message as received: the JSON text exactly as wal2json emitted it,
 * plus the few fields the pipeline needs to route it (action, table, primary key). Parsing never
 * changes {@link #json()}: numbers and strings reach the consumer verbatim.
 *
 * @param json        the message text, verbatim
 * @param action      {@code B}, {@code C}, {@code I}, {@code U}, {@code D}, {@code T} or {@code M}
 * @param schema      the table's schema, or null (B, C, M)
 * @param table       the table name, or null (B, C, M)
 * @param lsn         the {@code lsn} field as text (e.g. {@code 0/16B3748}), or null when absent
 * @param nextLsn     the {@code nextlsn} field as text (B, C), or null
 * @param prefix      the message prefix (M), or null
 * @param transactional the {@code transactional} flag of an M message; false for other actions
 * @param pkNames     names of the primary-key columns (from {@code pk}), empty when absent
 * @param columns     column name to raw JSON value text (from {@code columns}), for I and U
 * @param identity    column name to raw JSON value text (from {@code identity}), for U and D
 *
 * <p>The collections are kept as given, not copied (this is on the path of every change): {@link EnvelopeParser}
 * hands over unmodifiable ones.
 */
public record Envelope(String json, String action, String schema, String table, String lsn, String nextLsn,
                       String prefix, boolean transactional, List<String> pkNames,
                       Map<String, RawValue> columns, Map<String, RawValue> identity) {

    public Envelope {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(pkNames, "pkNames");
        Objects.requireNonNull(columns, "columns");
        Objects.requireNonNull(identity, "identity");
    }

    public boolean isTransactionBoundary() {
        return "B".equals(action) || "C".equals(action);
    }

    public boolean isRowChange() {
        return "I".equals(action) || "U".equals(action) || "D".equals(action);
    }
}
