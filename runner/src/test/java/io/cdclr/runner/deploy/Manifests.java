package io.cdclr.runner.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** deploy/kubernetes/*.yaml, parsed: every document of every file, and the Deployment's environment. */
final class Manifests {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path DIR = ROOT.resolve("deploy/kubernetes");
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(YAML);

    private Manifests() {
    }

    /** file name -> its documents. */
    static Map<String, List<JsonNode>> all() {
        Map<String, List<JsonNode>> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                List<JsonNode> docs = new ArrayList<>();
                try (var parser = YAML.createParser(f.toFile())) {
                    var it = MAPPER.readValues(parser, JsonNode.class);
                    while (it.hasNext()) {
                        JsonNode doc = it.next();
                        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                            docs.add(doc);
                        }
                    }
                }
                out.put(f.getFileName().toString(), docs);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The one document of this kind (and name, if given). */
    static JsonNode one(String kind, String name) {
        List<JsonNode> found = all().values().stream().flatMap(List::stream)
                .filter(d -> kind.equals(d.path("kind").asText()))
                .filter(d -> name == null || name.equals(d.path("metadata").path("name").asText()))
                .toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + (name == null ? "" : " " + name) + ", found " + found.size());
        }
        return found.get(0);
    }

    static JsonNode container() {
        return one("Deployment", null).path("spec").path("template").path("spec").path("containers").get(0);
    }

    /** The Deployment's literal env values; secretKeyRef values as "secret:<name>/<key>". */
    static Map<String, String> deploymentEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : container().path("env")) {
            JsonNode secret = e.path("valueFrom").path("secretKeyRef");
            env.put(e.path("name").asText(), secret.isMissingNode() ? e.path("value").asText()
                    : "secret:" + secret.path("name").asText() + "/" + secret.path("key").asText());
        }
        return env;
    }
}
