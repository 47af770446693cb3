package io.cdclr.runner.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Capture;
import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * The real runner JAR against the local PostgreSQL and Kinesis emulator: what lands on Kinesis is JSON-equal to what
 * wal2json itself emits for the same changes (read from a second slot created at the same point), in per-row order,
 * across SIGTERM (no duplicates) and kill -9 (nothing lost).
 */
class RunnerEndToEndIT {
    private static final String[] REFERENCE_DDL = {
        "CREATE TABLE customers(id int primary key, name text not null, email varchar(80), balance numeric(12,2), active bool default true, updated_at timestamptz)",
        "CREATE TABLE order_lines(order_id bigint, line_no int, sku text, qty int, primary key(order_id, line_no))",
        "CREATE TABLE audit_log(at timestamptz, msg text)",
        "CREATE TABLE docs(id int primary key, body text, meta jsonb)",
        "ALTER TABLE docs REPLICA IDENTITY FULL",
        "CREATE TABLE orders(id bigint primary key, customer_id int, amount numeric(12,2), note text)",
    };

    /** The DML of connector/src/test/resources/wal2json-v2/fixtures.sql (inserts, updates with a key change, deletes, truncate). */
    private static final String[] REFERENCE_DML = {
        "INSERT INTO customers VALUES (1,'Ada','ada@example.com',10.50,true,'2026-02-12 10:00:00+00'),(2,'Linus',NULL,0,false,NULL)",
        "INSERT INTO order_lines VALUES (100,1,'SKU-1',2),(100,2,'SKU-2',1)",
        "INSERT INTO audit_log VALUES ('2026-02-12 10:00:00+00','created')",
        "INSERT INTO docs VALUES (1,'hello','{\"tags\":[\"a\",\"b\"]}')",
        "UPDATE customers SET balance=balance+1, updated_at='2026-02-12 11:00:00+00' WHERE id=1",
        "UPDATE customers SET id=3 WHERE id=2",
        "UPDATE order_lines SET qty=5 WHERE order_id=100 AND line_no=2",
        "UPDATE docs SET body='world' WHERE id=1",
        "DELETE FROM order_lines WHERE order_id=100 AND line_no=1",
        "DELETE FROM customers WHERE id=3",
        "DELETE FROM docs",
        "TRUNCATE audit_log",
    };

    @TempDir
    Path dir;

    private Map<String, String> runnerEnv(Capture fixture, TestStream stream) {
        Map<String, String> env = TestEnv.runnerEnv();
        env.put("KINESIS_STREAM", stream.name());
        env.put("REPLICATION_SLOT", fixture.runnerSlot);
        env.put("CDC_WAL2JSON_ADD_TABLES", fixture.addTables);
        env.put("CDC_WAL2JSON_ADD_MSG_PREFIXES", fixture.messagePrefix);
        env.put("CDC_OFFSET_STORAGE_FILE_FILENAME", dir.resolve("offsets.dat").toString());
        env.put("CDC_OFFSET_FLUSH_INTERVAL_MS", "200");
        return env;
    }

    private static List<Record> awaitRecords(TestStream stream, int count) {
        return stream.readUntil(records -> records.size() >= count, Duration.ofSeconds(90));
    }

    @Test
    void referenceWorkloadArrivesJsonEqualAndSigtermRestartDuplicatesNothing() throws Exception {
        try (Capture fixture = Capture.shared(REFERENCE_DDL);
             TestStream stream = new TestStream("e2e-ref-" + TestEnv.unique(), 2)) {
            Path log = dir.resolve("runner.log");
            try (RunnerProcess runner = RunnerProcess.start(runnerEnv(fixture, stream), log)) {
                runner.awaitReady(Duration.ofSeconds(60));
                fixture.execute(REFERENCE_DML);
                List<String> oracle = fixture.oracle();
                assertEquals(14, oracle.size(), "the reference workload's changes: " + oracle);
                Envelopes.assertDelivered(oracle, awaitRecords(stream, oracle.size()), true);
                String metrics = runner.http("/metrics");
                assertTrue(metrics.contains("cdc_changes_delivered_total"), metrics);
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
            }
            long confirmedAfterFirstRun = fixture.confirmedFlushLsn();

            // Written while the runner is down, delivered after the restart; nothing from before is sent again.
            List<String> more = new ArrayList<>();
            for (int tx = 0; tx < 10; tx++) {
                more.add("INSERT INTO orders SELECT g, g % 7, (g * 1.25)::numeric(12,2), 'tx " + tx + "' FROM generate_series("
                        + (tx * 50 + 1) + ", " + (tx * 50 + 50) + ") g");
            }
            more.add("UPDATE orders SET amount = amount + 0.10 WHERE id % 3 = 0");
            more.add("DELETE FROM orders WHERE id % 5 = 0");
            fixture.execute(more.toArray(String[]::new));
            List<String> oracle = fixture.oracle();
            try (RunnerProcess runner = RunnerProcess.start(runnerEnv(fixture, stream), log)) {
                runner.awaitReady(Duration.ofSeconds(60));
                List<Record> delivered = awaitRecords(stream, oracle.size());
                Envelopes.assertDelivered(oracle, delivered, true);
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
            }
            long confirmedAfterSecondRun = fixture.confirmedFlushLsn();
            assertTrue(confirmedAfterSecondRun > confirmedAfterFirstRun, "after a clean stop the slot is "
                    + "confirmed up to the delivered changes: " + confirmedAfterFirstRun + " -> " + confirmedAfterSecondRun
                    + "\n" + Files.readString(log));
            // Still exactly once after both stops.
            Envelopes.assertDelivered(oracle, stream.readUntil(r -> false, Duration.ofSeconds(2)), true);
        }
    }

    @Test
    void killNineMidStreamLosesNothingAndKeepsPerRowOrder() throws Exception {
        try (Capture fixture = Capture.shared(REFERENCE_DDL);
             TestStream stream = new TestStream("e2e-kill-" + TestEnv.unique(), 2)) {
            Path log = dir.resolve("runner.log");
            Random random = new Random(42);
            Thread workload = new Thread(() -> {
                try {
                    for (int tx = 0; tx < 40; tx++) {
                        fixture.execute(
                                "INSERT INTO orders SELECT g, g % 11, g * 0.01, 'w' FROM generate_series(" + (tx * 100 + 1)
                                        + ", " + (tx * 100 + 100) + ") g",
                                "UPDATE orders SET note = note || 'u', amount = amount + 1 WHERE id % 10 = " + (tx % 10));
                        Thread.sleep(25);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            workload.start();
            for (int kill = 0; kill < 3; kill++) {
                try (RunnerProcess runner = RunnerProcess.start(runnerEnv(fixture, stream), log)) {
                    runner.awaitReady(Duration.ofSeconds(60));
                    Thread.sleep(300 + random.nextInt(700));
                    runner.kill();
                }
            }
            workload.join();
            List<String> oracle = fixture.oracle();
            try (RunnerProcess runner = RunnerProcess.start(runnerEnv(fixture, stream), log)) {
                runner.awaitReady(Duration.ofSeconds(60));
                List<Record> delivered = stream.readUntil(records -> distinct(records) >= oracle.size(), Duration.ofSeconds(120));
                Envelopes.assertDelivered(oracle, delivered, false);
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
            }
            Files.deleteIfExists(log);
        }
    }

    private static long distinct(List<Record> records) {
        return records.stream().map(r -> Envelopes.parse(Envelopes.data(r))).distinct().count();
    }
}
