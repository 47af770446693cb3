package io.cdclr.runner.config;

import io.cdclr.connector.config.ConfigRule;
import io.cdclr.connector.config.ConfigValidation;
import io.cdclr.connector.config.ParsedConfig;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.cdclr.connector.pgoutput.DecoderSettings;
import io.cdclr.connector.pgoutput.PgoutputSettings;
import io.cdclr.connector.replication.PostgresEndpoint;
import io.cdclr.connector.source.Wal2JsonSourceConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;

/**
 * The runner's whole configuration: a properties file (optional) overridden by environment variables, checked
 * against the declarations of the runner, the decoder, the source connector and the Kinesis writer, and their rules
 * across keys. The typed settings are made once here and handed to the rest of the runner, which never reads a key
 * by its name.
 *
 * <p>Every problem is reported at once, one line each, naming the key and where its value came from.
 */
public final class RunnerConfig {
    public static final String WAL2JSON_OPTION_PREFIX = Wal2JsonSourceConfig.WAL2JSON_OPTION_PREFIX;

    /** A declaration and the rules across its keys (and others'), checked together. */
    private record Section(ConfigDef def, List<ConfigRule> rules) {
    }

    private static final String ADD_TABLES = WAL2JSON_OPTION_PREFIX + "add-tables";

    /**
     * The rules of the decoder's keys, reported on {@code tables}: the runner's own, since only the runner offers
     * {@code tables} for both decoders (with wal2json, as a shorthand for the connector's add-tables).
     */
    private static final List<ConfigRule> DECODER_RULES = List.of(
            ConfigRule.on(DecoderSettings.TABLES, List.of(DecoderSettings.DECODER),
                    c -> pgoutput(c) && c.getList(DecoderSettings.TABLES).isEmpty()
                            ? "required with decoder=pgoutput (the tables to capture and publish, as schema.table)"
                            : null),
            ConfigRule.on(DecoderSettings.TABLES, List.of(DecoderSettings.DECODER),
                    c -> !pgoutput(c) && !c.getList(DecoderSettings.TABLES).isEmpty() && c.isSet(ADD_TABLES)
                            ? "set either tables or " + ADD_TABLES + ", not both" : null));

    private final Map<String, String> values;
    private final KinesisWriterConfig writer;
    /** Null when only the Kinesis keys were loaded ({@link #loadKinesisOnly}). */
    private final RunnerSettings settings;
    private final DecoderSettings decoder;
    private final String slotName;
    private final Map<String, String> connectorProperties;
    private final Wal2JsonSourceConfig source;
    private final PostgresEndpoint endpoint;

    private RunnerConfig(Map<String, String> values, boolean kinesisOnly) {
        this.values = values;
        this.writer = new KinesisWriterConfig(values);
        if (kinesisOnly) {
            settings = null;
            decoder = null;
            slotName = null;
            connectorProperties = null;
            source = null;
            endpoint = null;
            return;
        }
        settings = new RunnerSettings(values);
        decoder = new DecoderSettings(values);
        String slot = values.get(Wal2JsonSourceConfig.SLOT_NAME);
        slotName = slot != null && !slot.isBlank() ? slot
                : decoder.pgoutput() ? DecoderSettings.DEFAULT_PGOUTPUT_SLOT : DecoderSettings.DEFAULT_WAL2JSON_SLOT;
        connectorProperties = connectorProperties(values, slotName, decoder, settings);
        source = new Wal2JsonSourceConfig(connectorProperties);
        endpoint = source.endpoint();
    }

    /** All keys a file or a {@code CDC_*} variable may set (besides the {@code wal2json.<option>} pass-through). */
    public static List<String> knownKeys() {
        TreeSet<String> keys = new TreeSet<>();
        for (Section section : sections(Map.of())) {
            keys.addAll(section.def().names());
        }
        return List.copyOf(keys);
    }

    /** The declarations and their rules; the source connector's depend on the wal2json options given. */
    private static List<Section> sections(Map<String, String> values) {
        return List.of(
                new Section(RunnerSettings.CONFIG_DEF, List.of()),
                new Section(DecoderSettings.CONFIG_DEF, DECODER_RULES),
                new Section(Wal2JsonSourceConfig.CONFIG_DEF, Wal2JsonSourceConfig.rules(values)),
                new Section(KinesisWriterConfig.CONFIG_DEF, KinesisWriterConfig.RULES));
    }

    public static RunnerConfig load(Optional<Path> file, Map<String, String> env) {
        return load(file, env, false);
    }

    /**
     * For commands that only read the stream ({@code tail}): checks the Kinesis keys (stream, region, endpoint) and
     * nothing else, so no database setting is required. Unknown keys and variables are still errors.
     */
    public static RunnerConfig loadKinesisOnly(Optional<Path> file, Map<String, String> env) {
        return load(file, env, true);
    }

    private static RunnerConfig load(Optional<Path> file, Map<String, String> env, boolean kinesisOnly) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        List<String> known = knownKeys();

