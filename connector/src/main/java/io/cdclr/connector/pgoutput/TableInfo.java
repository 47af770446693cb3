package io.cdclr.connector.pgoutput;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A captured table as wal2json sees it when it decodes a change: its columns in {@code attnum} order, its primary
 * key, and its replica identity.
 *
 * @param schema           schema name
 * @param table            table name
 * @param columns          live columns in {@code attnum} order
 * @param primaryKey       primary-key column names in {@code attnum} order (wal2json's order), empty without one
 * @param replicaIdentity  {@code pg_class.relreplident}: {@code d} default, {@code n} nothing, {@code f} full,
 *                         {@code i} index
 * @param identityKey      the replica identity's key columns in {@code attnum} order: the primary key (default),
 *                         the index's columns (index), empty otherwise
 */
record TableInfo(String schema, String table, List<ColumnInfo> columns, List<String> primaryKey,
                 char replicaIdentity, List<String> identityKey) {

    TableInfo {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        identityKey = List.copyOf(identityKey);
    }

    Map<String, ColumnInfo> byName() {
        return columns.stream().collect(Collectors.toMap(ColumnInfo::name, Function.identity()));
    }

    boolean isFull() {
        return replicaIdentity == 'f';
    }

    /** wal2json can identify an old row without an old tuple (rd_pkindex or rd_replidindex is set). */
    boolean hasKeyForIdentity() {
        return !primaryKey.isEmpty() || replicaIdentity == 'i';
    }

    /** wal2json skips UPDATE and DELETE without old tuple when there's neither identity index nor FULL. */
    boolean hasReplicaIdentity() {
        return replicaIdentity == 'f' || !identityKey.isEmpty();
    }
}
