package io.cdclr.runner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.runner.config.EnvironmentVariables;
import io.cdclr.runner.config.RunnerConfig;
import io.cdclr.runner.config.RunnerSettings;
import io.cdclr.runner.http.HealthServer;
import io.cdclr.runner.http.RunnerMetrics;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/ against the runner it deploys: names that must agree, the environment contract
 * ({@link EnvironmentVariables} and the configuration keys), the probes against the paths {@link HealthServer}
 * serves, the graceful stop against the grace period, the CA bundle's mount against PGSSLROOTCERT, the image
 * (Dockerfile) against the pod's user and port, and every placeholder documented in docs/deploy-eks.md.
 */
class DeployManifestsTest {
    private static final String NAMESPACE = "cdc";
    private static final String SERVICE_ACCOUNT = "cdc-runner";

    @Test
    void everyFileIsInTheKustomizationExceptTheServiceMonitor() throws Exception {
        JsonNode kustomization = Manifests.all().get("kustomization.yaml").get(0);
        assertEquals(NAMESPACE, kustomization.path("namespace").asText());
        Set<String> resources = new TreeSet<>();
        kustomization.path("resources").forEach(r -> resources.add(r.asText()));
        Set<String> files = new TreeSet<>(Manifests.all().keySet());
        files.remove("kustomization.yaml");
        files.remove("servicemonitor.yaml"); // needs the Prometheus Operator's CRDs: applied on its own
        assertEquals(files, resources);
        assertEquals(NAMESPACE, Manifests.one("Namespace", null).path("metadata").path("name").asText());
        assertEquals(NAMESPACE, Manifests.one("ServiceMonitor", null).path("metadata").path("namespace").asText());
    }

    @Test
    void oneReplicaRecreatedAndRunAsTheServiceAccountWithAnIrsaRole() {
        JsonNode deployment = Manifests.one("Deployment", null);
        JsonNode spec = deployment.path("spec");
        assertEquals(1, spec.path("replicas").asInt(), "one runner per slot");
        assertEquals("Recreate", spec.path("strategy").path("type").asText(), "the old pod releases the slot first");
        JsonNode pod = spec.path("template");
        assertEquals(spec.path("selector").path("matchLabels"), pod.path("metadata").path("labels"));
        assertEquals(SERVICE_ACCOUNT, pod.path("spec").path("serviceAccountName").asText());
        for (String sa : List.of(SERVICE_ACCOUNT, "cdc-runner-tail")) {
            String role = Manifests.one("ServiceAccount", sa).path("metadata").path("annotations")
                    .path("eks.amazonaws.com/role-arn").asText();
            assertTrue(role.startsWith("<") && role.endsWith("-role-arn>"), sa + ": placeholder for the role: " + role);
        }
    }

    @Test
    void everyVariableTheDeploymentSetsIsOneTheRunnerKnowsAndTheValuesLoad() {
        Map<String, String> env = Manifests.deploymentEnv();
        List<String> known = RunnerConfig.knownKeys();
        Set<String> knownGeneric = known.stream().map(EnvironmentVariables::genericName).collect(Collectors.toSet());
        List<String> unknown = new ArrayList<>();
        for (String variable : env.keySet()) {
            boolean ok = EnvironmentVariables.named(variable).isPresent() || knownGeneric.contains(variable)
                    || variable.startsWith(EnvironmentVariables.GENERIC_PREFIX + "WAL2JSON_");
            if (!ok) {
                unknown.add(variable);
            }
        }
        assertEquals(List.of(), unknown, "variables the runner does not read");

        // The runner loads this environment once the placeholders are filled in as docs/deploy-eks.md shows.
        Map<String, String> loaded = new HashMap<>();
        env.forEach((k, v) -> loaded.put(k, v.replace("<rds-endpoint>", "orders.abcdefghijkl.eu-west-1.rds.amazonaws.com")
                .replace("<database>", "orders").replace("<region>", "eu-west-1").replace("<stream>", "orders-cdc")
                .replace("<slot>", "orders_wal2json").replace("<tables>", "public.orders,public.order_lines")));
        assertTrue(loaded.values().stream().noneMatch(v -> v.contains("<")), "every placeholder filled in: " + loaded);
        loaded.put("PGPASSWORD", "from-the-secret");
        RunnerConfig config = RunnerConfig.load(Optional.empty(), loaded);
        assertTrue(config.settings().offsetsInPostgres(), "stateless: offsets in PostgreSQL");
        assertEquals(RunnerSettings.DEFAULT_OFFSET_TABLE, config.settings().offsetTable());
        assertEquals("cdc.cdc_runner_offsets", config.settings().offsetTable(), "the table bootstrap_db.sh allows");
        assertEquals("0.0.0.0", config.settings().httpBindAddress());
        assertEquals("verify-full", config.values().get("database.sslmode"));
        assertEquals("cdc_replication", config.values().get("database.user"), "the stack's replication_username");
        assertEquals("secret:cdc-runner-db/PGPASSWORD", env.get("PGPASSWORD"), "the password comes from a Secret");
        for (String required : List.of("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE",
                "PGSSLROOTCERT", "AWS_REGION", "KINESIS_STREAM", "REPLICATION_SLOT", "CDC_OFFSET_STORAGE")) {
            assertTrue(env.containsKey(required), "the Deployment sets " + required);
        }
        assertFalse(env.containsKey("AWS_ACCESS_KEY_ID") || env.containsKey("AWS_SECRET_ACCESS_KEY"), "IRSA, no keys");
        assertFalse(env.containsKey("KINESIS_ENDPOINT"), "the real Kinesis");
    }

