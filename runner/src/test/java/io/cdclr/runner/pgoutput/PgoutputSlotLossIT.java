package io.cdclr.runner.pgoutput;

import static io.cdclr.runner.pgoutput.PgoutputRunnerDifferentialIT.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, slot lifecycle with decoder=pgoutput: Debezium's PostgresConnector creates a missing slot on every
 * (re)start of its task, so the runner's slot guard must stop it (exit 4, one error line naming the slot and
 * 'reset', readiness 503) whenever the slot this runner has a position in is gone, and never let a slot be created:
 * (a) on a restart with an offset stored, (b) when the slot is dropped mid-run.
 */
class PgoutputSlotLossIT {
    @TempDir
    Path dir;

    @RegisterExtension
    final PgoutputRunnerFixture pg = new PgoutputRunnerFixture("pgo_slotloss");
    private final String s = pg.s;
    private final String slot = pg.slot;

    private Map<String, String> env(String stream) {
        Map<String, String> env = pg.runnerEnv(stream, dir.resolve("offsets.dat"));
        env.put("CDC_SLOT_LAG_INTERVAL_MS", "500");
        return env;
    }

    /** Streams 5 inserts to Kinesis (so an offset is stored) with the runner given. */
    private void streamSome(RunnerProcess runner, TestStream stream, int from) throws Exception {
        runner.awaitReady(Duration.ofSeconds(120));
        exec(List.of("INSERT INTO " + s + ".items SELECT g, 'row ' || g FROM generate_series(" + from + ", "
                + (from + 4) + ") g"));
        stream.readUntil(rs -> rs.size() >= from + 4, Duration.ofSeconds(60));
        Thread.sleep(1_000); // more than two offset flush intervals: the offset is stored
    }

