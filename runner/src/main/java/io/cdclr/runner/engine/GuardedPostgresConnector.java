package io.cdclr.runner.engine;

import io.cdclr.connector.replication.SlotLostException;
import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.PostgresConnector;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.connector.postgresql.PostgresConnectorTask;
import io.debezium.connector.postgresql.PostgresOffsetContext;
import io.debezium.connector.postgresql.PostgresPartition;
import io.debezium.connector.postgresql.PostgresSchema;
import io.debezium.connector.postgresql.connection.Lsn;
import io.debezium.connector.postgresql.connection.PostgresConnection;
import io.debezium.connector.postgresql.connection.ReplicationConnection;
import io.debezium.connector.postgresql.connection.ReplicationStream;
import io.debezium.connector.postgresql.connection.WalPositionLocator;
import io.debezium.connector.postgresql.spi.SlotCreationResult;
import io.debezium.pipeline.ChangeEventSourceCoordinator;
import java.lang.reflect.Field;
import java.sql.SQLException;
import java.util.Optional;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.RetriableException;

/**
 * Debezium's PostgresConnector (3.6.1.Final) with the {@link SlotGuard} in front of every slot creation. Debezium
 * creates a missing slot in two places, both on every (re)start of its task after a retriable error (a terminated
 * walsender is one): {@code PostgresConnectorTask.tryToCreateSlot} (through {@link ReplicationConnection}, when the
 * slot was missing at task start) and {@code PostgresReplicationConnection.initReplicationSlot} (inside
 * {@code startStreaming}, when it is missing by then). Its own log-position check only runs with a stored offset and
 * ends in a generic error (or, with snapshot.mode=when_needed, a new snapshot that cannot show what was deleted).
 *
 * <p>So: the task checks the slot before it starts; the replication connection refuses to create a slot once
 * creating is not allowed, checks again just before streaming, and, because a drop can still land between that check
 * and Debezium's own look-up a few milliseconds later, looks afterwards whether Debezium created the slot inside
 * {@code startStreaming}: if so the new slot is dropped again and the task fails with {@link SlotLostException}. No
 * start after streaming began, or with an offset stored, can stream from a re-created slot.
 */
public class GuardedPostgresConnector extends PostgresConnector {
    @Override
    public Class<? extends Task> taskClass() {
        return GuardedTask.class;
    }

    /** Debezium's task with the slot guard before each (re)start. */
    public static class GuardedTask extends PostgresConnectorTask {
        private volatile SlotGuard guard;

        @Override
        public ChangeEventSourceCoordinator<PostgresPartition, PostgresOffsetContext> start(Configuration config) {
            guard = SlotGuard.of(config.getString(SlotGuard.PROPERTY));
            check(guard);
            try {
                return super.start(config);
            } catch (RuntimeException e) {
                // Debezium's own log-position check fails when the slot vanished just now: say what it means.
                if (SlotLostException.find(e) == null) {
                    try {
                        guard.check();
                    } catch (SlotLostException lost) {
                        lost.addSuppressed(e);
                        throw lost;
                    } catch (SQLException ignored) {
                        // the original error says more
                    }
                }
                throw e;
            }
        }

        @Override
        protected ReplicationConnection buildReplicationConnection(PostgresConnection jdbcConnection, PostgresSchema schema,
                                                                   PostgresConnectorConfig connectorConfig) throws SQLException {
            return new GuardedConnection(super.buildReplicationConnection(jdbcConnection, schema, connectorConfig), guard);
        }
    }

    /** A slot that cannot be read is not assumed present or absent: Debezium retries the start later. */
    static void check(SlotGuard guard) {
        try {
            guard.check();
        } catch (SQLException e) {
            throw new RetriableException("Cannot read replication slot '" + guard.slot() + "': " + e.getMessage(), e);
        }
    }

    /** Debezium's replication connection, refusing and detecting slot creation the guard does not allow. */
    static final class GuardedConnection implements ReplicationConnection {
        private static final Field SLOT_CREATION_INFO = creationField();
        private final ReplicationConnection delegate;
        private final SlotGuard guard;
        /** What the one creation the guard allowed returned (a first start), to tell it from a later one. */
        private volatile SlotCreationResult allowed;

        GuardedConnection(ReplicationConnection delegate, SlotGuard guard) {
            this.delegate = delegate;
            this.guard = guard;
        }

        @Override
        public Optional<SlotCreationResult> createReplicationSlot() throws SQLException {
            if (!guard.mayCreate()) {
                throw guard.missing();
            }
            Optional<SlotCreationResult> created = delegate.createReplicationSlot();
            allowed = created.orElse(null);
            guard.exists();
            return created;
        }

        @Override
        public ReplicationStream startStreaming(WalPositionLocator walPosition) throws SQLException, InterruptedException {
            boolean mayCreate = checked();
            return streaming(delegate.startStreaming(walPosition), mayCreate);
        }

        @Override
        public ReplicationStream startStreaming(Lsn offset, WalPositionLocator walPosition) throws SQLException, InterruptedException {
            boolean mayCreate = checked();
            return streaming(delegate.startStreaming(offset, walPosition), mayCreate);
        }

        @Override
        public void initConnection() throws SQLException, InterruptedException {
            boolean mayCreate = checked();
            delegate.initConnection();
            refuseCreated(null, mayCreate);
        }

        /** Checks the slot; returns whether a slot may still be created (never, once it has been seen). */
        private boolean checked() {
            check(guard);
            return guard.mayCreate();
        }

        private ReplicationStream streaming(ReplicationStream stream, boolean mayCreate) throws SQLException {
            refuseCreated(stream, mayCreate);
            guard.exists();
            return stream;
        }

        /** Debezium created the slot inside the call although it may not (it vanished after the check): undo, stop. */
        private void refuseCreated(ReplicationStream stream, boolean mayCreate) throws SQLException {
            Object created = creationInfo();
            if (mayCreate || created == null || created == allowed) {
                return;
            }
            SlotLostException lost = guard.missing();
            try {
                if (stream != null) {
                    stream.close();
                }
                delegate.close();
            } catch (Exception e) {
                lost.addSuppressed(e);
            }
            guard.dropRecreated();
            throw lost;
        }

        private Object creationInfo() {
            try {
                return SLOT_CREATION_INFO.get(delegate);
            } catch (IllegalAccessException | IllegalArgumentException e) {
                throw new IllegalStateException("cannot tell whether Debezium created replication slot '" + guard.slot()
                        + "': " + e.getMessage(), e);
            }
        }

        private static Field creationField() {
            try {
                // Set by PostgresReplicationConnection.createReplicationSlot(), its internal calls included.
                Field f = Class.forName("io.debezium.connector.postgresql.connection.PostgresReplicationConnection")
                        .getDeclaredField("slotCreationInfo");
                f.setAccessible(true);
                return f;
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Another Debezium version: refuse to run rather than run without the guard.
                throw new IllegalStateException("Debezium's PostgresReplicationConnection has no field slotCreationInfo"
                        + " (the runner's slot guard is written for Debezium 3.6.1.Final): " + e, e);
            }
        }

        @Override
        public boolean isConnected() throws SQLException {
            return delegate.isConnected();
        }

        @Override
        public void reconnect() throws SQLException {
            delegate.reconnect();
        }

        @Override
        public void close() throws Exception {
            delegate.close();
        }
    }
}
