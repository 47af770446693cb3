package io.cdclr.runner.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.runner.testing.Envelopes;
import io.cdclr.runner.testing.RunnerProcess;
import io.cdclr.runner.testing.TestEnv;
import io.cdclr.runner.testing.TestStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * docs/deploy-eks.md as a new user follows it, against the local services: a database user made by the dev stack's
 * bootstrap_db.sh (not a superuser, not the owner of public), and the runner JAR with the environment of
 * deploy/kubernetes/deployment.yaml as it stands, only where it points pointed here: preflight says GO, the runner
 * streams, and it keeps its offsets in the default table cdc.cdc_runner_offsets, which it created itself.
 *
 * <p>Overridden for the local services, and why: PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD (this test's own database
 * and user), AWS_REGION/KINESIS_STREAM/REPLICATION_SLOT/CDC_WAL2JSON_ADD_TABLES (the placeholders), KINESIS_ENDPOINT,
 * the emulator's keys and CBOR_ENABLED (kinesalite instead of IRSA), CDC_HTTP_PORT (a free port). TLS: the manifest's
 * PGSSLMODE=verify-full with PGSSLROOTCERT=/etc/cdc/tls/rds-ca.pem needs the RDS CA bundle; the local shared cluster
 * has a snakeoil certificate, so this test uses PGSSLMODE=require and drops PGSSLROOTCERT. verify-full itself is
 * tested against the local cluster with its own root certificate by the endpoint tests of issue 20.
 */
