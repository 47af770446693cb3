package io.cdclr.connector.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cdclr.connector.source.Wal2JsonSourceConfig;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ConnectionTimeoutsTest {

    @Test
    void everyOrdinaryConnectionIsBoundedByDefault() {
        Properties p = Wal2JsonSourceConfig.connectionTimeouts(Map.of()).applyTo(new Properties());
        assertEquals("10", p.getProperty("connectTimeout"));
        assertEquals("10", p.getProperty("loginTimeout"));
        assertEquals("60", p.getProperty("socketTimeout"));
        assertEquals("true", p.getProperty("tcpKeepAlive"));
    }

    @Test
    void keysAreParsedAndValidatedAsDeclaredAndRoundedUpToSeconds() {
        Properties p = Wal2JsonSourceConfig.connectionTimeouts(Map.of(
                Wal2JsonSourceConfig.DATABASE_CONNECT_TIMEOUT_MS, "2500",
                Wal2JsonSourceConfig.DATABASE_SOCKET_TIMEOUT_MS, "0")).applyTo(new Properties());
        assertEquals("3", p.getProperty("connectTimeout"));
        assertEquals("0", p.getProperty("socketTimeout")); // 0: no bound, PgJDBC's meaning too
        assertThrows(ConfigException.class, () -> Wal2JsonSourceConfig.connectionTimeouts(
                Map.of(Wal2JsonSourceConfig.DATABASE_SOCKET_TIMEOUT_MS, "-1")));
    }

    @Test
    void theReplicationConnectionCarriesTheSessionSocketFactoryAndTheSameLoginBounds() {
        Map<String, String> config = new java.util.HashMap<>(Map.of("database.user", "u", "database.dbname", "d",
                Wal2JsonSourceConfig.REPLICATION_SILENCE_TIMEOUT_MS, "6000"));
        ReplicationSettings settings = new Wal2JsonSourceConfig(config).replicationSettings();
        assertEquals(6000L, settings.silenceTimeoutMs());
        Properties p = ReplicationSession.replicationProperties(settings);
        assertEquals("10", p.getProperty("loginTimeout"));
        assertEquals(BufferedReadSocketFactory.class.getName(), p.getProperty("socketFactory"));
    }
}
