package io.cdclr.runner.config;

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
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/**
 * The runner's whole configuration: a properties file (optional) overridden by environment variables, checked
 * against the declarations of the runner, the source connector and the Kinesis writer.
 *
 * <p>Every problem is reported at once, one line each, naming the key and where its value came from.
 */
public final class RunnerConfig {
    public static final String WAL2JSON_OPTION_PREFIX = "wal2json.";

    private final Map<String, String> values;
    private final Map<String, String> origins;
    private PostgresEndpoint endpoint;

    private RunnerConfig(Map<String, String> values, Map<String, String> origins) {
        this.values = values;
        this.origins = origins;
    }

    /** All keys a file or a {@code CDC_*} variable may set. */
    public static List<String> knownKeys() {
        TreeSet<String> keys = new TreeSet<>();
        keys.addAll(RunnerSettings.CONFIG_DEF.names());
        keys.addAll(DecoderSettings.CONFIG_DEF.names());
        keys.addAll(Wal2JsonSourceConfig.CONFIG_DEF.names());
        keys.addAll(KinesisWriterConfig.CONFIG_DEF.names());
        return List.copyOf(keys);
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
        for (String variable : EnvironmentVariables.unknownGeneric(env, known)) {
            problems.add(variable + ": unknown environment variable (no configuration key " + variable
                    + " maps to); see --help for the valid ones");
        }

        RunnerConfig config = new RunnerConfig(values, origins);
        if (kinesisOnly) {
            problems.addAll(config.validate(KinesisWriterConfig.CONFIG_DEF));
            if (problems.isEmpty()) {
                problems.addAll(config.construct(() -> new KinesisWriterConfig(config.values)));
            }
            if (!problems.isEmpty()) {
                throw new ConfigError(problems);
            }
            return config;
        }
        problems.addAll(config.validate(RunnerSettings.CONFIG_DEF));
        problems.addAll(config.validate(DecoderSettings.CONFIG_DEF));
        problems.addAll(config.validate(Wal2JsonSourceConfig.CONFIG_DEF));
        problems.addAll(config.validate(KinesisWriterConfig.CONFIG_DEF));
        if (problems.isEmpty()) {
            // The declarations' own cross-field checks (e.g. only wal2json format-version 2).
            problems.addAll(config.construct(() -> new Wal2JsonSourceConfig(config.values)));
            problems.addAll(config.construct(() -> new KinesisWriterConfig(config.values)));
            problems.addAll(config.decoderProblems());
        }
        if (!problems.isEmpty()) {
            throw new ConfigError(problems);
        }
        return config;
    }

    /** Cross-field rules of the decoder keys. */
    private List<String> decoderProblems() {
        DecoderSettings decoder = decoder();
        List<String> problems = new ArrayList<>();
        if (decoder.pgoutput() && decoder.tables().isEmpty()) {
            problems.add(describe(DecoderSettings.TABLES) + ": required with decoder=pgoutput (the tables to capture"
                    + " and publish, as schema.table)");
        }
        if (!decoder.pgoutput() && !decoder.tables().isEmpty() && values.containsKey("wal2json.add-tables")) {
            problems.add(describe(DecoderSettings.TABLES) + ": set either tables or wal2json.add-tables, not both");
        }
        return problems;
    }

    private List<String> validate(ConfigDef def) {
        List<String> problems = new ArrayList<>();
        Map<String, String> relevant = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (def.names().contains(k)) {
                relevant.put(k, v);
            }
        });
        for (ConfigValue value : def.validate(relevant)) {
            // The first message is the cause; later ones (e.g. "must be non-null" after a parse error) only echo it.
            if (!value.errorMessages().isEmpty()) {
                problems.add(describe(value.name()) + ": " + plain(value.name(), value.errorMessages().get(0)));
            }
        }
        return problems;
    }

    private List<String> construct(Runnable constructor) {
        try {
            constructor.run();
            return List.of();
        } catch (ConfigException e) {
            String key = keyNamedIn(e.getMessage());
            return List.of((key == null ? "configuration" : describe(key)) + ": " + e.getMessage());
        }
    }

    private String keyNamedIn(String message) {
        if (message == null) {
            return null;
        }
        return knownKeys().stream().filter(message::contains).max((a, b) -> Integer.compare(a.length(), b.length()))
                .orElse(null);
    }

    /** {@code kinesis.stream (KINESIS_STREAM)} or {@code http.port (in app.properties)}. */
    public String describe(String key) {
        String origin = origins.get(key);
        if (origin == null) {
            return key + " (" + EnvironmentVariables.variableFor(key) + ")";
        }
        return key + " (" + origin + ")";
    }

    private static String plain(String key, String message) {
        if (message.startsWith("Missing required configuration")) {
            return "required but not set";
        }
        return message;
    }

    /** Keys and values, as the source connector, the writer and the engine read them. */
    public Map<String, String> values() {
        return values;
    }

    public RunnerSettings settings() {
        return new RunnerSettings(values);
    }

    public DecoderSettings decoder() {
        return new DecoderSettings(values);
    }

    /** What decoder=pgoutput's engine is built from. */
    public PgoutputSettings pgoutput() {
        return PgoutputSettings.of(decoder(), source(), endpoint(), slotName());
    }

    /** slot.name, or the decoder's default slot when it is not set. */
    public String slotName() {
        String slot = values.get("slot.name");
        if (slot != null && !slot.isBlank()) {
            return slot;
        }
        return decoder().pgoutput() ? DecoderSettings.DEFAULT_PGOUTPUT_SLOT : DecoderSettings.DEFAULT_WAL2JSON_SLOT;
    }

    /**
     * The source database endpoint every runner connection is built from (made once; see
     * {@link Wal2JsonSourceConfig#endpoint()}), with the slot the runner actually uses.
     */
    public synchronized PostgresEndpoint endpoint() {
        if (endpoint == null) {
            Map<String, String> withSlot = new LinkedHashMap<>(values);
            withSlot.put(Wal2JsonSourceConfig.SLOT_NAME, slotName());
            endpoint = Wal2JsonSourceConfig.endpoint(withSlot);
        }
        return endpoint;
    }

    public Wal2JsonSourceConfig source() {
        return new Wal2JsonSourceConfig(values);
    }

    public KinesisWriterConfig writer() {
        return new KinesisWriterConfig(values);
    }
}