        if (file.isPresent()) {
            Path path = file.get();
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                props.load(reader);
            } catch (NoSuchFileException e) {
                throw new ConfigError("--config " + path + ": no such file");
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigError("--config " + path + ": cannot read it (" + e.getMessage() + ")");
            }
            for (String key : new TreeSet<>(props.stringPropertyNames())) {
                if (!known.contains(key) && !key.startsWith(WAL2JSON_OPTION_PREFIX)) {
                    problems.add(key + " (in " + path + "): unknown key; see --help for the valid keys");
                    continue;
                }
                values.put(key, props.getProperty(key).trim());
                origins.put(key, "in " + path);
            }
        }
        EnvironmentVariables.overrides(env, known).forEach((key, override) -> {
            values.put(key, override.value());
            origins.put(key, "from " + override.variable());
        });
        problems.addAll(EnvironmentVariables.unknownGeneric(env, known));

        List<Section> sections = kinesisOnly
                ? List.of(new Section(KinesisWriterConfig.CONFIG_DEF, KinesisWriterConfig.RULES))
                : sections(values);
        for (Section section : sections) {
            for (ConfigValue value : ConfigValidation.validate(section.def(), section.rules(), values).values()) {
                // The first message is the cause; later ones (e.g. "must be non-null" after a parse error) only echo it.
                if (!value.errorMessages().isEmpty()) {
                    problems.add(describe(value.name(), origins) + ": " + plain(value.errorMessages().get(0)));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigError(problems);
        }
        return new RunnerConfig(values, kinesisOnly);
    }

    /**
     * The source connector's configuration as the runner starts it: every key given, with the slot it uses,
     * {@code tables} as wal2json's add-tables, and the offset table (when offsets live in PostgreSQL) filtered out of
     * the capture: it is written on every flush, capturing it would feed the pipeline its own writes.
     */
    private static Map<String, String> connectorProperties(Map<String, String> values, String slotName,
                                                           DecoderSettings decoder, RunnerSettings settings) {
        Map<String, String> props = new LinkedHashMap<>(values);
        props.put(Wal2JsonSourceConfig.SLOT_NAME, slotName);
        if (!decoder.tables().isEmpty()) {
            props.put(ADD_TABLES, String.join(",", decoder.tables()));
        }
        if (settings.offsetsInPostgres()) {
            String table = settings.offsetTable();
            String qualified = table.contains(".") ? table : "public." + table;
            String filterKey = WAL2JSON_OPTION_PREFIX + "filter-tables";
            String filter = props.get(filterKey);
            props.put(filterKey, filter == null || filter.isBlank() ? qualified : filter + "," + qualified);
        }
        return props;
    }

    private static boolean pgoutput(ParsedConfig c) {
        return DecoderSettings.PGOUTPUT.equals(c.getString(DecoderSettings.DECODER));
    }

    /** {@code kinesis.stream (KINESIS_STREAM)} or {@code http.port (in app.properties)}. */
    private static String describe(String key, Map<String, String> origins) {
        String origin = origins.get(key);
        if (origin == null) {
            return key + " (" + EnvironmentVariables.variableFor(key) + ")";
        }
        return key + " (" + origin + ")";
    }

    private static String plain(String message) {
        if (message.startsWith("Missing required configuration")) {
            return "required but not set";
        }
        return message;
    }

    /**
     * Keys and values as given. Only for the pgoutput property set, which the part of issue 25 that moves it into
     * connector/pgoutput builds from typed settings; nothing else outside this package reads it.
     */
    public Map<String, String> values() {
        return values;
    }

    public RunnerSettings settings() {
        return loaded(settings);
    }

    public DecoderSettings decoder() {
        return loaded(decoder);
    }

    /** What decoder=pgoutput's engine is built from. */
    public PgoutputSettings pgoutput() {
        return PgoutputSettings.of(decoder(), source(), endpoint(), slotName());
    }

    /** slot.name, or the decoder's default slot when it is not set. */
    public String slotName() {
        return loaded(slotName);
    }

    /**
     * The source database endpoint every runner connection is built from (made once; see
     * {@link Wal2JsonSourceConfig#endpoint()}), with the slot the runner actually uses.
     */
    public PostgresEndpoint endpoint() {
        return loaded(endpoint);
    }

    /** The source connector's configuration, as the runner starts it ({@link #connectorProperties()}). */
    public Wal2JsonSourceConfig source() {
        return loaded(source);
    }

    /** The properties the wal2json source connector is started with (the engine takes them as text). */
    public Map<String, String> connectorProperties() {
        return loaded(connectorProperties);
    }

    /**
     * The {@code database.*} keys given, for the offset store inside the engine, which builds its connection from
     * them as the connector does ({@link Wal2JsonSourceConfig#endpoint(Map)}).
     */
    public Map<String, String> databaseProperties() {
        Map<String, String> database = new LinkedHashMap<>();
        for (String key : Wal2JsonSourceConfig.CONFIG_DEF.names()) {
            if (key.startsWith("database.") && values.get(key) != null) {
                database.put(key, values.get(key));
            }
        }
        return database;
    }

    public KinesisWriterConfig writer() {
        return writer;
    }

    private static <T> T loaded(T part) {
        if (part == null) {
            throw new IllegalStateException("only the Kinesis keys were loaded (RunnerConfig.loadKinesisOnly)");
        }
        return part;
    }
}
