package io.cdclr.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Parses .tf files with HashiCorp's HCL parser, @cdktf/hcl2json (hcl2json compiled to WebAssembly), through
 * node and src/test/resources/parse-hcl.js. scripts/local-services.sh up installs the package into
 * .services/npm at the repository root. All files are parsed in one node process, once per JVM.
 */
final class Hcl {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Map<Path, JsonNode> parsed;

    private Hcl() {}

    /** Every .tf file under infra-terraform/ (outside .terraform/), parsed; keys are absolute paths. */
    static synchronized Map<Path, JsonNode> all() {
        if (parsed == null) {
            parsed = parse(tfFiles());
        }
        return parsed;
    }

    /** The parsed JSON of one file. */
    static JsonNode file(Path file) {
        JsonNode node = all().get(file.toAbsolutePath().normalize());
        if (node == null) {
            throw new AssertionError("not a parsed .tf file: " + file);
        }
        return node;
    }

    static List<Path> tfFiles() {
        try (Stream<Path> walk = Files.walk(InfraPaths.moduleDir())) {
            return walk.filter(p -> p.getFileName().toString().endsWith(".tf"))
                    .filter(p -> !p.toString().contains("/.terraform/") && !p.toString().contains("/target/"))
                    .map(p -> p.toAbsolutePath().normalize())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path hcl2jsonDir() {
        return InfraPaths.repoRoot().resolve(".services/npm/node_modules/@cdktf/hcl2json");
    }

    private static Map<Path, JsonNode> parse(List<Path> files) {
        Path pkg = hcl2jsonDir();
        if (!Files.isRegularFile(pkg.resolve("package.json"))) {
            throw new AssertionError("HashiCorp's HCL parser @cdktf/hcl2json is missing (" + pkg
                    + "): run scripts/local-services.sh up, which installs it into .services/npm");
        }
        Path script = InfraPaths.moduleDir().resolve("src/test/resources/parse-hcl.js");
        List<String> cmd = new ArrayList<>(List.of("node", script.toString(), pkg.toString()));
        files.forEach(f -> cmd.add(f.toString()));
        try {
            Path out = Files.createTempFile("hcl2json", ".json");
            Path err = Files.createTempFile("hcl2json", ".err");
            try {
                Process p;
                try {
                    p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                } catch (IOException e) {
                    throw new AssertionError("cannot run node (needed for @cdktf/hcl2json): install Node.js, e.g. "
                            + "via scripts/local-services.sh up", e);
                }
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("parse-hcl.js timed out");
                }
                String stderr = Files.readString(err, StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new AssertionError("HCL parse failed (exit " + p.exitValue() + "): " + stderr);
                }
                JsonNode root = JSON.readTree(out.toFile());
                Map<Path, JsonNode> result = new TreeMap<>();
                root.fields().forEachRemaining(e -> result.put(Path.of(e.getKey()), e.getValue()));
                return result;
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    // ---- navigation helpers over hcl2json's shape: blocks are arrays of objects ----

    /** The single block at {@code node[key][0]}, or fails. */
    static JsonNode block(JsonNode node, String key) {
        JsonNode arr = node.path(key);
        if (!arr.isArray() || arr.size() != 1) {
            throw new AssertionError("expected exactly one '" + key + "' block, got " + arr);
        }
        return arr.get(0);
    }

    /** variable "name" {...} from a parsed file. */
    static JsonNode variable(JsonNode file, String name) {
        return block(file.path("variable"), name);
    }

    /** output "name" {...} from a parsed file. */
    static JsonNode output(JsonNode file, String name) {
        return block(file.path("output"), name);
    }

    /** resource "type" "name" {...} from a parsed file. */
    static JsonNode resource(JsonNode file, String type, String name) {
        return block(file.path("resource").path(type), name);
    }

    /** module "name" {...} from a parsed file. */
    static JsonNode module(JsonNode file, String name) {
        return block(file.path("module"), name);
    }
}