    @Test
    void theCaBundleIsMountedWherePgsslrootcertPoints() {
        JsonNode container = Manifests.container();
        JsonNode podSpec = Manifests.one("Deployment", null).path("spec").path("template").path("spec");
        String rootCert = Manifests.deploymentEnv().get("PGSSLROOTCERT");
        assertEquals("/etc/cdc/tls/rds-ca.pem", rootCert);
        JsonNode mount = find(container.path("volumeMounts"), "mountPath", "/etc/cdc/tls");
        assertTrue(mount.path("readOnly").asBoolean());
        JsonNode volume = find(podSpec.path("volumes"), "name", mount.path("name").asText());
        String configMap = volume.path("configMap").path("name").asText();
        JsonNode item = volume.path("configMap").path("items").get(0);
        assertEquals(rootCert, "/etc/cdc/tls/" + item.path("path").asText());
        // The ConfigMap is the kustomization's generator, from the file the docs say to download.
        JsonNode generator = find(Manifests.all().get("kustomization.yaml").get(0).path("configMapGenerator"), "name",
                configMap);
        assertEquals(item.path("key").asText(), generator.path("files").get(0).asText());
        String gitignore = read(Manifests.DIR.resolve(".gitignore"));
        assertTrue(gitignore.lines().anyMatch(l -> l.strip().equals(item.path("key").asText())),
                "the downloaded bundle is not committed");
        String doc = read(Manifests.ROOT.resolve("docs/deploy-eks.md"));
        assertTrue(doc.contains("https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"));
        assertTrue(doc.contains("deploy/kubernetes/" + item.path("key").asText()));
    }

    @Test
    void probesAndScrapesHitPathsTheHealthServerServesOnThePortTheRunnerListensOn() throws Exception {
        JsonNode container = Manifests.container();
        Map<String, String> env = Manifests.deploymentEnv();
        JsonNode port = find(container.path("ports"), "name", "http");
        assertEquals(env.get("CDC_HTTP_PORT"), port.path("containerPort").asText(), "CDC_HTTP_PORT is the container port");

        Map<String, String> paths = new java.util.LinkedHashMap<>();
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = container.path(probe).path("httpGet");
            assertEquals("http", get.path("port").asText(), probe + " port");
            paths.put(probe, get.path("path").asText());
        }
        assertEquals("/health/live", paths.get("livenessProbe"));
        assertEquals("/health/ready", paths.get("readinessProbe"));
        JsonNode annotations = Manifests.one("Deployment", null).path("spec").path("template").path("metadata")
                .path("annotations");
        assertEquals(port.path("containerPort").asText(), annotations.path("prometheus.io/port").asText());
        paths.put("prometheus.io/path", annotations.path("prometheus.io/path").asText());
        JsonNode service = Manifests.one("Service", null);
        JsonNode servicePort = service.path("spec").path("ports").get(0);
        assertEquals("http", servicePort.path("targetPort").asText());
        assertEquals(Manifests.one("Deployment", null).path("spec").path("template").path("metadata").path("labels"),
                service.path("spec").path("selector"));
        JsonNode monitor = Manifests.one("ServiceMonitor", null);
        assertEquals(service.path("metadata").path("labels"), monitor.path("spec").path("selector").path("matchLabels"));
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertEquals(servicePort.path("name").asText(), endpoint.path("port").asText());
        paths.put("ServiceMonitor", endpoint.path("path").asText());