class DeployEksEnvIT {
    @Test
    void theManifestsEnvironmentWithABootstrappedUserStreamsAndStoresOffsetsInTheDefaultTable() throws Exception {
        long started = System.nanoTime();
        String unique = TestEnv.unique();
        String database = "deploy_eks_" + unique;
        String user = "deploy_eks_" + unique;
        String password = "Pw" + unique + "x9";
        String slot = "deploy_eks_" + unique;
        try (Connection admin = TestEnv.connect(); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + database);
        }
        try (TestStream stream = new TestStream("deploy-eks-" + unique, 1)) {
            try (Connection c = connect(database, TestEnv.env("PGUSER", "cdc"), TestEnv.env("PGPASSWORD", "cdc"));
                 Statement st = c.createStatement()) {
                st.execute("CREATE TABLE public.orders (id int PRIMARY KEY, note text)");
            }
            bootstrap(database, user, password);

            Map<String, String> env = localised(Manifests.deploymentEnv(), database, user, password, stream.name(), slot);
            System.out.println("DeployEksEnvIT: runner environment " + redacted(env, password));

            RunnerProcess.Result preflight = RunnerProcess.runToEnd(env, "preflight");
            System.out.println(preflight.stdout());
            assertEquals(0, preflight.exitCode(), preflight.stdout() + preflight.stderr());
            assertTrue(preflight.stdout().contains("ok     offset table cdc.cdc_runner_offsets (not there yet: the runner"
                    + " creates it): user " + user + " may read and write it"), preflight.stdout());

            Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve("deploy-eks-" + unique + ".log");
            try (RunnerProcess runner = RunnerProcess.start(env, log)) {
                runner.awaitReady(Duration.ofSeconds(60));
                try (Connection c = connect(database, TestEnv.env("PGUSER", "cdc"), TestEnv.env("PGPASSWORD", "cdc"));
                     Statement st = c.createStatement()) {
                    st.execute("INSERT INTO public.orders SELECT g, 'order ' || g FROM generate_series(1, 20) g");
                }
                List<Record> records = stream.readUntil(r -> r.size() >= 20, Duration.ofSeconds(30));
                long orders = records.stream().filter(r -> "orders".equals(Envelopes.parse(Envelopes.data(r)).path("table")
                        .asText())).count();
                assertEquals(20, orders, "every insert delivered; records: " + records.size());
                // The offset of the last delivery reaches the table within a flush interval (1 s by default).
                assertTrue(awaitOffsetRow(database, user, password), "an offset row in cdc.cdc_runner_offsets:\n"
                        + runner.output());
                assertEquals(0, runner.terminate(Duration.ofSeconds(60)), runner.output());
            }
            try (Connection c = connect(database, TestEnv.env("PGUSER", "cdc"), TestEnv.env("PGPASSWORD", "cdc"));
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT tableowner, (SELECT count(*) FROM cdc.cdc_runner_offsets)"
                         + " FROM pg_tables WHERE schemaname = 'cdc' AND tablename = 'cdc_runner_offsets'")) {
                assertTrue(rs.next(), "the default offset table exists");
                assertEquals(user, rs.getString(1), "created by the runner's user");
                assertEquals(1, rs.getInt(2), "one offset row for the runner");
            }
        } finally {
            dropEverything(database, user, slot);
            System.out.printf("DeployEksEnvIT: %.1f s%n", (System.nanoTime() - started) / 1e9);
        }
    }

    /** The manifest's environment, pointed at the local services (see the class comment for each override). */
    private static Map<String, String> localised(Map<String, String> manifest, String database, String user,
            String password, String stream, String slot) {
        Map<String, String> env = new HashMap<>(manifest);
        env.put("PGHOST", TestEnv.env("PGHOST", "127.0.0.1"));
        env.put("PGPORT", TestEnv.env("PGPORT", "5432"));
        env.put("PGDATABASE", database);
        env.put("PGUSER", user);
        env.put("PGPASSWORD", password);
        env.put("PGSSLMODE", "require"); // the local cluster's snakeoil certificate: see the class comment
        env.remove("PGSSLROOTCERT");
        env.put("AWS_REGION", TestEnv.env("AWS_REGION", "us-east-1"));
        env.put("KINESIS_STREAM", stream);
        env.put("REPLICATION_SLOT", slot);
        env.put("CDC_WAL2JSON_ADD_TABLES", "public.orders");
        for (String name : List.of("KINESIS_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "CBOR_ENABLED",
                "PATH", "HOME")) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.forEach((k, v) -> {
            if (v.contains("<") || v.startsWith("secret:")) {
                throw new AssertionError(k + " still holds a placeholder: " + v);
            }
        });
        // Unchanged from the manifest, and what this test is about:
        assertEquals("postgres", env.get("CDC_OFFSET_STORAGE"));
        assertTrue(!env.containsKey("CDC_OFFSET_STORAGE_POSTGRES_TABLE"), "the default offset table");
        return env;
    }

    private static void bootstrap(String database, String user, String password) throws Exception {
        Path script = Path.of("..", "infra-terraform", "stacks", "cdc_logical_replication_dev", "bootstrap_db.sh");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("PGHOST", TestEnv.env("PGHOST", "127.0.0.1"));
        env.put("PGPORT", TestEnv.env("PGPORT", "5432"));
        env.put("PGDATABASE", database);
        env.put("PGUSER", TestEnv.env("PGUSER", "cdc"));
        env.put("PGPASSWORD", TestEnv.env("PGPASSWORD", "cdc"));
        env.put("REPLICATION_USERNAME", user);
        env.put("REPLICATION_PASSWORD", password);
        env.put("PSQL_MODE", "native");
        env.put("PGSSLMODE", "require");
        env.remove("OFFSETS_SCHEMA"); // its default, cdc: the schema of the runner's default offset table
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bootstrap_db.sh finished");
        System.out.println(out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("granted USAGE, CREATE on schema cdc"), out);
    }

    private static boolean awaitOffsetRow(String database, String user, String password) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = connect(database, user, password); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM cdc.cdc_runner_offsets")) {
                if (rs.next() && rs.getInt(1) > 0) {
                    return true;
                }
            } catch (java.sql.SQLException e) {
                // not created yet
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static Connection connect(String database, String user, String password) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("sslmode", "require");
        return DriverManager.getConnection("jdbc:postgresql://" + TestEnv.env("PGHOST", "127.0.0.1") + ":"
                + TestEnv.env("PGPORT", "5432") + "/" + database, props);
    }

    private static void dropEverything(String database, String user, String slot) {
        try (Connection admin = TestEnv.connect(); Statement st = admin.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot
                    + "' AND NOT active");
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            st.execute("DROP ROLE IF EXISTS " + user);
        } catch (java.sql.SQLException e) {
            System.out.println("DeployEksEnvIT: clean-up failed: " + e.getMessage());
        }
    }

    private static String redacted(Map<String, String> env, String password) {
        Map<String, String> shown = new java.util.TreeMap<>(env);
        shown.replaceAll((k, v) -> v.equals(password) || k.contains("SECRET") ? "***" : v);
        shown.remove("PATH");
        return shown.toString();
    }
}
