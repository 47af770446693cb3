package io.cdclr.connector.source;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Wal2JsonSourceConfigTest {
    static Map<String, String> minimal() {
        Map<String, String> p = new HashMap<>();
        p.put("database.user", "cdc");
        p.put("database.dbname", "cdc");
        return p;
    }

    @Test
    void defaultsFollowTheDesign() {
        Wal2JsonSourceConfig c = new Wal2JsonSourceConfig(minimal());
        assertEquals("etl_slot_wal2json", c.slotName());
        assertEquals(Map.of("format-version", "2", "include-pk", "1", "include-lsn", "1", "include-timestamp", "1",
                "include-transaction", "0"), c.wal2jsonOptions());
        assertEquals("1", c.streamOptions().get("include-transaction"));
        assertFalse(c.emitTransactionBoundaries());
        assertEquals("prefer", c.replicationSettings().sslMode());
        assertEquals(5432, c.replicationSettings().port());
        assertEquals("localhost", c.replicationSettings().host());
    }

    @Test
    void passesWal2jsonOptionsThrough() {
        Map<String, String> p = minimal();
        p.put("wal2json.add-tables", "public.orders");
        p.put("wal2json.include-transaction", "1");
        p.put("wal2json.include-xids", "1");
        Wal2JsonSourceConfig c = new Wal2JsonSourceConfig(p);
        assertEquals("public.orders", c.streamOptions().get("add-tables"));
        assertEquals("1", c.streamOptions().get("include-xids"));
        assertTrue(c.emitTransactionBoundaries());
    }

    @Test
    void formatVersionOtherThanTwoIsRejectedSayingSo() {
        Map<String, String> p = minimal();
        p.put("wal2json.format.version", "1");
        ConfigException e = assertThrows(ConfigException.class, () -> new Wal2JsonSourceConfig(p));
        assertTrue(e.getMessage().contains("wal2json.format.version"), e.getMessage());
        assertTrue(e.getMessage().contains("only wal2json format-version 2 is supported"), e.getMessage());
        Map<String, String> q = minimal();
        q.put("wal2json.format-version", "1");
        assertTrue(assertThrows(ConfigException.class, () -> new Wal2JsonSourceConfig(q)).getMessage()
                .contains("only wal2json format-version 2 is supported"));
    }

    @Test
    void unknownWal2jsonOptionNamesTheKey() {
        Map<String, String> p = minimal();
        p.put("wal2json.include-xid", "1");
        ConfigException e = assertThrows(ConfigException.class, () -> new Wal2JsonSourceConfig(p));
        assertTrue(e.getMessage().contains("wal2json.include-xid"), e.getMessage());
    }

    @Test
    void includeLsnOffIsRejected() {
        Map<String, String> p = minimal();
        p.put("wal2json.include-lsn", "0");
        ConfigException e = assertThrows(ConfigException.class, () -> new Wal2JsonSourceConfig(p));
        assertTrue(e.getMessage().contains("wal2json.include-lsn"), e.getMessage());
    }

    @Test
    void badValuesNameTheKey() {
        Map<String, String> p = minimal();
        p.put("database.port", "abc");
        assertTrue(assertThrows(ConfigException.class, () -> new Wal2JsonSourceConfig(p)).getMessage().contains("database.port"));
        Map<String, String> q = minimal();
        q.put("database.sslmode", "sometimes");
        assertTrue(assertThrows(ConfigException.class, () -> new Wal2JsonSourceConfig(q)).getMessage().contains("database.sslmode"));
        Map<String, String> r = minimal();
        r.put("slot.name", "Bad-Name");
        assertTrue(assertThrows(ConfigException.class, () -> new Wal2JsonSourceConfig(r)).getMessage().contains("slot.name"));
        Map<String, String> s = new HashMap<>();
        s.put("database.user", "cdc");
        assertTrue(assertThrows(ConfigException.class, () -> new Wal2JsonSourceConfig(s)).getMessage().contains("database.dbname"));
    }

    @Test
    void passwordIsNotInToString() {
        Map<String, String> p = minimal();
        p.put("database.password", "s3cret");
        Wal2JsonSourceConfig c = new Wal2JsonSourceConfig(p);
        assertFalse(c.replicationSettings().toString().contains("s3cret"));
        assertFalse(c.toString().contains("s3cret"));
    }
}
