package io.cdclr.connector.pgoutput;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * Which logical decoder feeds the pipeline, and the keys of the pgoutput decoder (Debezium's PostgresConnector with
 * the wal2json mapping, see docs/pgoutput.md). Declared here, beside the mapping; the runner checks them with its other
 * keys and hands {@link PgoutputSettings} to {@link PgoutputProperties}.
 */
public final class DecoderSettings extends AbstractConfig {
    public static final String DECODER = "decoder";
    public static final String TABLES = "tables";
    public static final String PUBLICATION_NAME = "publication.name";
    public static final String PUBLICATION_CREATE = "publication.create";
    public static final String SNAPSHOT_MODE = "snapshot.mode";
    public static final String SIGNAL_TABLE = "signal.table";

    public static final String WAL2JSON = "wal2json";
    public static final String PGOUTPUT = "pgoutput";

    /** The slot's default name when slot.name is not set, per decoder. */
    public static final String DEFAULT_WAL2JSON_SLOT = "etl_slot_wal2json";
    public static final String DEFAULT_PGOUTPUT_SLOT = "etl_slot_pgoutput";

    /** schema.table, neither part empty nor containing '.', ',', '*' or white space. */
    private static final Pattern TABLE_NAME = Pattern.compile("[^.,*\\s]+\\.[^.,*\\s]+");

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(DECODER, Type.STRING, WAL2JSON, ValidString.in(WAL2JSON, PGOUTPUT), Importance.HIGH,
                    "Logical decoder: 'wal2json' (the wal2json output plugin, streamed by this project's connector) or "
                            + "'pgoutput' (PostgreSQL's built-in plugin, streamed by Debezium's PostgresConnector and "
                            + "mapped to the same wal2json format-version 2 envelopes and partition keys; for servers "
                            + "without wal2json, and for an initial snapshot; see docs/pgoutput.md). With pgoutput, "
                            + "slot.name defaults to " + DEFAULT_PGOUTPUT_SLOT + ", tables is required, and the "
                            + "wal2json connector's keys other than slot.name, topic.prefix, reconnect.* and the "
                            + "message prefix options wal2json.add-msg-prefixes / wal2json.filter-msg-prefixes are "
                            + "not used.")
            .define(TABLES, Type.LIST, List.of(), (name, value) -> {
                for (Object table : (List<?>) value) {
                    if (!TABLE_NAME.matcher(table.toString()).matches()) {
                        throw new ConfigException(name, table, "not a schema.table name (no wildcards)");
                    }
                }
            }, Importance.HIGH,
                    "The captured tables, as comma-separated schema.table names (case-sensitive, unquoted). "
                            + "pgoutput: required; the publication holds exactly these tables and only they are "
                            + "captured and snapshotted. wal2json: optional shorthand for wal2json.add-tables "
                            + "(set one of the two).")
            .define(PUBLICATION_NAME, Type.STRING, "cdc_publication", Importance.MEDIUM,
                    "pgoutput: the publication the slot streams.")
            .define(PUBLICATION_CREATE, Type.BOOLEAN, true, Importance.MEDIUM,
                    "pgoutput: create the publication when it is missing, and keep it at exactly the tables in "
                            + "'tables' (needs ownership of the tables, or superuser). When false it must exist "
                            + "(infra-terraform's bootstrap_db.sh creates it for the dev stack) and cover the tables; "
                            + "preflight checks that.")
            .define(SNAPSHOT_MODE, Type.STRING, "initial",
                    ValidString.in("initial", "no_data", "when_needed", "initial_only", "always"), Importance.MEDIUM,
                    "pgoutput: Debezium's snapshot.mode. 'initial' (the default) first writes every existing row of "
                            + "the tables as an I envelope, then streams, with no gap and no overlap, when the runner "
                            + "starts without a stored offset; 'no_data' only streams, like wal2json; 'when_needed' "
                            + "also snapshots when the stored offset is no longer available in the slot; "
                            + "'initial_only' snapshots and stops; 'always' snapshots on every start.")
            .define(SIGNAL_TABLE, Type.STRING, "", (name, value) -> {
                if (value != null && !value.toString().isEmpty() && !TABLE_NAME.matcher(value.toString()).matches()) {
                    throw new ConfigException(name, value, "not a schema.table name");
                }
            }, Importance.LOW,
                    "pgoutput: Debezium's signal table (schema.table, columns id varchar(42) primary key, type "
                            + "varchar(32) not null, data varchar(2048)), for incremental snapshots: inserting a row "
                            + "('<id>', 'execute-snapshot', '{\"data-collections\": [\"schema.table\"], \"type\": "
                            + "\"incremental\"}') snapshots those tables (of 'tables') while streaming goes on. It is "
                            + "published and captured with the tables; its own rows are not written to Kinesis. "
                            + "Empty: no signals.");

    public DecoderSettings(Map<?, ?> originals) {
        super(CONFIG_DEF, originals, false);
    }

    public boolean pgoutput() {
        return PGOUTPUT.equals(getString(DECODER));
    }

    public List<String> tables() {
        return getList(TABLES);
    }

    /** The tables the publication must hold: the captured ones and the signal table. */
    public List<String> publishedTables() {
        List<String> tables = new java.util.ArrayList<>(tables());
        String signal = signalTable();
        if (!signal.isEmpty() && !tables.contains(signal)) {
            tables.add(signal);
        }
        return tables;
    }

    public String signalTable() {
        return getString(SIGNAL_TABLE);
    }

    public String publicationName() {
        return getString(PUBLICATION_NAME);
    }

    public boolean publicationCreate() {
        return getBoolean(PUBLICATION_CREATE);
    }

    public String snapshotMode() {
        return getString(SNAPSHOT_MODE);
    }
}
