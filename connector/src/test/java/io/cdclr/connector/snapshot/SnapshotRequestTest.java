package io.cdclr.connector.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotRequestTest {
    @Test
    void startRoundTripsThroughTheDocumentedJson() {
        String json = "{\"id\":\"a1\",\"action\":\"start\",\"tables\":[\"public.orders\",\"public.lines\"]}";
        SnapshotRequest r = SnapshotRequest.parse(json);
        assertEquals("a1", r.id());
        assertTrue(r.isStart());
        assertEquals(List.of("public.orders", "public.lines"), r.tables());
        assertEquals(0, r.chunkSize());
        assertEquals(json, r.toJson());
    }

    @Test
    void chunkSizeIsOptional() {
        SnapshotRequest r = SnapshotRequest.parse(" { \"id\" : \"x\", \"action\":\"start\",\"tables\":[\"s.t\"],\"chunk_size\":50 } ");
        assertEquals(50, r.chunkSize());
        assertEquals("{\"id\":\"x\",\"action\":\"start\",\"tables\":[\"s.t\"],\"chunk_size\":50}", r.toJson());
    }

    @Test
    void cancelRoundTrips() {
        SnapshotRequest r = SnapshotRequest.parse("{\"id\":\"c\",\"action\":\"cancel\"}");
        assertTrue(r.isCancel());
        assertEquals("{\"id\":\"c\",\"action\":\"cancel\"}", r.toJson());
        assertTrue(SnapshotRequest.cancel().isCancel());
    }

    @Test
    void badRequestsNameTheProblem() {
        assertMessage("\"id\" is missing", "{\"action\":\"cancel\"}");
        assertMessage("\"action\" must be", "{\"id\":\"x\",\"action\":\"stop\"}");
        assertMessage("\"tables\" is missing or empty", "{\"id\":\"x\",\"action\":\"start\"}");
        assertMessage("not schema.table", "{\"id\":\"x\",\"action\":\"start\",\"tables\":[\"orders\"]}");
        assertMessage("listed twice", "{\"id\":\"x\",\"action\":\"start\",\"tables\":[\"a.b\",\"a.b\"]}");
        assertMessage("\"chunk_size\" must be a positive integer", "{\"id\":\"x\",\"action\":\"start\",\"tables\":[\"a.b\"],\"chunk_size\":0}");
        assertMessage("unknown member \"table\"", "{\"id\":\"x\",\"action\":\"start\",\"table\":[\"a.b\"]}");
        assertMessage("malformed JSON", "{\"id\":\"x\",");
        assertMessage("expected a JSON object", "[1]");
    }

    @Test
    void sqlQuotesTheJsonAsALiteral() {
        SnapshotRequest r = new SnapshotRequest("id'1", "start", List.of("public.o'x"), 0);
        assertEquals("SELECT pg_logical_emit_message(true, 'cdclr.snapshot', "
                + "'{\"id\":\"id''1\",\"action\":\"start\",\"tables\":[\"public.o''x\"]}')", SnapshotRequest.sql(r));
        assertEquals(r, SnapshotRequest.parse(r.toJson()));
    }

    private static void assertMessage(String expected, String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SnapshotRequest.parse(json));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
