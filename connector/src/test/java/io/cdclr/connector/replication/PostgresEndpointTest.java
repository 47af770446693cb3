package io.cdclr.connector.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.connector.source.Wal2JsonSourceConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The connector's keys -> the endpoint -> the replication and ordinary connections' properties. */
class PostgresEndpointTest {

    private static Map<String, String> config() {
        Map<String, String> config = new HashMap<>();
        config.put("database.hostname", "db.example");
        config.put("database.user", "u");
        config.put("database.password", "s3cret");
        config.put("database.dbname", "d");
        config.put("database.sslmode", "verify-full");
        config.put("database.sslrootcert", "/etc/cdc/tls/rds-ca.pem");
        config.put("slot.name", "orders");
        return config;
    }

    @Test
    void theReplicationConnectionAndTheSlotQueriesCarryTheSameTls() {
        ReplicationSettings settings = new Wal2JsonSourceConfig(config()).replicationSettings();
        Properties replication = ReplicationSession.replicationProperties(settings);
        assertEquals("verify-full", replication.getProperty("sslmode"));
        assertEquals("/etc/cdc/tls/rds-ca.pem", replication.getProperty("sslrootcert"));
        assertEquals("database", replication.getProperty("replication"));
        assertEquals("cdclr-orders", replication.getProperty("ApplicationName"));
        Properties slots = settings.endpoint().connectionProperties();
        assertEquals("/etc/cdc/tls/rds-ca.pem", slots.getProperty("sslrootcert"));
        assertFalse(slots.containsKey("replication"));
        assertEquals("jdbc:postgresql://db.example:5432/d", settings.jdbcUrl());
        assertFalse(settings.toString().contains("s3cret"), settings.toString());
        assertTrue(settings.toString().contains("sslrootcert=/etc/cdc/tls/rds-ca.pem"), settings.toString());
    }

    @Test
    void aPartialMapGivesTheSameEndpointAsTheFullConfig() {
        Map<String, Object> engine = new HashMap<>(config());
        engine.put("offset.storage.postgres.table", "cdc.offsets"); // not a connector key: ignored
        assertEquals(new Wal2JsonSourceConfig(config()).endpoint(), Wal2JsonSourceConfig.endpoint(engine));
    }

    @Test
    void withoutARootCertificateVerificationNamesPgjdbcsDefaultFile() {
        Map<String, String> config = config();
        config.remove("database.sslrootcert");
        PostgresEndpoint endpoint = new Wal2JsonSourceConfig(config).endpoint();
        assertFalse(endpoint.connectionProperties().containsKey("sslrootcert"));
        assertTrue(endpoint.describeTls().contains("not set: PgJDBC reads " + PostgresEndpoint.defaultRootCert()),
                endpoint.describeTls());
    }
}
