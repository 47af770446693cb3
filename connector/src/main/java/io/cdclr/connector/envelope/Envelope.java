package io.cdclr.connector.envelope;

import java.util.List;
import java.util.Objects;

/**
 * The few fields of one wal2json format-version 2 message the pipeline needs to route it (action, table,
 * primary key). The message itself stays with the caller, text or bytes, exactly as wal2json emitted it: parsing
 * never changes it, so numbers and strings reach the consumer verbatim.
 *
 * @param action      {@code B}, {@code C}, {@code I}, {@code U}, {@code D}, {@code T} or {@code M}
 * @param schema      the table's schema, or null (B, C, M)
 * @param table       the table name, or null (B, C, M)
 * @param lsn         the {@code lsn} field as text (e.g. {@code 0/16B3748}), or null when absent
 * @param nextLsn     the {@code nextlsn} field as text (B, C), or null
 * @param prefix      the message prefix (M), or null
 * @param transactional the {@code transactional} flag of an M message; false for other actions
 * @param pkNames     names of the primary-key columns (from {@code pk}), empty when absent
 * @param keyValues   the primary-key columns' values, one per entry of {@code pkNames} and in that order: the new
 *                    values (from {@code columns}) for I and U, the old ones (from {@code identity}) for D,
 *                    {@link RawValue#NULL} for a key column that array lacks; empty when there is no primary key
 *                    and for B, C, M and T. Only these values are read: the other columns stay in the message.
 *
 * <p>The lists are kept as given, not copied (this is on the path of every change): {@link EnvelopeParser}
 * hands over unmodifiable ones.
 */
public record Envelope(String action, String schema, String table, String lsn, String nextLsn,
                       String prefix, boolean transactional, List<String> pkNames, List<RawValue> keyValues) {

    public Envelope {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(pkNames, "pkNames");
        Objects.requireNonNull(keyValues, "keyValues");
        if (!keyValues.isEmpty() && keyValues.size() != pkNames.size()) {
            throw new IllegalArgumentException(keyValues.size() + " key values for " + pkNames.size() + " key columns");
        }
    }

    public boolean isTransactionBoundary() {
        return "B".equals(action) || "C".equals(action);
    }

    public boolean isRowChange() {
        return "I".equals(action) || "U".equals(action) || "D".equals(action);
    }
}
