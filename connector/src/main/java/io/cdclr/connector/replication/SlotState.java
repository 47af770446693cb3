package io.cdclr.connector.replication;

/**
 * A logical replication slot as {@code pg_replication_slots} shows it.
 *
 * @param confirmedFlushLsn the slot's confirmed_flush_lsn ({@link Lsn#INVALID} when null)
 * @param activePid         pid of the session streaming from it, or null when inactive
 * @param activeApplication application_name of that session, or null
 */
public record SlotState(String name, String plugin, String slotType, String database, boolean active,
                        Integer activePid, String activeApplication, Lsn confirmedFlushLsn) {
}
