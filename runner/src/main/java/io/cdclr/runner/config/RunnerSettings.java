package io.cdclr.runner.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;

/** The runner's own keys: offsets, HTTP, shutdown. The connector and the writer declare theirs. */
public final class RunnerSettings extends AbstractConfig {
    public static final String NAME = "runner.name";
    public static final String OFFSET_STORAGE = "offset.storage";
    public static final String OFFSET_FILE = "offset.storage.file.filename";
    public static final String OFFSET_TABLE = "offset.storage.postgres.table";
    public static final String OFFSET_FLUSH_INTERVAL_MS = "offset.flush.interval.ms";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_BIND_ADDRESS = "http.bind.address";
    public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";
    public static final String SLOT_LAG_INTERVAL_MS = "slot.lag.interval.ms";
    public static final String SLOT_SAFE_WAL_SIZE_WARN_BYTES = "slot.safe.wal.size.warn.bytes";
    public static final String DATABASE_CONNECT_WAIT_MS = "database.connect.wait.ms";

    public static final String STORAGE_FILE = "file";
    public static final String STORAGE_POSTGRES = "postgres";
    /**
     * In schema cdc, not public: since PostgreSQL 15 only the owner may create in public, and bootstrap_db.sh grants
     * USAGE, CREATE on schema cdc (OFFSETS_SCHEMA) to the replication user.
     */
    public static final String DEFAULT_OFFSET_TABLE = "cdc.cdc_runner_offsets";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(NAME, Type.STRING, "cdc-runner", Importance.LOW,
                    "Name of this runner: the Debezium Engine's name and the key of its offsets in the offset store.")
            .define(OFFSET_STORAGE, Type.STRING, STORAGE_FILE, ValidString.in(STORAGE_FILE, STORAGE_POSTGRES),
                    Importance.HIGH,
                    "Where the engine stores the offset (the last delivered LSN): 'file' (a local file, "
                            + OFFSET_FILE + ") or 'postgres' (a table in the source database, "
                            + OFFSET_TABLE + ", for stateless containers).")
            .define(OFFSET_FILE, Type.STRING, "data/cdc-offsets.dat", Importance.MEDIUM,
                    "Offset file when " + OFFSET_STORAGE + "=file; its directory is created if missing.")
            .define(OFFSET_TABLE, Type.STRING, DEFAULT_OFFSET_TABLE, Importance.MEDIUM,
                    "Offset table when " + OFFSET_STORAGE + "=postgres (schema-qualified; created if missing, its "
                            + "schema too if the user may). The user needs USAGE and CREATE on its schema (the dev "
                            + "stack's bootstrap_db.sh grants both on schema cdc), or SELECT, INSERT, UPDATE on a table "
                            + "created beforehand; preflight checks this. Exclude it from capture with wal2json.filter-tables if the slot captures all tables.")
            .define(OFFSET_FLUSH_INTERVAL_MS, Type.LONG, 1000L, Range.atLeast(10), Importance.MEDIUM,
                    "How often delivered offsets are stored and then confirmed to the replication slot. Lower means "
                            + "fewer replayed changes after a crash and less retained WAL.")
            .define(HTTP_PORT, Type.INT, 8080, Range.between(0, 65535), Importance.MEDIUM,
                    "Port of the health and metrics HTTP server (0 picks a free port).")
            .define(HTTP_BIND_ADDRESS, Type.STRING, "127.0.0.1", Importance.MEDIUM,
                    "Address the HTTP server binds to; 0.0.0.0 in a container so probes can reach it.")
            .define(SHUTDOWN_TIMEOUT_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.MEDIUM,
                    "On SIGTERM: how long to wait for in-flight Kinesis writes before exiting. Nothing unwritten is "
                            + "ever confirmed; past this bound the runner exits and those changes are replayed.")
            .define(SLOT_LAG_INTERVAL_MS, Type.LONG, 10_000L, Range.atLeast(100), Importance.LOW,
                    "How often the slot lag metric is read from PostgreSQL.")
            .define(SLOT_SAFE_WAL_SIZE_WARN_BYTES, Type.LONG, 1L << 30, Range.atLeast(0), Importance.LOW,
                    "Log a warning (event=slot_safe_wal_size_low) when the slot's safe_wal_size, the WAL that can "
                            + "still be written before max_slot_wal_keep_size invalidates the slot, falls below this many "
                            + "bytes. Read every " + SLOT_LAG_INTERVAL_MS + "; no warning when max_slot_wal_keep_size is "
                            + "unlimited (safe_wal_size null). 0 turns the warning off.")
            .define(DATABASE_CONNECT_WAIT_MS, Type.LONG, 300_000L, Range.between(0L, 86_400_000L), Importance.MEDIUM,
                    "At start (run), how long to keep trying a database that cannot be reached (connection refused,"
                            + " timeout, unknown host, starting up, too many connections), with exponential backoff"
                            + " (1 s doubling to 10 s) and a warning per attempt; readiness stays off meanwhile. Past it"
                            + " the runner exits with code 5 (unreachable). Wrong credentials, an unknown database or a"
                            + " TLS failure are not waited for: exit 2 at once. 0: one attempt.");

    public RunnerSettings(Map<?, ?> originals) {
        super(CONFIG_DEF, originals, false);
    }

    public String name() {
        return getString(NAME);
    }

    public boolean offsetsInPostgres() {
        return STORAGE_POSTGRES.equals(getString(OFFSET_STORAGE));
    }

    public Path offsetFile() {
        return Path.of(getString(OFFSET_FILE));
    }

    public String offsetTable() {
        return getString(OFFSET_TABLE);
    }

    public long offsetFlushIntervalMs() {
        return getLong(OFFSET_FLUSH_INTERVAL_MS);
    }

    public int httpPort() {
        return getInt(HTTP_PORT);
    }

    public String httpBindAddress() {
        return getString(HTTP_BIND_ADDRESS);
    }

    public Duration shutdownTimeout() {
        return Duration.ofMillis(getLong(SHUTDOWN_TIMEOUT_MS));
    }

    public Duration slotLagInterval() {
        return Duration.ofMillis(getLong(SLOT_LAG_INTERVAL_MS));
    }

    public Duration databaseConnectWait() {
        return Duration.ofMillis(getLong(DATABASE_CONNECT_WAIT_MS));
    }

    public long slotSafeWalSizeWarnBytes() {
        return getLong(SLOT_SAFE_WAL_SIZE_WARN_BYTES);
    }
}
