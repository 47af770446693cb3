package io.cdclr.connector.replication;

/**
 * A logical replication slot as {@code pg_replication_slots} shows it.
 *
 * @param confirmedFlushLsn the slot's confirmed_flush_lsn ({@link Lsn#INVALID} when null)
 * @param activePid         pid of the session streaming from it, or null when inactive
 * @param activeApplication application_name of that session, or null
 * @param walStatus         pg_replication_slots.wal_status (reserved, extended, unreserved, lost; PostgreSQL 13+),
 *                          or null where the server does not report it
 */
public record SlotState(String name, String plugin, String slotType, String database, boolean active,
                        Integer activePid, String activeApplication, Lsn confirmedFlushLsn,
                        String walStatus) {
    /** wal_status 'lost': the server removed WAL the slot needs; it can never stream again. */
    public boolean lost() {
        return "lost".equals(walStatus);
    }
}
