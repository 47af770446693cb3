package io.cdclr.connector.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdclr.testsupport.LocalServices;
import java.io.IOException;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The local services the other integration tests need are up and configured as they expect. */
class LocalServicesIT {

    @Test
    void postgresHasLogicalWalLevelAndWal2json() throws Exception {
        try (Connection conn = LocalServices.connect(); Statement st = conn.createStatement()) {
            try (ResultSet rs = st.executeQuery("SHOW wal_level")) {
                rs.next();
                assertEquals("logical", rs.getString(1));
            }
            String slot = "it_local_services_" + ProcessHandle.current().pid();
            try (ResultSet rs = st.executeQuery("SELECT slot_name FROM pg_create_logical_replication_slot('" + slot + "', 'wal2json', true)")) {
                rs.next();
            }
            try (ResultSet rs = st.executeQuery("SELECT plugin FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
                assertTrue(rs.next());
                assertEquals("wal2json", rs.getString(1));
            }
        }
    }

    @Test
    void kinesisEmulatorAcceptsConnections() {
        var endpoint = LocalServices.kinesisEndpoint();
        try (Socket ignored = new Socket(endpoint.getHost(), endpoint.getPort())) {
            // reachable
        } catch (IOException e) {
            throw new IllegalStateException("Cannot reach the Kinesis emulator at " + endpoint
                    + ". Start it with: scripts/local-services.sh up", e);
        }
    }
}
