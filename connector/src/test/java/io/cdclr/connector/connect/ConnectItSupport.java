package io.cdclr.connector.connect;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.ExactJson;
import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.connector.source.PgTestSupport;
import io.cdclr.testsupport.LocalServices;
import io.cdclr.testsupport.Wal2JsonPeek;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What the Kafka Connect integration tests (KafkaConnectPipelineIT, ConnectScaleOutIT) share: the plugin unzipped from
 * the build, a distributed worker's properties, both connectors' configurations for the local services, the Connect
 * REST status polled until tasks run, and the reference slot peeked for what wal2json itself emits.
 */
final class ConnectItSupport {
    static final String SOURCE_CLASS = "io.cdclr.connector.source.Wal2JsonSourceConnector";
    static final String SINK_CLASS = "io.cdclr.connector.sink.KinesisSinkConnector";
    static final String STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter";

    private ConnectItSupport() {
    }

    /** The broker runs in the test JVM: its INFO logging stays out of the test output (workers log to their directory). */
    static void quietBrokerLogging() {
        for (String logger : List.of("org.apache.kafka", "kafka", "state.change.logger", "org.apache.zookeeper")) {
            System.setProperty("org.slf4j.simpleLogger.log." + logger, "warn");
        }
    }

    /** A distributed worker in group {@code group} (its topics named after it), REST on {@code port}. */
    static Properties workerProperties(String bootstrapServers, String group, Path pluginPath, int port) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrapServers);
        p.setProperty("group.id", group);
        p.setProperty("key.converter", STRING_CONVERTER);
        p.setProperty("value.converter", STRING_CONVERTER);
        p.setProperty("config.storage.topic", group + "-configs");
        p.setProperty("offset.storage.topic", group + "-offsets");
        p.setProperty("status.storage.topic", group + "-status");
        p.setProperty("config.storage.replication.factor", "1");
        p.setProperty("offset.storage.replication.factor", "1");
        p.setProperty("status.storage.replication.factor", "1");
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("status.storage.partitions", "1");
        p.setProperty("offset.flush.interval.ms", "1000");
        // After a crash: reassign the dead worker's connectors and tasks at once, and let the group coordinators notice
        // the dead worker and its sink consumers after 6 s (the brokers' minimum; the consumers' default is 45 s).
        p.setProperty("scheduled.rebalance.max.delay.ms", "0");
        p.setProperty("session.timeout.ms", "6000");
        p.setProperty("heartbeat.interval.ms", "1000");
        p.setProperty("consumer.session.timeout.ms", "6000");
        p.setProperty("consumer.heartbeat.interval.ms", "1000");
        p.setProperty("listeners", "http://127.0.0.1:" + port);
        p.setProperty("rest.advertised.host.name", "127.0.0.1");
        p.setProperty("rest.advertised.port", Integer.toString(port));
        p.setProperty("plugin.path", pluginPath.toString());
        // Only ServiceLoader manifests (META-INF/services/...Connector): proves the plugin carries them.
        p.setProperty("plugin.discovery", "service_load");
        return p;
    }

    /**
     * The source connector on the local PostgreSQL, on an existing slot, topics with 3 partitions.
     *
     * @param slotActiveWaitMs how long a new task waits for a previous task's walsender to release the slot
     */
    static Map<String, String> sourceConfig(String slot, String addTables, String messagePrefix, String topicPrefix,
            long slotActiveWaitMs) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", SOURCE_CLASS);
        c.put("tasks.max", "1");
        c.putAll(PgTestSupport.databaseConfig());
        c.put("slot.name", slot);
        c.put("slot.create.if.missing", "false");
        c.put("slot.active.wait.ms", Long.toString(slotActiveWaitMs));
        c.put("status.interval.ms", "1000");
        c.put("wal2json.add-tables", addTables);
        c.put("wal2json.add-msg-prefixes", messagePrefix);
        c.put("topic.prefix", topicPrefix);
        c.put("topic.creation.default.replication.factor", "1");
        c.put("topic.creation.default.partitions", "3");
        c.put("key.converter", STRING_CONVERTER);
        c.put("value.converter", STRING_CONVERTER);
        return c;
    }

    /** The sink connector reading the topics matching {@code topicsRegex} into {@code stream} at {@code endpoint}. */
    static Map<String, String> sinkConfig(String topicsRegex, int tasks, String stream, String endpoint) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", SINK_CLASS);
        c.put("tasks.max", Integer.toString(tasks));
        c.put("topics.regex", topicsRegex);
        // New topics matching the pattern are picked up on the consumer's next metadata refresh.
        c.put("consumer.override.metadata.max.age.ms", "1000");
        c.put("key.converter", STRING_CONVERTER);
        c.put("value.converter", STRING_CONVERTER);
        c.put("kinesis.stream", stream);
        c.put("kinesis.region", LocalServices.awsRegion());
        c.put("kinesis.endpoint", endpoint);
        return c;
    }

    /** What wal2json emits on the reference slot (peeked, as the walsender would: empty search_path). */
    static List<String> peekReference(String slot, String addTables, String messagePrefix) {
        return Wal2JsonPeek.peek(slot, Wal2JsonPeek.pipelineOptions(addTables, messagePrefix));
    }

    /** Waits for the connector and its tasks RUNNING, all on one worker when {@code onWorker} is given. */
    static void waitForRunning(ConnectWorkerProcess via, String connector, int tasks, String onWorker) throws InterruptedException {
        waitFor(connector + " RUNNING with " + tasks + " task(s)" + (onWorker == null ? "" : " on " + onWorker), () -> {
            try {
                JsonNode status = via.get("/connectors/" + connector + "/status");
                if (!"RUNNING".equals(status.path("connector").path("state").asText())) {
                    return false;
                }
                int running = 0;
                for (JsonNode task : status.path("tasks")) {
                    if ("FAILED".equals(task.path("state").asText())) {
                        throw new AssertionError(connector + " task failed: " + task.path("trace").asText());
                    }
                    boolean placed = onWorker == null || onWorker.equals(task.path("worker_id").asText());
                    running += "RUNNING".equals(task.path("state").asText()) && placed ? 1 : 0;
                }
                return running == tasks;
            } catch (IOException | IllegalStateException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, 120);
    }

    static void waitFor(String what, BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(500);
        }
    }


    static JsonNode tree(String json) {
        return ExactJson.tree(json);
    }


    static void exec(String... sql) {
        LocalServices.exec(sql);
    }


    static void dropSlotQuietly(String slot) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
                return;
            } catch (RuntimeException e) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }


    /** Drops the slots (waiting for a walsender to let go) and the schema; best effort. */
    static void dropQuietly(String schema, String... slots) {
        for (String slot : slots) {
            dropSlotQuietly(slot);
        }
        try {
            exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (RuntimeException ignored) {
            // best effort
        }
    }

    /** Keeps the worker logs of {@code workDir}, drops the unzipped plugin (17 MB a run); null: nothing to do. */
    static void deleteUnzippedPlugin(Path workDir) {
        if (workDir == null) {
            return;
        }
        try (var files = Files.walk(workDir.resolve("plugins"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }


    /**
     * Unzips connector/target/cdc-logical-replication-connector-*-plugin.zip (built by `package`) into the plugin
     * directory and checks its layout: {@code <name>/manifest.json}, {@code <name>/lib/*.jar}, no Kafka or SLF4J jars.
     */
    static Path unzipPlugin(Path pluginDir) throws IOException {
        Path zip = null;
        try (DirectoryStream<Path> candidates = Files.newDirectoryStream(Path.of("target"),
                "cdc-logical-replication-connector-*-plugin.zip")) {
            for (Path candidate : candidates) {
                zip = candidate;
            }
        }
        assertTrue(zip != null, "no plugin zip in connector/target: run `mvn package` first (failsafe runs after it)");
        Files.createDirectories(pluginDir);
        Set<String> libs = new HashSet<>();
        boolean manifest = false;
        try (ZipFile file = new ZipFile(zip.toFile())) {
            Enumeration<? extends ZipEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                Path target = pluginDir.resolve(entry.getName()).normalize();
                assertTrue(target.startsWith(pluginDir), entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = file.getInputStream(entry)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                manifest |= entry.getName().equals("cdc-logical-replication-connector/manifest.json");
                if (entry.getName().startsWith("cdc-logical-replication-connector/lib/")) {
                    libs.add(entry.getName().substring("cdc-logical-replication-connector/lib/".length()));
                }
            }
        }
        assertTrue(manifest, "manifest.json missing from " + zip);
        assertTrue(libs.stream().anyMatch(l -> l.startsWith("cdc-logical-replication-connector-")), libs.toString());
        assertTrue(libs.stream().noneMatch(l -> l.startsWith("kafka-clients") || l.startsWith("connect-api")
                || l.startsWith("slf4j")), libs.toString());
        return pluginDir;
    }
}
