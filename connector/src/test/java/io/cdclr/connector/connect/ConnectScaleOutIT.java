package io.cdclr.connector.connect;

import io.cdclr.testsupport.ThrottlingProxy;
import com.fasterxml.jackson.databind.JsonNode;
import io.cdclr.connector.kinesis.EmulatorStream;
import io.cdclr.testsupport.LocalServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;

import static io.cdclr.connector.connect.ConnectItSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scale-out on Kafka Connect (issue 24): two distributed workers in one group (plugin only on {@code plugin.path}), two
 * wal2json source connectors splitting the tables across two slots (disjoint {@code wal2json.add-tables}), the Kinesis
 * sink with three tasks writing through a proxy that throttles 40% of the PutRecords entries, a steady workload, and
 * the worker running the first source task killed with SIGKILL mid-stream. The survivor takes over the source task and
 * the sink partitions (in the full variant the killed worker then comes back and takes tasks from the survivor: a
 * rebalance under load, with commits that do not flush first); then everything committed must be in Kinesis (missing = 0) with every key's changes in commit
 * order (order violations = 0), and no key's stream may end on or jump to a stale duplicate (a replay, as
 * at-least-once allows, runs on to the newest change). Also: a dead letter queue for records the sink cannot write,
 * and the plugin's metrics read from the workers over JMX.
 *
 * <p>Short by default; {@code -Dconnect.scaleout.full=true} restarts the killed worker and runs 2000 more transactions.
 */
class ConnectScaleOutIT {
    private static final boolean FULL = Boolean.getBoolean("connect.scaleout.full");
    private static final int KEYS_PER_TABLE = 40;

    static {
        quietBrokerLogging();
    }

    private final String suffix = LocalServices.unique().substring(0, 8);
    private final String schema = "connect_" + suffix;
    private final String slotA = "connect_a_" + suffix;
    private final String slotB = "connect_b_" + suffix;
    private final String referenceSlot = "connect_ref_" + suffix;
    private final String topicPrefix = "connect" + suffix;
    private final String messagePrefix = "connect-it-" + suffix;
    private final String sourceA = "connect-src-a-" + suffix;
    private final String sourceB = "connect-src-b-" + suffix;
    private final String sinkName = "connect-sink-" + suffix;
    private final String dlqSinkName = "connect-dlq-sink-" + suffix;
    private final String badTopic = "connect-bad-" + suffix;
    private final String dlqTopic = "connect-dlq-" + suffix;
    private final long started = System.nanoTime();

    private Path workDir;
    private EmbeddedKafkaCluster kafka;
    private final List<ConnectWorkerProcess> workers = new ArrayList<>();
    private final List<Integer> jmxPorts = new ArrayList<>();
    private EmulatorStream stream;
    private ThrottlingProxy proxy;

    @AfterEach
    void cleanUp() throws Exception {
        for (ConnectWorkerProcess w : workers) {
            if (w.isAlive()) {
                try {
                    for (String c : List.of(sourceA, sourceB, sinkName, dlqSinkName)) {
                        w.delete("/connectors/" + c);
                    }
                } catch (Exception ignored) {
                    // best effort
                }
                break;
            }
        }
        for (ConnectWorkerProcess w : workers) {
            w.kill(); // the test is over: no need for a graceful stop
        }
        if (proxy != null) {
            proxy.close();
        }
        dropQuietly(schema, slotA, slotB, referenceSlot);
        if (stream != null) {
            stream.close();
        }
        deleteUnzippedPlugin(workDir);
    }

