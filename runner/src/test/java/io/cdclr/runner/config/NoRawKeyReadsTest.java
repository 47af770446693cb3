package io.cdclr.runner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.connector.source.Wal2JsonSourceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No runner class outside this package reads a configuration key by its name or the raw key map: they take the typed
 * settings {@link RunnerConfig} makes. The scan looks for string literals that are a declared key (or a
 * {@code wal2json.<option>} pass-through key) and for {@code .values()} on a lower-case receiver (a RunnerConfig
 * variable; {@code SomeEnum.values()} is fine) in the files that use RunnerConfig.
 */
class NoRawKeyReadsTest {
    private static final Path SOURCES = Path.of("src", "main", "java", "io", "cdclr", "runner");
    /**
     * The Debezium property set of decoder=pgoutput: the part of issue 25 that moves it into connector/pgoutput builds it
     * from typed settings; until that lands it still takes the map.
     */
    private static final Pattern STRING_LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
    private static final Pattern VALUES_CALL = Pattern.compile("(?:\\b([a-z]\\w*)|\\))\\.values\\(\\)");

    /** The raw key reads in one source file, as "line: text". */
    static List<String> rawReads(String source) {
        List<String> found = new ArrayList<>();
        Set<String> keys = Set.copyOf(RunnerConfig.knownKeys());
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher literal = STRING_LITERAL.matcher(line);
            while (literal.find()) {
                String text = literal.group(1);
                boolean passThrough = text.startsWith(Wal2JsonSourceConfig.WAL2JSON_OPTION_PREFIX) && Wal2JsonSourceConfig
                        .isWal2jsonOption(text.substring(Wal2JsonSourceConfig.WAL2JSON_OPTION_PREFIX.length()));
                if (keys.contains(text) || passThrough) {
                    found.add((i + 1) + ": key \"" + text + "\" by name: " + line.trim());
                }
            }
            if (source.contains("RunnerConfig") && VALUES_CALL.matcher(line).find()) {
                found.add((i + 1) + ": raw values(): " + line.trim());
            }
        }
        return found;
    }

    @Test
    void noRunnerClassOutsideTheConfigPackageReadsAKeyByName() throws IOException {
        assertTrue(Files.isDirectory(SOURCES.resolve("config")), "run from the runner module: " + SOURCES.toAbsolutePath());
        List<String> violations = new ArrayList<>();
        int scanned = 0;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String relative = SOURCES.relativize(file).toString().replace('\\', '/');
                if (relative.startsWith("config/")) {
                    continue;
                }
                scanned++;
                for (String read : rawReads(Files.readString(file))) {
                    violations.add(relative + ":" + read);
                }
            }
        }
        assertTrue(scanned > 20, "scanned only " + scanned + " files");
        assertEquals(List.of(), violations, "take the typed settings from RunnerConfig instead");
    }

    @Test
    void theScanFindsTheReadsItForbids() {
        String source = """
                import io.cdclr.runner.config.RunnerConfig;
                class Example {
                    String stream(RunnerConfig config) {
                        return config.values().get("kinesis.stream");
                    }
                    String tables(java.util.Map<String, String> values) {
                        return values.getOrDefault("wal2json.add-tables", "");
                    }
                    Object fine(RunnerConfig config) {
                        return java.util.List.of(Thread.State.values(), "slot " + config.slotName());
                    }
                }
                """;
        List<String> reads = rawReads(source);
        assertEquals(3, reads.size(), reads.toString());
        assertTrue(reads.get(0).startsWith("4: key \"kinesis.stream\""), reads.toString());
        assertTrue(reads.get(1).startsWith("4: raw values()"), reads.toString());
        assertTrue(reads.get(2).startsWith("7: key \"wal2json.add-tables\""), reads.toString());
    }
}
