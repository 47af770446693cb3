package io.cdclr.connector.envelope;

import java.util.List;

/**
 * An envelope as its writer made it (the pgoutput mapping, a snapshot row), with the partition keys the wal2json
 * source gives the same text ({@link PartitionKey#of}, {@link PartitionKey#previous}). The writer knows the fields
 * the key is made of while it writes them, so the text need not be parsed again to route it.
 *
 * @param json                 the wal2json format-version 2 text
 * @param partitionKey         {@link PartitionKey#of} the envelope
 * @param previousPartitionKey for an update that changes its primary key, the row's key before it
 *                             ({@link PartitionKey#previous}); null otherwise
 */
public record KeyedEnvelope(String json, String partitionKey, String previousPartitionKey) {

    /**
     * An I, U or D as written.
     *
     * @param schema       the {@code schema} member, null when it is not written
     * @param pkNames      the names in the {@code pk} member, in order; empty when it is absent
     * @param keyValues    the key columns' values as written, in {@code pk} order, from {@code columns} (I, U) or
     *                     {@code identity} (D), {@link RawValue#NULL} for a key column the array lacks; empty when
     *                     {@code pkNames} is
     * @param oldKeyValues for a U, the key columns' values in {@code identity} (pk order), or null when it is absent
     *                     or lacks a key column (the old key is unknown); null for I and D
     */
    public static KeyedEnvelope rowChange(String json, String action, String schema, String table, List<String> pkNames,
                                          List<RawValue> keyValues, List<RawValue> oldKeyValues) {
        List<RawValue> previous = List.of();
        if ("U".equals(action) && oldKeyValues != null && !pkNames.isEmpty()) {
            for (int i = 0; i < oldKeyValues.size(); i++) {
                if (!PartitionKey.value(oldKeyValues.get(i)).equals(PartitionKey.value(keyValues.get(i)))) {
                    previous = oldKeyValues;
                    break;
                }
            }
        }
        return of(json, new Envelope(action, schema, table, null, null, null, false, pkNames, keyValues, previous));
    }

    /** A T as written. */
    public static KeyedEnvelope truncate(String json, String schema, String table) {
        return of(json, new Envelope("T", schema, table, null, null, null, false, List.of(), List.of()));
    }

    /** An M as written. */
    public static KeyedEnvelope message(String json, String prefix, boolean transactional) {
        return of(json, new Envelope("M", null, null, null, null, prefix, transactional, List.of(), List.of()));
    }

    private static KeyedEnvelope of(String json, Envelope fields) {
        return new KeyedEnvelope(json, PartitionKey.of(fields), PartitionKey.previous(fields));
    }
}
