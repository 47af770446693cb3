package io.cdclr.connector.replication;

/**
 * A replication slot as {@code pg_replication_slots} shows it, read by {@link ReplicationSlots} for the connector, the
 * runner's slot guard, lag probe, preflight and reset alike.
 *
 * @param confirmedFlushLsn the slot's confirmed_flush_lsn ({@link Lsn#INVALID} when null)
 * @param activePid         pid of the session streaming from it, or null when inactive
 * @param activeApplication application_name of that session, or null
 * @param walStatus         pg_replication_slots.wal_status (reserved, extended, unreserved, lost; PostgreSQL 13+),
 *                          or null where the server does not report it
 * @param restartLsn        the slot's restart_lsn ({@link Lsn#INVALID} when null)
 * @param conflicting       pg_replication_slots.conflicting (PostgreSQL 16+: invalidated on a standby); false where
 *                          the server does not report it
 * @param safeWalSize       safe_wal_size in bytes (PostgreSQL 13+), null when unlimited or not reported
 * @param unconfirmedBytes  WAL written since confirmed_flush_lsn (the slot's lag), in bytes; null when unknown or
 *                          not read ({@link ReplicationSlots#findWithWal})
 * @param retainedBytes     WAL the slot retains (since restart_lsn), in bytes; null when unknown or not read
 */
public record SlotState(String name, String plugin, String slotType, String database, boolean active,
                        Integer activePid, String activeApplication, Lsn confirmedFlushLsn,
                        String walStatus, Lsn restartLsn, boolean conflicting, Long safeWalSize,
                        Long unconfirmedBytes, Long retainedBytes) {
    /** wal_status 'lost': the server removed WAL the slot needs; it can never stream again. */
    public boolean lost() {
        return "lost".equals(walStatus);
    }

    /** Lost, or invalidated as conflicting: the slot can never stream again. */
    public boolean invalid() {
        return lost() || conflicting;
    }
}
