package io.cdclr.runner.config;

import io.cdclr.connector.source.Wal2JsonSourceConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How environment variables override configuration keys.
 *
 * <p>The named variables are the seed's contract (libpq's {@code PG*}, the AWS SDK's {@code AWS_REGION}, ...)
 * and keep their exact names. Every other key can be set as {@code CDC_} plus the key in upper case with
 * {@code .} and {@code -} turned into {@code _}: {@code http.port} is {@code CDC_HTTP_PORT}.
 */
public final class EnvironmentVariables {
    public static final String GENERIC_PREFIX = "CDC_";
    /** {@code CDC_WAL2JSON_<OPTION>} sets the pass-through key {@code wal2json.<option>}. */
    private static final String WAL2JSON_PASS_THROUGH = GENERIC_PREFIX + "WAL2JSON_";

    /** A variable with a fixed name and the key it sets. */
    public record Named(String variable, String key, String meaning) {
    }

    public static final List<Named> NAMED = List.of(
            new Named("PGHOST", "database.hostname", "PostgreSQL host"),
            new Named("PGPORT", "database.port", "PostgreSQL port"),
            new Named("PGUSER", "database.user", "PostgreSQL user (needs the REPLICATION attribute)"),
            new Named("PGPASSWORD", "database.password", "PostgreSQL password (never logged)"),
            new Named("PGDATABASE", "database.dbname", "PostgreSQL database"),
            new Named("PGSSLMODE", "database.sslmode", "SSL mode: disable, allow, prefer, require, verify-ca, verify-full"),
            new Named("PGSSLROOTCERT", "database.sslrootcert", "CA certificate file (PEM) to verify the server with,"
                    + " e.g. /etc/cdc/tls/rds-ca.pem; passed to PgJDBC as sslrootcert"),
            new Named("PGSSLCERT", "database.sslcert", "client certificate file"),
            new Named("PGSSLKEY", "database.sslkey", "client key file (PKCS-8 DER or PKCS-12, as PgJDBC reads it)"),
            new Named("PGAPPNAME", "database.application.name", "application_name of the connections"),
            new Named("PGCONNECT_TIMEOUT", "database.connect.timeout.ms", "connect timeout in whole seconds (libpq:"
                    + " below 2 counts as 2, 0 waits the longest allowed, 1 hour)"),
            new Named("AWS_REGION", "kinesis.region", "Kinesis region (credentials come from the AWS default chain)"),
            new Named("KINESIS_STREAM", "kinesis.stream", "Kinesis stream name"),
            new Named("KINESIS_ENDPOINT", "kinesis.endpoint", "Kinesis endpoint override, e.g. a local emulator"),
            new Named("REPLICATION_SLOT", "slot.name", "replication slot name"),
            new Named("WAL2JSON_FORMAT_VERSION", "wal2json.format.version", "wal2json format-version; only 2 is supported"));

    private EnvironmentVariables() {
    }