        // Every path against the real HealthServer: 200 when live and ready, 503 on the probes when not.
        try (HealthServer up = new HealthServer("127.0.0.1", 0, () -> true, () -> true, new RunnerMetrics());
             HealthServer down = new HealthServer("127.0.0.1", 0, () -> false, () -> false, new RunnerMetrics())) {
            for (Map.Entry<String, String> p : paths.entrySet()) {
                assertEquals(200, status(up.port(), p.getValue()), p.getKey() + " " + p.getValue());
            }
            assertEquals(503, status(down.port(), paths.get("livenessProbe")));
            assertEquals(503, status(down.port(), paths.get("readinessProbe")));
            assertEquals(404, status(up.port(), "/healthz"), "the server does not answer any path");
        }
    }

    @Test
    void theGracePeriodCoversTheGracefulStop() {
        JsonNode podSpec = Manifests.one("Deployment", null).path("spec").path("template").path("spec");
        long grace = podSpec.path("terminationGracePeriodSeconds").asLong();
        long shutdown = Long.parseLong(Manifests.deploymentEnv().get("CDC_SHUTDOWN_TIMEOUT_MS")) / 1000;
        // Pipeline: drain up to shutdown.timeout.ms, then wait for the engine's close (flush offsets, confirm) up to
        // shutdown.timeout.ms + 30 s.
        assertTrue(grace >= 2 * shutdown + 30, "terminationGracePeriodSeconds " + grace + " < " + (2 * shutdown + 30));
    }

    @Test
    void thePodMatchesTheImage() {
        String dockerfile = read(Manifests.ROOT.resolve("Dockerfile"));
        JsonNode podSpec = Manifests.one("Deployment", null).path("spec").path("template").path("spec");
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(dockerfile);
        assertTrue(user.find(), "Dockerfile USER uid:gid");
        assertEquals(user.group(1), podSpec.path("securityContext").path("runAsUser").asText());
        assertEquals(user.group(2), podSpec.path("securityContext").path("runAsGroup").asText());
        Matcher expose = Pattern.compile("(?m)^EXPOSE (\\d+)$").matcher(dockerfile);
        assertTrue(expose.find());
        assertEquals(expose.group(1), find(Manifests.container().path("ports"), "name", "http").path("containerPort").asText());
        assertTrue(Manifests.container().path("securityContext").path("readOnlyRootFilesystem").asBoolean());
        // A read-only root file system: the JVM writes only to /tmp, an emptyDir.
        find(Manifests.container().path("volumeMounts"), "mountPath", "/tmp");
    }

    @Test
    void everyPlaceholderIsDocumented() {
        Pattern placeholder = Pattern.compile("<[a-z][a-z0-9-]*>");
        Set<String> found = new LinkedHashSet<>();
        try (var files = Files.list(Manifests.DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                Matcher m = placeholder.matcher(read(f));
                while (m.find()) {
                    found.add(m.group());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String doc = read(Manifests.ROOT.resolve("docs/deploy-eks.md"));
        for (String p : found) {
            assertTrue(doc.contains("`" + p + "`"), "docs/deploy-eks.md documents " + p);
        }
        assertTrue(found.size() >= 8, "placeholders: " + found);
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.path(field).asText())) {
                return n;
            }
        }
        throw new AssertionError("no element with " + field + "=" + value + " in " + array);
    }

    private static int status(int port, String path) throws Exception {
        HttpURLConnection conn = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
        conn.setConnectTimeout(2000);
        conn.setReadTimeout(5000);
        try {
            return conn.getResponseCode();
        } finally {
            conn.disconnect();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
