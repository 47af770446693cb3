package io.cdclr.connector.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.connector.kinesis.EmulatorStream;
import io.cdclr.testsupport.LocalServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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

import static io.cdclr.connector.connect.ConnectItSupport.*;
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
    static {
        quietBrokerLogging();
    }

    private final String suffix = LocalServices.unique().substring(0, 8);
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
        dropQuietly(schema, slot, referenceSlot);
        if (stream != null) {
            stream.close();
        }
        deleteUnzippedPlugin(workDir);
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
        worker = new ConnectWorkerProcess(workDir, ConnectItSupport.workerProperties(kafka.bootstrapServers(), "kc-it-" + suffix, pluginPath, port), port);
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
        waitForRunning(worker, sourceName, 1, null);
        waitForRunning(worker, sinkName, 2, null);

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
        waitForRunning(worker, sourceName, 1, null);
        waitForRunning(worker, sinkName, 2, null);
        progress("worker restarted, connectors running");
        int beforeKill = transactions.get();
        waitFor("transactions after the restart", () -> transactions.get() >= beforeKill + 5, 60);
        // 2. A crash (SIGKILL): nothing is stopped or committed; the next worker replays from the stored positions.
        worker.kill();
        progress("worker killed (SIGKILL)");
        int duringDowntime = transactions.get();
        worker.start();
        waitForRunning(worker, sourceName, 1, null);
        waitForRunning(worker, sinkName, 2, null);
        progress("worker restarted, connectors running");
        stopWriting.set(true);
        writer.join(120_000);
        assertFalse(writer.isAlive(), "workload thread did not finish");
        assertEquals(null, writerError.get(), "workload failed");
        assertTrue(transactions.get() > duringDowntime, "transactions went on after the worker restarted");
        progress("workload thread done: " + transactions.get() + " transactions");
        workloadPhase3();

        // What wal2json itself emits for the same changes, with the options the connector uses.
        List<String> expected = peekReference(referenceSlot, schema + ".*", messagePrefix);
        List<JsonNode> expectedTrees = expected.stream().map(ConnectItSupport::tree).toList();
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

    private Map<String, String> sourceConfig() {
        // After a restart the previous task's walsender may hold the slot for a moment.
        return ConnectItSupport.sourceConfig(slot, schema + ".*", messagePrefix, topicPrefix, 30_000);
    }

    private Map<String, String> sinkConfig() {
        return ConnectItSupport.sinkConfig(topicPrefix + "\\." + schema + "\\..*", 2, stream.name(),
                LocalServices.kinesisEndpoint().toString());
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
}