    /** The generic variable name of a key: {@code http.port} -> {@code CDC_HTTP_PORT}. */
    public static String genericName(String key) {
        return GENERIC_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The variable an operator would use for a key: its named variable if it has one, else the generic one. */
    public static String variableFor(String key) {
        return NAMED.stream().filter(n -> n.key().equals(key)).map(Named::variable).findFirst().orElse(genericName(key));
    }

    public static Optional<Named> named(String variable) {
        return NAMED.stream().filter(n -> n.variable().equals(variable)).findFirst();
    }

    /**
     * The overrides found in {@code env}, keyed by configuration key, with the variable each came from.
     *
     * @param knownKeys the keys a generic {@code CDC_*} variable may set; other {@code CDC_*} variables are reported by
     *                  the caller as unknown
     */
    public static Map<String, Override> overrides(Map<String, String> env, List<String> knownKeys) {
        Map<String, Override> result = new LinkedHashMap<>();
        for (Named named : NAMED) {
            String value = env.get(named.variable());
            if (value != null && !value.isEmpty()) {
                result.put(named.key(), new Override(named.variable(), converted(named.variable(), value)));
            }
        }
        for (String key : knownKeys) {
            String variable = genericName(key);
            String value = env.get(variable);
            if (value != null && !value.isEmpty()) {
                result.put(key, new Override(variable, value));
            }
        }
        // wal2json pass-through options: CDC_WAL2JSON_ADD_TABLES -> wal2json.add-tables
        env.forEach((variable, value) -> {
            String option = wal2jsonOption(variable);
            if (option != null && Wal2JsonSourceConfig.isWal2jsonOption(option) && value != null && !value.isEmpty()) {
                result.putIfAbsent(Wal2JsonSourceConfig.WAL2JSON_OPTION_PREFIX + option, new Override(variable, value));
            }
        });
        return result;
    }

    /** The wal2json option a {@code CDC_WAL2JSON_<OPTION>} variable names ({@code add-tables}), or null. */
    private static String wal2jsonOption(String variable) {
        if (!variable.startsWith(WAL2JSON_PASS_THROUGH)) {
            return null;
        }
        return variable.substring(WAL2JSON_PASS_THROUGH.length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The seconds libpq reads from this variable, as the milliseconds the key takes. */
    private static final String SECONDS_VARIABLE = "PGCONNECT_TIMEOUT";
    /** The longest connect timeout the key allows ({@code database.connect.timeout.ms}); libpq's 0 ("forever"). */
    private static final long LONGEST_CONNECT_TIMEOUT_MS = 3_600_000L;

    /**
     * A named variable's value as its key takes it: PGCONNECT_TIMEOUT is whole seconds with libpq's rules (below 2
     * counts as 2; 0 or negative waits forever, here the longest allowed). Anything not a whole number passes
     * unchanged, for the key's validation to report naming the variable.
     */
    static String converted(String variable, String value) {
        if (!SECONDS_VARIABLE.equals(variable)) {
            return value;
        }
        try {
            long seconds = Long.parseLong(value.trim());
            long ms = seconds <= 0 ? LONGEST_CONNECT_TIMEOUT_MS : Math.min(LONGEST_CONNECT_TIMEOUT_MS, Math.max(2, seconds) * 1000L);
            return Long.toString(ms);
        } catch (NumberFormatException e) {
            return value;
        }
    }

    /**
     * One problem per {@code CDC_*} variable that matches no known key nor wal2json option (a typo the operator
     * should hear about), named by the variable itself.
     */
    public static List<String> unknownGeneric(Map<String, String> env, List<String> knownKeys) {
        List<String> known = knownKeys.stream().map(EnvironmentVariables::genericName).toList();
        return env.keySet().stream()
                .filter(v -> v.startsWith(GENERIC_PREFIX))
                .filter(v -> !known.contains(v))
                .filter(v -> !IGNORED_GENERIC.contains(v))
                .filter(v -> wal2jsonOption(v) == null || !Wal2JsonSourceConfig.isWal2jsonOption(wal2jsonOption(v)))
                .sorted()
                .map(v -> v + ": unknown environment variable (" + (wal2jsonOption(v) == null
                        ? "no configuration key " + v + " maps to); see --help for the valid ones"
                        : "wal2json has no option '" + wal2jsonOption(v) + "'); see --help for the valid ones"))
                .toList();
    }

    /** CDC_* variables used by the project's scripts and tests, not by the runner. */
    private static final List<String> IGNORED_GENERIC = List.of("CDC_REQUIRE_LOCAL_SERVICES", "CDC_KINESIS_MOCK",
            "CDC_LOCAL_PG_PORT", "CDC_LOCAL_KINESALITE_PORT", "CDC_LOCAL_KINESIS_MOCK_PORT", "CDC_JAVA_OPTS",
            "CDC_LOG_LEVEL", "CDC_LOG_FORMAT");

    /** A value from the environment and the variable it came from. */
    public record Override(String variable, String value) {
    }
}
