package io.cdclr.runner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.connector.replication.PostgresEndpoint;
import io.cdclr.connector.pgoutput.PgoutputProperties;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/** Environment -> configuration -> the one endpoint -> the JDBC properties of every connection. */
class PostgresEndpointMappingTest {
    private static final String CA = "/etc/cdc/tls/rds-ca.pem";

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PGHOST", "db.example.eu-west-1.rds.amazonaws.com");
        env.put("PGUSER", "cdc_replication");
        env.put("PGPASSWORD", "hunter2");
        env.put("PGDATABASE", "orders");
        env.put("AWS_REGION", "eu-west-1");
        env.put("KINESIS_STREAM", "orders-cdc");
        return env;
    }

    private static RunnerConfig load(Map<String, String> env) {
        return RunnerConfig.load(Optional.empty(), env);
    }

    @Test
    void tlsFilesApplicationNameAndConnectTimeoutComeFromLibpqVariables() {
        Map<String, String> env = env();
        env.put("PGSSLMODE", "verify-full");
        env.put("PGSSLROOTCERT", CA);
        env.put("PGSSLCERT", "/etc/cdc/tls/client.crt");
        env.put("PGSSLKEY", "/etc/cdc/tls/client.pk8");
        env.put("PGAPPNAME", "orders-cdc");
        env.put("PGCONNECT_TIMEOUT", "7");
        env.put("CDC_DATABASE_OPTIONS", "-c wal_sender_timeout=30s");
        PostgresEndpoint endpoint = load(env).endpoint();

        assertEquals("jdbc:postgresql://db.example.eu-west-1.rds.amazonaws.com:5432/orders", endpoint.jdbcUrl());
        Properties p = endpoint.connectionProperties();
        assertEquals("verify-full", p.getProperty("sslmode"));
        assertEquals(CA, p.getProperty("sslrootcert"));
        assertEquals("/etc/cdc/tls/client.crt", p.getProperty("sslcert"));
        assertEquals("/etc/cdc/tls/client.pk8", p.getProperty("sslkey"));
        assertEquals("orders-cdc", p.getProperty("ApplicationName"));
        assertEquals("7", p.getProperty("connectTimeout"));
        assertEquals("7", p.getProperty("loginTimeout"));
        assertEquals("-c wal_sender_timeout=30s", p.getProperty("options"));
        assertEquals("cdc_replication", p.getProperty("user"));
        assertEquals("hunter2", p.getProperty("password"));

        Properties replication = endpoint.replicationProperties();
        assertEquals("database", replication.getProperty("replication"));
        assertEquals(CA, replication.getProperty("sslrootcert"));
        assertEquals("verify-full", replication.getProperty("sslmode"));

        // The runner's own connections: the same endpoint, their role in the name.
        Properties runner = new PostgresConnections(load(env)).endpoint().connectionProperties();
        assertEquals(CA, runner.getProperty("sslrootcert"));
        assertEquals("orders-cdc-runner", runner.getProperty("ApplicationName"));
        assertFalse(endpoint.toString().contains("hunter2"), endpoint.toString());
    }

    @Test
    void defaultsAreDeclaredOnceInTheConnectorConfig() {
        PostgresEndpoint endpoint = load(env()).endpoint();
        assertEquals(5432, endpoint.port());
        assertEquals("prefer", endpoint.sslMode());
        assertNull(endpoint.sslRootCert());
        assertEquals("cdclr-etl_slot_wal2json", endpoint.applicationName());
        assertEquals("10", endpoint.connectionProperties().getProperty("connectTimeout"));
        assertFalse(endpoint.connectionProperties().containsKey("sslrootcert"));

        Map<String, String> noHost = env();
        noHost.remove("PGHOST");
        assertEquals("localhost", load(noHost).endpoint().host());
    }

    @Test
    void pgconnectTimeoutFollowsLibpqSeconds() {
        assertEquals("2000", EnvironmentVariables.converted("PGCONNECT_TIMEOUT", "1"));
        assertEquals("15000", EnvironmentVariables.converted("PGCONNECT_TIMEOUT", "15"));
        assertEquals("3600000", EnvironmentVariables.converted("PGCONNECT_TIMEOUT", "0"));
        assertEquals("soon", EnvironmentVariables.converted("PGCONNECT_TIMEOUT", "soon"));
        assertEquals("15", EnvironmentVariables.converted("PGPORT", "15"));

        Map<String, String> env = env();
        env.put("PGCONNECT_TIMEOUT", "soon");
        env.put("PGSSLMODE", "verify");
        List<String> problems = assertThrows(ConfigError.class, () -> load(env)).problems();
        // Both wrong values in one pass, each naming its variable.
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("PGCONNECT_TIMEOUT") && p.contains("soon")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("PGSSLMODE") && p.contains("verify")), problems.toString());
    }

    @Test
    void pgoutputHandsTheSameTlsToDebeziumAndTheCatalog() {
        Map<String, String> env = env();
        env.put("PGSSLMODE", "verify-full");
        env.put("PGSSLROOTCERT", CA);
        env.put("CDC_DECODER", "pgoutput");
        env.put("CDC_TABLES", "public.orders");
        Properties p = PgoutputProperties.of(load(env).pgoutput());
        assertEquals("verify-full", p.getProperty("database.sslmode"));
        assertEquals(CA, p.getProperty("database.sslrootcert"));
        assertEquals("db.example.eu-west-1.rds.amazonaws.com", p.getProperty("database.hostname"));
        assertEquals("5432", p.getProperty("database.port"));
        String t = "transforms.wal2json.catalog.";
        assertEquals("jdbc:postgresql://db.example.eu-west-1.rds.amazonaws.com:5432/orders", p.getProperty(t + "url"));
        assertEquals(CA, p.getProperty(t + "property.sslrootcert"));
        assertEquals("verify-full", p.getProperty(t + "property.sslmode"));
        assertTrue(p.getProperty(t + "property.ApplicationName").endsWith("-catalog"));
        assertFalse(p.containsKey(t + "property.password"));
    }

    @Test
    void unreachableIsWorthWaitingForWrongIsNot() {
        PostgresEndpoint endpoint = load(env()).endpoint();
        ConnectFailure refused = ConnectFailure.of(new PSQLException("Connection to db:5432 refused.",
                PSQLState.CONNECTION_UNABLE_TO_CONNECT, new ConnectException("Connection refused")), endpoint);
        assertTrue(refused.worthWaiting(), refused.message());
        assertTrue(refused.message().contains("cannot be reached"), refused.message());
        ConnectFailure unknownHost = ConnectFailure.of(new PSQLException("The connection attempt failed.",
                PSQLState.CONNECTION_UNABLE_TO_CONNECT, new UnknownHostException("db.example")), endpoint);
        assertTrue(unknownHost.worthWaiting());
        assertTrue(unknownHost.message().contains("UnknownHostException"), unknownHost.message());
        assertTrue(ConnectFailure.of(new PSQLException("FATAL: the database system is starting up",
                PSQLState.UNKNOWN_STATE) {
            @Override
            public String getSQLState() {
                return "57P03";
            }
        }, endpoint).worthWaiting());
        // A handshake cut short by a server going down is transient, not a TLS setting.
        ConnectFailure cutShort = ConnectFailure.of(new PSQLException("SSL error: Connection reset",
                PSQLState.CONNECTION_FAILURE, new javax.net.ssl.SSLException("Connection reset",
                        new java.net.SocketException("Connection reset"))), endpoint);
        assertTrue(cutShort.worthWaiting(), cutShort.message());
        ConnectFailure auth = ConnectFailure.of(new PSQLException("FATAL: password authentication failed",
                PSQLState.INVALID_PASSWORD), endpoint);
        assertEquals(ConnectFailure.Kind.REJECTED, auth.kind());
        assertTrue(auth.message().contains("PGUSER/PGPASSWORD"), auth.message());
    }

    @Test
    void tlsFailuresNameTlsAndTheRootCertificate() {
        Map<String, String> env = env();
        env.put("PGSSLMODE", "verify-full");
        env.put("PGSSLROOTCERT", CA);
        PostgresEndpoint endpoint = load(env).endpoint();
        ConnectFailure untrusted = ConnectFailure.of(new PSQLException("SSL error: PKIX path building failed",
                PSQLState.CONNECTION_FAILURE, new SSLHandshakeException("PKIX path building failed")), endpoint);
        assertEquals(ConnectFailure.Kind.TLS, untrusted.kind());
        assertTrue(untrusted.message().startsWith("database TLS: server certificate of") && untrusted.message()
                .contains("not trusted by sslrootcert=" + CA + " (sslmode=verify-full)"), untrusted.message());
        ConnectFailure hostname = ConnectFailure.of(new PSQLException("The hostname db could not be verified by"
                + " hostnameverifier PgjdbcHostnameVerifier.", PSQLState.CONNECTION_FAILURE), endpoint);
        assertTrue(hostname.message().contains("does not match host"), hostname.message());

        Map<String, String> noRoot = env();
        noRoot.put("PGSSLMODE", "verify-ca");
        PostgresEndpoint defaultRoot = load(noRoot).endpoint();
        ConnectFailure missing = ConnectFailure.of(new PSQLException("Could not open SSL root certificate file "
                + PostgresEndpoint.defaultRootCert() + ".", PSQLState.CONNECTION_FAILURE), defaultRoot);
        assertEquals(ConnectFailure.Kind.TLS, missing.kind());
        assertTrue(missing.message().contains("not set: PgJDBC reads " + PostgresEndpoint.defaultRootCert()),
                missing.message());
        assertTrue(defaultRoot.describeTls().contains(".postgresql/root.crt"), defaultRoot.describeTls());
    }
}
