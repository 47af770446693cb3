package io.cdclr.runner.engine;

import io.cdclr.connector.replication.Lsn;
import io.cdclr.connector.replication.ReplicationSlots;
import io.cdclr.connector.replication.SlotLostException;
import io.cdclr.connector.replication.SlotState;
import io.cdclr.runner.config.PostgresConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slot rule of issue 19 for decoder=pgoutput, where Debezium's PostgresConnector, not our connector, owns the
 * slot: Debezium creates a missing slot on every (re)start of its task, so a slot dropped mid-run (operator DROP, a
 * failover without failover slots) or while the runner was down would be re-created and every change in between
 * silently skipped. The guard says no: once an offset is stored, or once this runner has streamed, a missing slot or
 * one with {@code wal_status = 'lost'} is a {@link SlotLostException} (exit 4), never a new slot.
 *
 * <p>It is consulted before the engine starts ({@link Pipeline}), before every start of Debezium's task and around
 * every replication connection the task opens ({@link GuardedPostgresConnector}). The task finds it through the
 * engine property {@link #PROPERTY} (the engine instantiates the task by class, so it cannot be handed over).
 */
public final class SlotGuard {
    private static final Logger LOG = LoggerFactory.getLogger(SlotGuard.class);
    /** Engine property naming the guard of the pipeline that hosts the task. */
    public static final String PROPERTY = "cdclr.slot.guard.id";
    private static final Map<String, SlotGuard> GUARDS = new ConcurrentHashMap<>();

    private final PostgresConnections connections;
    private final String slot;
    private final String database;
    private final String id = UUID.randomUUID().toString();
    private volatile boolean mayCreate;
    private volatile Lsn lastConfirmed;

    /**
     * @param mayCreate     whether a missing slot may be created: only on a first start (no stored offset); false
     *                      from the moment the slot has been seen or created
     * @param lastConfirmed the stored offset's position, for the message
     */
    public SlotGuard(PostgresConnections connections, String slot, String database, boolean mayCreate, Lsn lastConfirmed) {
        this.connections = connections;
        this.slot = slot;
        this.database = database;
        this.mayCreate = mayCreate;
        this.lastConfirmed = lastConfirmed == null ? Lsn.INVALID : lastConfirmed;
    }

    /** Makes the guard findable by the task; returns its id for {@link #PROPERTY}. */
    public String register() {
        GUARDS.put(id, this);
        return id;
    }

    public void unregister() {
        GUARDS.remove(id);
    }

    static SlotGuard of(String id) {
        SlotGuard guard = id == null ? null : GUARDS.get(id);
        if (guard == null) {
            // Only the runner's Pipeline configures the guarded connector; without a guard it must not run at all.
            throw new IllegalStateException(GuardedPostgresConnector.class.getSimpleName() + " needs " + PROPERTY
                    + " naming a registered slot guard (got '" + id + "')");
        }
        return guard;
    }

    public String slot() {
        return slot;
    }

    public boolean mayCreate() {
        return mayCreate;
    }

    /**
     * The slot exists (seen, or just created by Debezium on a first start): from now on it holds this runner's
     * position, and if it disappears it was dropped, so it is never created again by this runner.
     */
    void exists() {
        if (mayCreate) {
            mayCreate = false;
            LOG.debug("event=slot_guard_armed slot={}", slot);
        }
    }

    /**
     * Throws when the slot is missing although it may not be created, or has been invalidated.
     *
     * @throws SlotLostException the slot is gone or lost
     * @throws SQLException      the slot could not be read (the caller retries or fails, it never assumes)
     */
    public void check() throws SQLException {
        try (Connection c = connections.open()) {
            SlotState state = ReplicationSlots.find(c, slot).orElse(null);
            if (state == null) {
                if (!mayCreate) {
                    throw missing();
                }
                return;
            }
            exists();
            lastConfirmed = Lsn.max(lastConfirmed, state.confirmedFlushLsn());
            if (state.lost()) {
                throw new SlotLostException(slot, "has been invalidated by the server (wal_status 'lost': WAL it"
                        + " needed was removed, e.g. past max_slot_wal_keep_size)", lastConfirmed);
            }
        }
    }

    /** The loss of a slot that is gone, worded as the wal2json connector words it (ReplicationSlots). */
    public SlotLostException missing() {
        return new SlotLostException(slot, "does not exist in database '" + database + "' although this connector"
                + " has a position in it (dropped, or a failover to a server without it)", lastConfirmed);
    }

    /**
     * Drops the slot Debezium created against the rule (a drop that raced the guard's check, see
     * {@link GuardedPostgresConnector}), so the next start finds it missing again and stops, instead of streaming
     * from a fresh slot past the gap. Best effort, a few seconds: the walsender that held it may still be exiting.
     */
    void dropRecreated() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (Connection c = connections.open()) {
                if (ReplicationSlots.dropIfInactive(c, slot)) {
                    LOG.error("event=slot_recreated_dropped slot={} note=\"Debezium re-created the lost slot; it was"
                            + " dropped again so that no start streams past the gap\"", slot);
                    return;
                }
            } catch (SQLException e) {
                LOG.warn("event=slot_recreated_drop_failed slot={} error=\"{}\"", slot, e.getMessage());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.error("event=slot_recreated_not_dropped slot={} note=\"drop it before starting again: its position is"
                + " not this runner's\"", slot);
    }
}
