package io.cdclr.runner.config;

import io.cdclr.connector.kinesis.KinesisWriterConfig;
import io.cdclr.connector.pgoutput.DecoderSettings;
import io.cdclr.connector.source.Wal2JsonSourceConfig;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The configuration reference, generated from the declarations themselves (the runner's, the source connector's
 * and the Kinesis writer's {@link ConfigDef}s), so the help text and {@code docs/configuration.md} cannot drift.
 */
public final class ConfigReference {
    private ConfigReference() {
    }

    /** A group of keys and the declaration they come from. */
    public record Section(String title, ConfigDef def) {
    }

    public static List<Section> sections() {
        return List.of(
                new Section("Decoder", DecoderSettings.CONFIG_DEF),
                new Section("PostgreSQL source (wal2json connector)", Wal2JsonSourceConfig.CONFIG_DEF),
                new Section("Kinesis writer", KinesisWriterConfig.CONFIG_DEF),
                new Section("Runner", RunnerSettings.CONFIG_DEF));
    }

    /** Plain text for {@code --help}. */
    public static String text() {
        StringBuilder out = new StringBuilder();
        out.append("Environment variables with fixed names:\n");
        for (EnvironmentVariables.Named named : EnvironmentVariables.NAMED) {
            out.append(String.format("  %-24s %-26s %s%n", named.variable(), named.key(), named.meaning()));
        }
        out.append("\nEvery key below can also be set in the --config file, or as CDC_<KEY> in the environment\n")
                .append("(upper case, '.' and '-' as '_'). wal2json options pass through as wal2json.<option>\n")
                .append("(CDC_WAL2JSON_<OPTION>), e.g. wal2json.add-tables=public.orders.\n");
        for (Section section : sections()) {
            out.append('\n').append(section.title()).append(":\n");
            for (ConfigDef.ConfigKey key : section.def().configKeys().values()) {
                out.append(String.format("  %s%n      %s; default %s; env %s%n      %s%n", key.name,
                        key.type.name().toLowerCase(), defaultOf(key), EnvironmentVariables.variableFor(key.name),
                        key.documentation));
            }
        }
        return out.toString();
    }

    /** Markdown for {@code docs/configuration.md}. */
    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# Configuration reference\n\n")
                .append("<!-- Generated from the code by ConfigReference.markdown(); ConfigurationDocTest fails when "
                        + "this file and the code disagree. Regenerate with: "
                        + "java -cp runner/target/cdc-runner.jar io.cdclr.runner.config.ConfigReference > docs/configuration.md -->\n\n")
                .append("The runner reads a properties file (`--config FILE`, optional) and then the environment, "
                        + "which wins. Every key can be set in the file or as `CDC_<KEY>` in the environment (upper case, "
                        + "`.` and `-` as `_`: `http.port` is `CDC_HTTP_PORT`). The variables below keep their "
                        + "conventional names. wal2json options pass through as `wal2json.<option>` (environment "
                        + "`CDC_WAL2JSON_<OPTION>`), e.g. `wal2json.add-tables=public.orders`. An unknown key or "
                        + "`CDC_` variable is a startup error.\n\n")
                .append("| variable | key | meaning |\n| --- | --- | --- |\n");
        for (EnvironmentVariables.Named named : EnvironmentVariables.NAMED) {
            out.append("| `").append(named.variable()).append("` | `").append(named.key()).append("` | ")
                    .append(named.meaning()).append(" |\n");
        }
        for (Section section : sections()) {
            out.append("\n## ").append(section.title()).append("\n\n")
                    .append("| key | type | default | environment | meaning |\n| --- | --- | --- | --- | --- |\n");
            for (ConfigDef.ConfigKey key : section.def().configKeys().values()) {
                out.append("| `").append(key.name).append("` | ").append(key.type.name().toLowerCase()).append(" | ")
                        .append(markdownDefault(key)).append(" | `").append(EnvironmentVariables.variableFor(key.name))
                        .append("` | ").append(key.documentation == null ? "" : key.documentation.replace("|", "\\|")
                                .replace("\n", " "))
                        .append(" |\n");
            }
        }
        return out.toString();
    }

    private static String defaultOf(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "required";
        }
        Object value = key.defaultValue;
        if (value == null) {
            return "none";
        }
        String text = ConfigDef.convertToString(value, key.type);
        return text == null || text.isEmpty() ? "empty" : text;
    }

    private static String markdownDefault(ConfigDef.ConfigKey key) {
        String text = defaultOf(key);
        return switch (text) {
            case "required", "none", "empty" -> text;
            default -> "`" + text + "`";
        };
    }

    public static void main(String[] args) {
        System.out.print(markdown());
    }
}