    @Test
    void twoWorkersOneKilledUnderLoadTwoSlotsIntoOneStream() throws Exception {
        workDir = Files.createDirectories(Path.of("target", "connect-scaleout-it", suffix)).toAbsolutePath();
        Path pluginPath = unzipPlugin(workDir.resolve("plugins"));
        exec("CREATE SCHEMA " + schema,
                "CREATE TABLE " + schema + ".a (id int PRIMARY KEY, v bigint NOT NULL)",
                "CREATE TABLE " + schema + ".b (id int PRIMARY KEY, v bigint NOT NULL)");
        // One slot per table group, and a reference slot at the same point for the oracle (wal2json's own output).
        exec("SELECT pg_create_logical_replication_slot('" + slotA + "', 'wal2json')",
                "SELECT pg_create_logical_replication_slot('" + slotB + "', 'wal2json')",
                "SELECT pg_create_logical_replication_slot('" + referenceSlot + "', 'wal2json')");
        stream = EmulatorStream.create("connect-scale", 4);
        proxy = new ThrottlingProxy(LocalServices.kinesisEndpoint().toString(), 24);
        proxy.mode(ThrottlingProxy.Mode.THROTTLE_ENTRIES);
        kafka = SharedKafka.get();
        kafka.createTopic(badTopic, 1);
        progress("slots, stream, proxy, Kafka ready");

        for (int i = 0; i < 2; i++) {
            Path dir = Files.createDirectories(workDir.resolve("worker-" + i));
            int port = freePort();
            int jmx = freePort();
            jmxPorts.add(jmx);
            workers.add(new ConnectWorkerProcess(dir, ConnectItSupport.workerProperties(kafka.bootstrapServers(), "connect-" + suffix, pluginPath, port), port).jvmArgs(List.of(
                    "-Dcom.sun.management.jmxremote.port=" + jmx, "-Dcom.sun.management.jmxremote.rmi.port=" + jmx,
                    "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false",
                    "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1")));
        }
        startBoth();
        progress("two workers up");
        ConnectWorkerProcess any = workers.get(0);
        any.put("/connectors/" + sourceA + "/config", sourceConfig(slotA, schema + ".a"), 201, 200);
        any.put("/connectors/" + sourceB + "/config", sourceConfig(slotB, schema + ".b"), 201, 200);
        any.put("/connectors/" + sinkName + "/config", sinkConfig(), 201, 200);
        any.put("/connectors/" + dlqSinkName + "/config", dlqSinkConfig(), 201, 200);
        waitForRunning(any, sourceA, 1, null);
        waitForRunning(any, sourceB, 1, null);
        waitForRunning(any, sinkName, 3, null);
        waitForRunning(any, dlqSinkName, 1, null);
        progress("connectors running: " + placement(any));

        // Records the sink cannot write: JSON objects and arrays become a Map / List under JsonConverter.
        kafka.produce(badTopic, "bad-1", "\"fine\"");
        kafka.produce(badTopic, "bad-2", "{\"not\": \"a string\"}");
        kafka.produce(badTopic, "bad-3", "[1, 2]");

        // A steady workload over both tables: each transaction moves a few random keys of each table one version on.
        AtomicBoolean stopWriting = new AtomicBoolean();
        AtomicInteger transactions = new AtomicInteger();
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            Random random = new Random(7);
            try (Connection c = LocalServices.connect()) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("INSERT INTO " + schema + ".a SELECT g, 0 FROM generate_series(1, " + KEYS_PER_TABLE + ") g");
                    s.execute("INSERT INTO " + schema + ".b SELECT g, 0 FROM generate_series(1, " + KEYS_PER_TABLE + ") g");
                }
                c.commit();
                try (PreparedStatement a = c.prepareStatement("UPDATE " + schema + ".a SET v = v + 1 WHERE id = ?");
                     PreparedStatement b = c.prepareStatement("UPDATE " + schema + ".b SET v = v + 1 WHERE id = ?")) {
                    while (!stopWriting.get()) {
                        for (int j = 0; j < 3; j++) {
                            a.setInt(1, 1 + random.nextInt(KEYS_PER_TABLE));
                            a.executeUpdate();
                            b.setInt(1, 1 + random.nextInt(KEYS_PER_TABLE));
                            b.executeUpdate();
                        }
                        c.commit();
                        transactions.incrementAndGet();
                        Thread.sleep(25);
                    }
                }
            } catch (Throwable t) {
                writerError.set(t);
            }
        }, "connect-scaleout-writer");
        writer.start();
        waitFor("changes in Kinesis before the kill", () -> transactions.get() >= 40 && stream.readAllByShard().values()
                .stream().mapToInt(List::size).sum() > 100, 120);

        // The plugin's metrics, read from the workers over JMX.
        Map<String, Long> metrics = jmxMetrics();
        progress("JMX before the kill: " + metrics);
        assertTrue(metrics.getOrDefault("sink.RecordsSent", 0L) > 0, metrics.toString());
        assertTrue(metrics.getOrDefault("sink.Retries", 0L) > 0, "the proxy throttles: " + metrics);
        assertEquals(1L, metrics.get("replication." + slotA + ".Connected"), metrics.toString());
        assertEquals(1L, metrics.get("replication." + slotB + ".Connected"), metrics.toString());

        // Kill the worker that runs the first source task, mid-stream.
        String victimId = any.get("/connectors/" + sourceA + "/status").path("tasks").path(0).path("worker_id").asText();
        ConnectWorkerProcess victim = workers.stream().filter(w -> victimId.endsWith(":" + w.port())).findFirst().orElseThrow();
        ConnectWorkerProcess survivor = workers.get(0) == victim ? workers.get(1) : workers.get(0);
        int atKill = transactions.get();
        victim.kill();
        long killedAt = System.nanoTime();
        progress("killed worker " + victimId + " (SIGKILL) after " + atKill + " transactions");

        String survivorId = "127.0.0.1:" + survivor.port();
        waitForRunning(survivor, sourceA, 1, survivorId);
        waitForRunning(survivor, sourceB, 1, survivorId);
        waitForRunning(survivor, sinkName, 3, survivorId);
        double takeover = (System.nanoTime() - killedAt) / 1e9;
        progress(String.format("the survivor runs everything %.1f s after the kill: %s", takeover, placement(survivor)));
        // The killed worker comes back: the group rebalances again and the survivor's sink tasks give partitions up
        // (close) while records are still throttled in their writers.
        // (The full variant only: a worker start and a rebalance cost the short one 30 s.)
        if (FULL) {
            victim.start();
            waitFor("tasks on both workers again", () -> {
                try {
                    return placement(survivor).contains(victimId);
                } catch (IOException | InterruptedException e) {
                    return false;
                }
            }, 120);
            waitForRunning(survivor, sourceA, 1, null);
            waitForRunning(survivor, sourceB, 1, null);
            waitForRunning(survivor, sinkName, 3, null);
            progress("the killed worker rejoined: " + placement(survivor));
        }
        int afterRejoin = transactions.get();
        waitFor("transactions after the rejoin", () -> transactions.get() >= afterRejoin + (FULL ? 2000 : 60),
                FULL ? 600 : 120);
        stopWriting.set(true);
        writer.join(60_000);
        assertFalse(writer.isAlive(), "workload thread did not finish");
        assertEquals(null, writerError.get(), "workload failed");
        progress(transactions.get() + " transactions, " + atKill + " before the kill");

        List<String> expected = peekReference(referenceSlot, schema + ".*", messagePrefix);
        Map<JsonNode, Integer> index = new HashMap<>();
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(null, index.put(tree(expected.get(i)), i), "wal2json emitted one change twice?");
        }
        AtomicReference<List<Record>> delivered = new AtomicReference<>();
        try {
            waitFor("every change in Kinesis", () -> {
                delivered.set(changeRecords());
                return delivered.get().stream().map(r -> tree(r.data().asUtf8String())).distinct().count() >= expected.size();
            }, 180);
        } catch (AssertionError e) {
            System.out.println("ConnectScaleOutIT: not everything arrived: " + e.getMessage());
        }
        Report report = check(expected, index, delivered.get());
        String line = String.format("ConnectScaleOutIT: %s; worker killed after %d of %d transactions, take-over %.1f s; "
                        + "proxy throttled %d entries; %.1f s in all", report, atKill, transactions.get(), takeover,
                proxy.throttledEntries.get(), (System.nanoTime() - started) / 1e9);
        System.out.println(line);
        Files.writeString(Path.of("target", "connect-scaleout-report.txt"), line + System.lineSeparator());
        progress("JMX at the end: " + jmxMetrics());
        assertEquals(0, report.missing, report.toString());
        assertEquals(0, report.unexpected, report.toString());
        assertEquals(0, report.orderViolations, report.toString());
        assertEquals(0, report.stale, report.toString());

        // The dead letter queue: the two records the sink could not write, with Connect's error headers; the good one in Kinesis.
        ConsumerRecords<byte[], byte[]> dlq = kafka.consume(2, 60_000, dlqTopic);
        List<String> dlqKeys = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            dlqKeys.add(new String(r.key(), StandardCharsets.UTF_8));
            Header cause = r.headers().lastHeader("__connect.errors.exception.message");
            assertNotNull(cause, "error context headers");
            assertTrue(new String(cause.value(), StandardCharsets.UTF_8).contains("value of type"),
                    new String(cause.value(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("bad-2", "bad-3"), dlqKeys.stream().sorted().toList());
        assertTrue(stream.readAllByShard().values().stream().flatMap(List::stream)
                .anyMatch(r -> r.partitionKey().equals("bad-1") && r.data().asUtf8String().equals("fine")));
        progress("dead letter queue: " + dlqKeys);
    }

    // ---- the check

    record Report(int committed, int delivered, int missing, int duplicated, int unexpected, int orderViolations,
                  int stale, List<String> examples) {
        @Override
        public String toString() {
            return "committed " + committed + ", delivered " + delivered + ", missing " + missing + ", duplicated "
                    + duplicated + ", unexpected " + unexpected + ", order violations " + orderViolations
                    + ", stale duplicates " + stale + (examples.isEmpty() ? "" : "; " + examples);
        }
    }

    /**
     * Per key, in stream order (a key's records are in one shard): first deliveries in commit order (else an order
     * violation); a duplicate is allowed only as part of a replay that runs on, change after change of the key, to
     * the newest one delivered before it (else a stale duplicate: an older change landing after a newer one).
     */
    static Report check(List<String> expected, Map<JsonNode, Integer> index, List<Record> delivered) {
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        int unexpected = 0;
        List<String> examples = new ArrayList<>();
        for (Record r : delivered) {
            Integer i = index.get(tree(r.data().asUtf8String()));
            if (i == null) {
                unexpected++;
                continue;
            }
            byKey.computeIfAbsent(r.partitionKey(), k -> new ArrayList<>()).add(i);
        }
        Set<Integer> seen = new java.util.HashSet<>();
        int duplicated = 0;
        int order = 0;
        int stale = 0;
        for (Map.Entry<String, List<Integer>> e : byKey.entrySet()) {
            List<Integer> positions = e.getValue();
            // The key's changes in commit order, to find each one's successor.
            List<Integer> keyChanges = positions.stream().distinct().sorted().toList();
            Map<Integer, Integer> next = new TreeMap<>();
            for (int k = 0; k + 1 < keyChanges.size(); k++) {
                next.put(keyChanges.get(k), keyChanges.get(k + 1));
            }
            int high = -1;
            int current = -1;
            for (int p : positions) {
                boolean first = seen.add(p);
                if (!first) {
                    duplicated++;
                } else if (p < high) {
                    order++; // first delivered after the first delivery of a later change of the key
                    example(examples, "order: key " + e.getKey() + " " + positions);
                }
                if (p > high) {
                    if (current < high) {
                        stale++; // a replay stopped short of the newest change delivered before it
                        example(examples, "replay cut short: key " + e.getKey() + " " + positions);
                    }
                    high = p;
                } else if (p > current && !Integer.valueOf(p).equals(next.get(current))) {
                    stale++; // a jump within a replay: a stale change out of its run
                    example(examples, "stale: key " + e.getKey() + " " + positions);
                }
                current = p;
            }
            if (current < high) {
                stale++; // the key's stream ends on an older change than one delivered before
                example(examples, "ends stale: key " + e.getKey() + " " + positions);
            }
        }
        int missing = 0;
        for (int i = 0; i < expected.size(); i++) {
            if (!seen.contains(i) && missing++ < 3) {
                examples.add("missing: " + expected.get(i));
            }
        }
        return new Report(expected.size(), delivered.size(), missing, duplicated, unexpected, order, stale, examples);
    }

    private static void example(List<String> examples, String what) {
        if (examples.size() < 5) {
            examples.add(what.length() > 300 ? what.substring(0, 300) + "..." : what);
        }
    }

    /** Every record of the workload's tables in the stream, shard by shard in stream order (not the DLQ test's). */
    private List<Record> changeRecords() {
        List<Record> out = new ArrayList<>();
        for (List<Record> shard : stream.readAllByShard().values()) {
            for (Record r : shard) {
                if (!r.partitionKey().startsWith("bad-")) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    // ---- JMX

    /** The plugin's MBeans on every live worker: the sinks' attributes summed, the slots' connected flags. */
    private Map<String, Long> jmxMetrics() throws Exception {
        Map<String, Long> out = new TreeMap<>();
        for (int i = 0; i < workers.size(); i++) {
            if (!workers.get(i).isAlive()) {
                continue;
            }
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPorts.get(i) + "/jmxrmi");
            try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
                MBeanServerConnection server = connector.getMBeanServerConnection();
                for (ObjectName name : server.queryNames(new ObjectName("io.cdclr.connector:type=kinesis-sink,connector="
                        + sinkName + ",*"), null)) {
                    for (String attribute : List.of("RecordsSent", "Retries", "Calls", "RecordsInFlight", "RecordsReported")) {
                        out.merge("sink." + attribute, (Long) server.getAttribute(name, attribute), Long::sum);
                    }
                    out.merge("sink.tasks", 1L, Long::sum);
                }
                for (ObjectName name : server.queryNames(new ObjectName("io.cdclr.connector:type=replication,*"), null)) {
                    String slot = name.getKeyProperty("slot");
                    if (slot.equals(slotA) || slot.equals(slotB)) {
                        out.put("replication." + slot + ".Connected", (Boolean) server.getAttribute(name, "Connected") ? 1L : 0L);
                    }
                }
            }
        }
        return out;
    }

    // ---- configuration

    private Map<String, String> sourceConfig(String slot, String tables) {
        // After the kill the dead worker's walsender may hold the slot until PostgreSQL notices.
        return ConnectItSupport.sourceConfig(slot, tables, messagePrefix, topicPrefix, 60_000);
    }

    private Map<String, String> sinkConfig() {
        Map<String, String> c = ConnectItSupport.sinkConfig(topicPrefix + "\\." + schema + "\\..*", 3, stream.name(),
                proxy.endpoint());
        // Commits cover only what is acknowledged at that moment (no flush first), so at a rebalance it is close() that
        // must keep revoked records from landing after the next owner's.
        c.put("kinesis.sink.commit.flush.timeout.ms", "0");
        // 40% of the entries are throttled on every attempt: cap the backoff so that the tail drains in seconds.
        c.put("kinesis.retry.backoff.max.ms", "400");
        return c;
    }

    private Map<String, String> dlqSinkConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", SINK_CLASS);
        c.put("tasks.max", "1");
        c.put("topics", badTopic);
        c.put("key.converter", STRING_CONVERTER);
        c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        c.put("value.converter.schemas.enable", "false");
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", dlqTopic);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        c.put("kinesis.stream", stream.name());
        c.put("kinesis.region", LocalServices.awsRegion());
        c.put("kinesis.endpoint", LocalServices.kinesisEndpoint().toString());
        return c;
    }

    // ---- helpers

    private void startBoth() throws Exception {
        List<Thread> starting = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (ConnectWorkerProcess w : workers) {
            w.assertClasspathHasNoPluginClasses();
            Thread t = new Thread(() -> {
                try {
                    w.start();
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            t.start();
            starting.add(t);
        }
        for (Thread t : starting) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new AssertionError("a worker did not start", failures.get(0));
        }
    }

    /** Where each connector's tasks run, e.g. {src-a=[127.0.0.1:4711], ...}. */
    private String placement(ConnectWorkerProcess via) throws IOException, InterruptedException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String c : List.of(sourceA, sourceB, sinkName)) {
            List<String> ids = new ArrayList<>();
            via.get("/connectors/" + c + "/status").path("tasks").forEach(t -> ids.add(t.path("worker_id").asText()));
            out.put(c.substring(0, c.length() - suffix.length() - 1), ids);
        }
        return out.toString();
    }

    /** Waits for the connector and its tasks RUNNING, all on one worker when {@code onWorker} is given. */
    private void progress(String what) {
        System.out.printf("ConnectScaleOutIT %5.1f s: %s%n", (System.nanoTime() - started) / 1e9, what);
    }
}
