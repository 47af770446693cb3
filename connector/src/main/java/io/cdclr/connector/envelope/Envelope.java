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
 * @param previousKeyValues for a U that changes the primary key (issue 19), the old primary-key values (from
 *                    {@code identity}, in pk order); empty for every other change. An update changes its key when
 *                    {@code identity} holds every primary-key column and at least one of them differs from
 *                    {@code columns} so that the partition key differs ({@link PartitionKey#previous}). Under
 *                    REPLICA IDENTITY FULL {@code identity} holds all columns: only the key columns are compared.
 *                    When {@code identity} lacks a key column (REPLICA IDENTITY NOTHING, or an index without it)
 *                    the old key is unknown and the change counts as no key change.
 *
 * <p>The lists are kept as given, not copied (this is on the path of every change): {@link EnvelopeParser}
 * hands over unmodifiable ones.
 */
public record Envelope(String action, String schema, String table, String lsn, String nextLsn,
                       String prefix, boolean transactional, List<String> pkNames, List<RawValue> keyValues,
                       List<RawValue> previousKeyValues) {

    public Envelope {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(pkNames, "pkNames");
        Objects.requireNonNull(keyValues, "keyValues");
        if (!keyValues.isEmpty() && keyValues.size() != pkNames.size()) {
            throw new IllegalArgumentException(keyValues.size() + " key values for " + pkNames.size() + " key columns");
        }
        Objects.requireNonNull(previousKeyValues, "previousKeyValues");
        if (!previousKeyValues.isEmpty() && previousKeyValues.size() != pkNames.size()) {
            throw new IllegalArgumentException(previousKeyValues.size() + " previous key values for " + pkNames.size()
                    + " key columns");
        }
    }

    /** A change that is no key change. */
    public Envelope(String action, String schema, String table, String lsn, String nextLsn,
                    String prefix, boolean transactional, List<String> pkNames, List<RawValue> keyValues) {
        this(action, schema, table, lsn, nextLsn, prefix, transactional, pkNames, keyValues, List.of());
    }

    /** An update that moved its row to another primary key: it is ordered against both keys. */
    public boolean isKeyChange() {
        return !previousKeyValues.isEmpty();
    }

    public boolean isTransactionBoundary() {
        return "B".equals(action) || "C".equals(action);
    }

    public boolean isRowChange() {
        return "I".equals(action) || "U".equals(action) || "D".equals(action);
    }
}
