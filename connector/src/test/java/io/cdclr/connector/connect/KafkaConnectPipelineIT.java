package io.cdclr.connector.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.cdclr.connector.kinesis.EmulatorStream;
import io.cdclr.testsupport.LocalServices;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL → Kafka → Kinesis through a stock Kafka Connect worker: a KRaft broker in this JVM
 * ({@link EmbeddedKafkaCluster} from connect-runtime's test jar), a distributed Connect worker in its own JVM whose
 * classpath has none of our classes (they come only from the unzipped plugin zip on {@code plugin.path}, discovered
 * through the ServiceLoader manifests: {@code plugin.discovery=service_load}), both connectors created through the
 * REST API, the worker restarted while changes keep flowing, and every change compared with what wal2json itself
 * emits from a second slot created at the same point.
 */
class KafkaConnectPipelineIT {
    private static final String SOURCE_CLASS = "io.cdclr.connector.source.Wal2JsonSourceConnector";
    private static final String SINK_CLASS = "io.cdclr.connector.sink.KinesisSinkConnector";
    private static final String STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter";
    private static final ObjectMapper EXACT = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    static {
        // The broker runs in this JVM; keep its INFO logging out of the test output (the worker logs to target/kafka-connect-it).
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "warn");
    }

    private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private final String schema = "kc_" + suffix;
    private final String slot = "kc_src_" + suffix;
    private final String referenceSlot = "kc_ref_" + suffix;
    private final String topicPrefix = "kc" + suffix;
    private final String messagePrefix = "kc-it-" + suffix;
    private final String sourceName = "pg-source-" + suffix;
    private final String sinkName = "kinesis-sink-" + suffix;

    private final long started = System.nanoTime();
    private Path workDir;
    private EmbeddedKafkaCluster kafka;
    private ConnectWorkerProcess worker;
    private EmulatorStream stream;

    @AfterEach
    void cleanUp() throws Exception {
        if (worker != null) {
            try {
                worker.delete("/connectors/" + sourceName);
                worker.delete("/connectors/" + sinkName);
            } catch (Exception ignored) {
                // best effort
            }
            worker.stop();
        }
        // kafka: shared with the other Connect ITs of this JVM (SharedKafka), stopped when the JVM exits.
        dropSlotQuietly(slot);
        dropSlotQuietly(referenceSlot);
        try {
            exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (RuntimeException ignored) {
            // best effort
        }
        if (stream != null) {
            stream.close();
        }
        if (workDir != null) {
            // Keep the worker logs, drop the unzipped plugin (17 MB a run).
            try (var files = Files.walk(workDir.resolve("plugins"))) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    @Test
    void changesFlowFromPostgresThroughKafkaToKinesisAcrossAWorkerRestart() throws Exception {
        workDir = Files.createDirectories(Path.of("target", "kafka-connect-it", suffix)).toAbsolutePath();
        Path pluginPath = unzipPlugin(workDir.resolve("plugins"));

        exec("CREATE SCHEMA " + schema,
                "CREATE TABLE " + schema + ".orders (id bigint PRIMARY KEY, amount numeric(12,2), note text, big bigint, "
                        + "ratio double precision, created timestamptz)",
                "CREATE TABLE " + schema + ".items (a int, b text, payload jsonb, PRIMARY KEY (a, b))",
                "CREATE TABLE " + schema + ".nopk (x int, y text)");
        // Two slots at the same point: the connector's, and one wal2json's own output is peeked from at the end.
        exec("SELECT pg_create_logical_replication_slot('" + slot + "', 'wal2json')",
                "SELECT pg_create_logical_replication_slot('" + referenceSlot + "', 'wal2json')");

        progress("slots created");
        stream = EmulatorStream.create("kc-it", 2);
        progress("stream created");
        kafka = SharedKafka.get();

        int port = freePort();
        worker = new ConnectWorkerProcess(workDir, workerProperties(pluginPath, port), port);
        worker.assertClasspathHasNoPluginClasses();
        progress("Kafka up at " + kafka.bootstrapServers() + "; starting the worker");
        worker.start();
        progress("worker up");

        // Both connectors are known to the worker, from the plugin zip (its classpath has none of our classes).
        JsonNode plugins = worker.get("/connector-plugins?connectorsOnly=true");
        Map<String, JsonNode> byClass = new HashMap<>();
        plugins.forEach(p -> byClass.put(p.path("class").asText(), p));
        assertTrue(byClass.containsKey(SOURCE_CLASS), plugins.toString());
        assertTrue(byClass.containsKey(SINK_CLASS), plugins.toString());
        assertEquals("source", byClass.get(SOURCE_CLASS).path("type").asText());
        assertEquals("sink", byClass.get(SINK_CLASS).path("type").asText());
        assertEquals("0.1.0", byClass.get(SINK_CLASS).path("version").asText());

        // REST validation reports errors on the key concerned.
        JsonNode sinkErrors = worker.put("/connector-plugins/KinesisSinkConnector/config/validate",
                Map.of("connector.class", SINK_CLASS, "topics", "x", "kinesis.region", "us-east-1",
                        "kinesis.endpoint", "not a uri"));
        assertTrue(sinkErrors.path("error_count").asInt() >= 2, sinkErrors.toString());
        assertTrue(errorsOf(sinkErrors, "kinesis.stream").size() > 0, sinkErrors.toString());
        assertTrue(errorsOf(sinkErrors, "kinesis.endpoint").size() > 0, sinkErrors.toString());
        JsonNode sourceErrors = worker.put("/connector-plugins/Wal2JsonSourceConnector/config/validate",
                Map.of("connector.class", SOURCE_CLASS, "database.user", "u", "database.dbname", "d",
                        "wal2json.format.version", "1"));
        assertTrue(errorsOf(sourceErrors, "wal2json.format.version").size() > 0, sourceErrors.toString());

        worker.put("/connectors/" + sourceName + "/config", sourceConfig(), 201, 200);
        worker.put("/connectors/" + sinkName + "/config", sinkConfig(), 201, 200);
        waitForRunning(sourceName, 1);
        waitForRunning(sinkName, 2);

        int phase1 = workloadPhase1();
        waitFor("the first changes in Kinesis", () -> kinesisTexts().size() >= phase1, 120);
        progress("first " + phase1 + " changes in Kinesis");

        // Keep committing transactions while the worker restarts.
        AtomicBoolean stopWriting = new AtomicBoolean();
        AtomicInteger transactions = new AtomicInteger();
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Connection c = LocalServices.connect()) {
                for (int i = 0; !stopWriting.get() || i < 20; i++) {
                    workloadTransaction(c, 1000 + i);
                    transactions.incrementAndGet();
                    Thread.sleep(100);
                }
            } catch (Throwable t) {
                writerError.set(t);
            }
        }, "kc-it-writer");
        writer.start();
        waitFor("transactions before the restart", () -> transactions.get() >= 5, 60);
        // 1. A graceful restart (SIGTERM, as in a rolling restart): Connect stops the tasks and commits their offsets.
        worker.stop();
        progress("worker stopped (SIGTERM)");
        worker.start();
        waitForRunning(sourceName, 1);
        waitForRunning(sinkName, 2);
        progress("worker restarted, connectors running");
        int beforeKill = transactions.get();
        waitFor("transactions after the restart", () -> transactions.get() >= beforeKill + 5, 60);
        // 2. A crash (SIGKILL): nothing is stopped or committed; the next worker replays from the stored positions.
        worker.kill();
        progress("worker killed (SIGKILL)");
        int duringDowntime = transactions.get();
        worker.start();
        waitForRunning(sourceName, 1);
        waitForRunning(sinkName, 2);
        progress("worker restarted, connectors running");
        stopWriting.set(true);
        writer.join(120_000);
        assertFalse(writer.isAlive(), "workload thread did not finish");
        assertEquals(null, writerError.get(), "workload failed");
        assertTrue(transactions.get() > duringDowntime, "transactions went on after the worker restarted");
        progress("workload thread done: " + transactions.get() + " transactions");
        workloadPhase3();

        // What wal2json itself emits for the same changes, with the options the connector uses.
        List<String> expected = peekReference();
        List<JsonNode> expectedTrees = expected.stream().map(KafkaConnectPipelineIT::tree).toList();
        Map<JsonNode, Integer> expectedIndex = new HashMap<>();
        for (int i = 0; i < expectedTrees.size(); i++) {
            assertEquals(null, expectedIndex.put(expectedTrees.get(i), i), "wal2json emitted one change twice?");
        }
        assertTrue(expected.size() > 300, "expected changes: " + expected.size());
        progress("wal2json's own output peeked: " + expected.size() + " changes");

        waitFor("every change in Kinesis", () -> distinct(kinesisTexts()).size() >= expected.size(), 180);
        progress("all " + expected.size() + " changes in Kinesis");
        List<KinesisText> kinesis = kinesisTexts();

        // 1. Kinesis holds exactly wal2json's changes, JSON-equal with exact numbers (duplicates allowed: at-least-once).
        Set<JsonNode> actualSet = new HashSet<>();
        for (KinesisText record : kinesis) {
            JsonNode node = tree(record.data);
            assertTrue(expectedIndex.containsKey(node), "Kinesis has a change wal2json did not emit: " + record.data);
            actualSet.add(node);
        }
        assertEquals(expectedIndex.keySet(), actualSet, "changes missing from Kinesis");

        // 2. Per partition key, first deliveries are in commit order.
        Map<String, List<Integer>> positionsByKey = new LinkedHashMap<>();
        Set<JsonNode> seen = new HashSet<>();
        for (KinesisText record : kinesis) {
            JsonNode node = tree(record.data);
            if (seen.add(node)) {
                positionsByKey.computeIfAbsent(record.partitionKey, k -> new ArrayList<>()).add(expectedIndex.get(node));
            }
        }
        positionsByKey.forEach((key, positions) -> {
            for (int i = 1; i < positions.size(); i++) {
                assertTrue(positions.get(i - 1) < positions.get(i), "key " + key + " out of order: " + positions);
            }
        });

        // 3. Kafka: a topic per table; StringConverter wrote the partition key as the key and the envelope text as the
        // value; the Kinesis partition key is the Kafka key and the Kinesis data is the Kafka value, byte for byte.
        List<String> topics = List.of(topicPrefix + "." + schema + ".orders", topicPrefix + "." + schema + ".items",
                topicPrefix + "." + schema + ".nopk");
        ConsumerRecords<byte[], byte[]> kafkaRecords = kafka.consumeAll(60_000, topics.toArray(String[]::new));
        Map<String, String> keyByValue = new HashMap<>();
        Set<String> topicsSeen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : kafkaRecords) {
            topicsSeen.add(r.topic());
            keyByValue.put(new String(r.value(), StandardCharsets.UTF_8), new String(r.key(), StandardCharsets.UTF_8));
        }
        assertEquals(Set.copyOf(topics), topicsSeen);
        for (KinesisText record : kinesis) {
            assertEquals(keyByValue.get(record.data), record.partitionKey, "partition key of " + record.data);
        }
        for (String topic : topics) {
            assertEquals(3, kafka.describeTopics(topic).get(topic).orElseThrow().partitions().size(), topic);
        }
        // 4. The sink's consumer group: both tasks hold partitions, and the committed offsets reach the end of every
        // partition once Kinesis acknowledged everything (preCommit).
        try (Admin admin = kafka.createAdminClient()) {
            String group = "connect-" + sinkName;
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            assertEquals(2, description.members().size(), description.toString());
            for (MemberDescription member : description.members()) {
                assertFalse(member.assignment().topicPartitions().isEmpty(), "sink task without partitions: " + description);
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            for (String topic : topics) {
                for (int partition = 0; partition < 3; partition++) {
                    TopicPartition tp = new TopicPartition(topic, partition);
                    ends.put(tp, kafka.endOffset(tp));
                }
            }
            AtomicReference<Map<TopicPartition, OffsetAndMetadata>> committed = new AtomicReference<>();
            waitFor("the sink to commit every partition to its end", () -> {
                try {
                    committed.set(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
                } catch (Exception e) {
                    return false;
                }
                return ends.entrySet().stream().allMatch(e -> committed.get().get(e.getKey()) != null
                        && committed.get().get(e.getKey()).offset() == e.getValue());
            }, 60);
        }

        System.out.printf("KafkaConnectPipelineIT: %d changes; Kafka %d records (%d duplicates); Kinesis %d records "
                        + "(%d duplicates); %d transactions while the worker restarted twice%n", expected.size(),
                kafkaRecords.count(), kafkaRecords.count() - keyByValue.size(), kinesis.size(),
                kinesis.size() - expected.size(), transactions.get());
    }

    // ---- configuration

    private Properties workerProperties(Path pluginPath, int port) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", kafka.bootstrapServers());
        p.setProperty("group.id", "kc-it-" + suffix);
        p.setProperty("key.converter", STRING_CONVERTER);
        p.setProperty("value.converter", STRING_CONVERTER);
        p.setProperty("config.storage.topic", "kc-it-" + suffix + "-configs");
        p.setProperty("offset.storage.topic", "kc-it-" + suffix + "-offsets");
        p.setProperty("status.storage.topic", "kc-it-" + suffix + "-status");
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
        p.setProperty("consumer.session.timeout.ms", "6000");
        p.setProperty("consumer.heartbeat.interval.ms", "1000");
        p.setProperty("listeners", "http://127.0.0.1:" + port);
        p.setProperty("rest.advertised.host.name", "127.0.0.1");
        p.setProperty("plugin.path", pluginPath.toString());
        // Only ServiceLoader manifests (META-INF/services/...Connector): proves the plugin carries them.
        p.setProperty("plugin.discovery", "service_load");
        return p;
    }

    private Map<String, String> sourceConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", SOURCE_CLASS);
        c.put("tasks.max", "1");
        c.put("database.hostname", LocalServices.pgHost());
        c.put("database.port", Integer.toString(LocalServices.pgPort()));
        c.put("database.user", LocalServices.pgUser());
        c.put("database.password", LocalServices.pgPassword());
        c.put("database.dbname", LocalServices.pgDatabase());
        c.put("database.sslmode", LocalServices.env("PGSSLMODE", "prefer"));
        c.put("slot.name", slot);
        c.put("slot.create.if.missing", "false");
        // After a restart the previous task's walsender may hold the slot for a moment.
        c.put("slot.active.wait.ms", "30000");
        c.put("status.interval.ms", "1000");
        c.put("wal2json.add-tables", schema + ".*");
        c.put("wal2json.add-msg-prefixes", messagePrefix);
        c.put("topic.prefix", topicPrefix);
        c.put("topic.creation.default.replication.factor", "1");
        c.put("topic.creation.default.partitions", "3");
        c.put("key.converter", STRING_CONVERTER);
        c.put("value.converter", STRING_CONVERTER);
        return c;
    }

    private Map<String, String> sinkConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", SINK_CLASS);
        c.put("tasks.max", "2");
        c.put("topics.regex", topicPrefix + "\\." + schema + "\\..*");
        // New topics matching the pattern are picked up on the consumer's next metadata refresh.
        c.put("consumer.override.metadata.max.age.ms", "1000");
        c.put("key.converter", STRING_CONVERTER);
        c.put("value.converter", STRING_CONVERTER);
        c.put("kinesis.stream", stream.name());
        c.put("kinesis.region", LocalServices.awsRegion());
        c.put("kinesis.endpoint", LocalServices.kinesisEndpoint().toString());
        return c;
    }

    // ---- workload

    private int workloadPhase1() throws SQLException {
        int changes = 0;
        try (Connection c = LocalServices.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO " + schema + ".orders VALUES "
                        + "(1, 10.50, 'grüß 🚀 \"quoted\" \\ back', 9223372036854775807, 1.5e300, '2024-02-29 12:34:56.789+01'),"
                        + "(2, 0.00, NULL, -9223372036854775808, -0.0, 'infinity'),"
                        + "(3, 99999999.99, E'line\\nbreak\\ttab', 0, 2.5e-10, '1999-12-31 23:59:59+00')");
                changes += 3;
                s.execute("INSERT INTO " + schema + ".items VALUES (1, 'a', '{\"n\": 1.10, \"deep\": [1, 2.50]}'), "
                        + "(1, 'b|c', NULL), (2, 'with,comma', '[]')");
                changes += 3;
                s.execute("INSERT INTO " + schema + ".nopk VALUES (1, 'x'), (2, NULL)");
                changes += 2;
                c.commit();
                s.execute("UPDATE " + schema + ".orders SET amount = amount + 0.01 WHERE id = 1");
                s.execute("UPDATE " + schema + ".orders SET id = 4 WHERE id = 2");
                s.execute("DELETE FROM " + schema + ".items WHERE a = 1 AND b = 'a'");
                changes += 3;
                c.commit();
                // A bigger transaction.
                s.execute("INSERT INTO " + schema + ".orders SELECT g, g * 1.25, 'row ' || g, g::bigint * 1000000007, g / 3.0, now() "
                        + "FROM generate_series(100, 249) g");
                changes += 150;
                c.commit();
                s.execute("TRUNCATE " + schema + ".nopk");
                changes += 1;
                c.commit();
            }
        }
        return changes;
    }

    private void workloadTransaction(Connection c, int i) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + schema + ".orders VALUES (?, ?, ?, ?, ?, now())")) {
            for (int j = 0; j < 4; j++) {
                long id = i * 10L + j;
                insert.setLong(1, id);
                insert.setBigDecimal(2, new java.math.BigDecimal(id + ".10"));
                insert.setString(3, "tx " + i);
                insert.setLong(4, id * 31);
                insert.setDouble(5, id / 7.0);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        try (Statement s = c.createStatement()) {
            s.execute("UPDATE " + schema + ".orders SET note = 'updated in tx " + i + "' WHERE id = " + (i * 10L));
            s.execute("DELETE FROM " + schema + ".orders WHERE id = " + (i * 10L + 3));
            s.execute("INSERT INTO " + schema + ".items VALUES (" + i + ", 'k', '{\"i\": " + i + ".0}')");
        }
        c.commit();
    }

    private void workloadPhase3() throws SQLException {
        try (Connection c = LocalServices.connect()) {
            for (int i = 0; i < 5; i++) {
                workloadTransaction(c, 5000 + i);
            }
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("UPDATE " + schema + ".orders SET ratio = ratio * 2 WHERE id BETWEEN 100 AND 119");
            }
        }
    }

    // ---- Kinesis, PostgreSQL, REST helpers

    private record KinesisText(String partitionKey, String data) {
    }

    /** Every Kinesis record, shard by shard in stream order. */
    private List<KinesisText> kinesisTexts() {
        List<KinesisText> out = new ArrayList<>();
        for (List<Record> records : stream.readAllByShard().values()) {
            for (Record r : records) {
                out.add(new KinesisText(r.partitionKey(), r.data().asUtf8String()));
            }
        }
        return out;
    }

    private static Set<String> distinct(List<KinesisText> records) {
        Set<String> out = new HashSet<>();
        records.forEach(r -> out.add(r.data));
        return out;
    }

    private List<String> peekReference() throws SQLException {
        String sql = "SELECT data FROM pg_logical_slot_peek_changes(?, NULL, NULL, 'format-version', '2', 'include-pk', '1', "
                + "'include-lsn', '1', 'include-timestamp', '1', 'include-transaction', '0', 'add-tables', ?, "
                + "'add-msg-prefixes', ?)";
        try (Connection c = LocalServices.connect()) {
            try (Statement s = c.createStatement()) {
                s.execute("SET search_path = ''");
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, referenceSlot);
                ps.setString(2, schema + ".*");
                ps.setString(3, messagePrefix);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        }
    }

    private void waitForRunning(String connector, int tasks) throws InterruptedException {
        AtomicReference<String> last = new AtomicReference<>();
        waitFor(connector + " RUNNING with " + tasks + " task(s)", () -> {
            try {
                JsonNode status = worker.get("/connectors/" + connector + "/status");
                last.set(status.toString());
                if (!"RUNNING".equals(status.path("connector").path("state").asText())) {
                    return false;
                }
                int running = 0;
                for (JsonNode task : status.path("tasks")) {
                    if ("FAILED".equals(task.path("state").asText())) {
                        throw new AssertionError(connector + " task failed: " + task.path("trace").asText());
                    }
                    running += "RUNNING".equals(task.path("state").asText()) ? 1 : 0;
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

    private void progress(String what) {
        System.out.printf("KafkaConnectPipelineIT %5.1f s: %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    private static List<String> errorsOf(JsonNode validation, String key) {
        List<String> out = new ArrayList<>();
        for (JsonNode config : validation.path("configs")) {
            if (key.equals(config.path("value").path("name").asText())) {
                config.path("value").path("errors").forEach(e -> out.add(e.asText()));
            }
        }
        return out;
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
        try {
            return EXACT.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    static void exec(String... sql) {
        try (Connection c = LocalServices.connect(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
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