    @Test
    void restartWithAnOffsetStoredAndTheSlotGoneStopsWithExit4AndCreatesNothing() throws Exception {
        exec(List.of("CREATE SCHEMA " + s, "CREATE TABLE " + s + ".items(id int primary key, v text)"));
        try (TestStream stream = new TestStream("pgo-slotloss-a-" + TestEnv.unique(), 1)) {
            Map<String, String> env = env(stream.name());
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                streamSome(runner, stream, 1);
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
            }
            assertTrue(slotExists(), "the first start created the slot");
            exec(List.of("SELECT pg_drop_replication_slot('" + slot + "')",
                    "INSERT INTO " + s + ".items VALUES (100, 'while down')"));

            RunnerProcess.Result again = RunnerProcess.runToEnd(env);
            System.out.println("restart without the slot: exit " + again.exitCode() + "\n  " + again.stderr().strip());
            assertEquals(4, again.exitCode(), again.stdout() + again.stderr());
            assertOneErrorLine(again.stderr());
            assertFalse((again.stdout() + again.stderr()).contains("Creating replication slot"), again.stderr());
            assertFalse(slotExists(), "no slot may be created with an offset stored");

            // Starting over on purpose: reset creates the slot and clears the offset; the guard lets that run stream.
            RunnerProcess.Result reset = RunnerProcess.runToEnd(env, "reset");
            System.out.println("reset: exit " + reset.exitCode() + "\n" + reset.stdout().strip());
            assertEquals(0, reset.exitCode(), reset.stdout() + reset.stderr());
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner2.log"))) {
                runner.awaitReady(Duration.ofSeconds(120));
                exec(List.of("INSERT INTO " + s + ".items VALUES (200, 'after reset')"));
                assertTrue(stream.readUntil(rs -> rs.stream().anyMatch(r -> io.cdclr.runner.testing.Envelopes.data(r)
                        .contains("after reset")), Duration.ofSeconds(60)).stream()
                        .anyMatch(r -> io.cdclr.runner.testing.Envelopes.data(r).contains("after reset")), runner.output());
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
            }
        }
    }

    @Test
    void slotDroppedMidRunStopsWithExit4Readiness503AndNoSlotIsRecreated() throws Exception {
        dropMidRun(true);
    }

    /**
     * The same with the slot probe too slow to see it (interval 10 minutes): Debezium restarts its task 10 s after the
     * walsender ended, and the guard in front of that restart stops the runner before Debezium can create a slot.
     */
    @Test
    void slotDroppedMidRunIsCaughtAtDebeziumsTaskRestartWithoutTheProbe() throws Exception {
        dropMidRun(false, true);
    }

    /**
     * Streaming has begun but nothing was delivered yet, so no offset is stored: Debezium's own log-position check
     * does not apply and, unguarded, it re-creates the slot silently (the changes in between are lost).
     */
    @Test
    void slotDroppedBeforeAnyOffsetWasStoredIsNotRecreatedEither() throws Exception {
        dropMidRun(false, false);
    }

    private void dropMidRun(boolean probe) throws Exception {
        dropMidRun(probe, true);
    }

    private void dropMidRun(boolean probe, boolean deliverFirst) throws Exception {
        exec(List.of("CREATE SCHEMA " + s, "CREATE TABLE " + s + ".items(id int primary key, v text)"));
        try (TestStream stream = new TestStream("pgo-slotloss-b-" + TestEnv.unique(), 1)) {
            Map<String, String> env = env(stream.name());
            if (!probe) {
                env.put("CDC_SLOT_LAG_INTERVAL_MS", "600000");
            }
            try (RunnerProcess runner = RunnerProcess.start(env, dir.resolve("runner.log"))) {
                if (deliverFirst) {
                    streamSome(runner, stream, 1);
                } else {
                    runner.awaitReady(Duration.ofSeconds(120));
                    assertFalse(java.nio.file.Files.exists(dir.resolve("offsets.dat"))
                            && runner.output().contains("lsn="), "no offset stored yet");
                }
                AtomicBoolean saw503 = new AtomicBoolean();
                Thread watch = new Thread(() -> {
                    while (runner.isAlive()) {
                        if (runner.httpStatus("/health/ready") == 503) {
                            saw503.set(true);
                        }
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                watch.setDaemon(true);
                watch.start();
                // What a failover without failover slots, or an operator, does: end the walsender, drop the slot.
                // Debezium reconnects after a delay; try until the drop wins.
                int attempts = 0;
                long droppedAt;
                try (Connection c = TestEnv.connect(); Statement st = c.createStatement()) {
                    while (slotExists()) {
                        attempts++;
                        st.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                                + " WHERE slot_name = '" + slot + "' AND active_pid IS NOT NULL");
                        try {
                            st.execute("SELECT pg_drop_replication_slot('" + slot + "')");
                        } catch (SQLException activeAgain) {
                            Thread.sleep(10);
                        }
                    }
                    droppedAt = System.nanoTime();
                    st.execute("INSERT INTO " + s + ".items SELECT g, 'after drop' FROM generate_series(100, 199) g");
                }
                int exit = runner.awaitExit(Duration.ofSeconds(90));
                watch.join(5_000);
                String output = runner.output();
                String line = output.lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("(no error line)");
                System.out.println((probe ? "[probe] " : "[probe off] ") + (deliverFirst ? "" : "[no offset] ") + "slot dropped after " + attempts + " attempt(s); runner exit " + exit
                        + String.format(" %.1fs after the drop", (System.nanoTime() - droppedAt) / 1e9)
                        + "; readiness 503 seen: " + saw503.get() + "; slot re-created: " + slotExists() + "\n  " + line);
                // How it was noticed: the slot probe, or the guard at Debezium's task restart.
                output.lines().filter(l -> l.contains("event=slot_lost") || l.contains("Going to restart connector")
                        || l.contains("Creating replication slot") || l.contains("retriable exception"))
                        .forEach(l -> System.out.println("  | " + l));
                assertEquals(4, exit, output);
                assertTrue(line.contains("'" + slot + "'") && line.contains("reset"), line);
                assertFalse(slotExists(), "the slot must not be re-created:\n" + output);
                if (probe) {
                    assertTrue(saw503.get(), "readiness must turn 503 before the exit");
                } else if (deliverFirst) {
                    // Noticed by the guard when Debezium restarted its task, not by the probe's thread.
                    assertTrue(output.contains("Going to restart connector"), output);
                    assertFalse(output.contains("[cdc-slot-lag] Pipeline event=slot_lost"), output);
                }
            }
        }
    }

    /** One error line (the log lines around it aside), naming the slot and 'reset'; no stack trace. */
    private void assertOneErrorLine(String stderr) {
        List<String> lines = stderr.lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, lines.size(), "one error line expected:\n" + stderr);
        assertTrue(lines.get(0).startsWith("error: Replication slot '" + slot + "'"), lines.get(0));
        assertTrue(lines.get(0).contains("reset"), lines.get(0));
        assertFalse(stderr.contains("\tat "), "no stack trace:\n" + stderr);
    }

    private boolean slotExists() throws SQLException {
        try (Connection c = TestEnv.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next();
        }
    }
}
