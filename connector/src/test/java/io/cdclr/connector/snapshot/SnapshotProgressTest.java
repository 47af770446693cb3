package io.cdclr.connector.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotProgressTest {
    @Test
    void progressesThroughTablesAndRoundTrips() {
        SnapshotProgress p = SnapshotProgress.begin("id1", List.of("public.a", "public.b"), 10);
        assertEquals("public.a", p.currentTable());
        assertNull(p.lastKey());
        assertEquals("{\"id\":\"id1\",\"table\":\"public.a\",\"last_key\":null,\"pending\":[\"public.b\"],\"rows\":{},"
                + "\"chunks\":0,\"chunk_size\":10}", p.toJson());
        p = p.afterChunk(List.of("7", "x\"y"), 10);
        assertEquals(Map.of("public.a", 10L), p.rowsByTable());
        assertEquals(p, SnapshotProgress.fromJson(p.toJson()));
        p = p.nextTable();
        assertEquals("public.b", p.currentTable());
        assertNull(p.lastKey());
        p = p.afterChunk(List.of("1"), 3).nextTable();
        assertTrue(p.finished());
        assertEquals(13, p.rowsEmitted());
        assertEquals(2, p.chunks());
        SnapshotProgress back = SnapshotProgress.fromJson(p.toJson());
        assertEquals(p, back);
        assertEquals(List.of("public.a", "public.b"), List.copyOf(back.rowsByTable().keySet()));
    }

    @Test
    void nullKeyValuesSurvive() {
        SnapshotProgress p = SnapshotProgress.begin("i", List.of("s.t"), 5).afterChunk(java.util.Arrays.asList("1", null), 5);
        assertEquals(p, SnapshotProgress.fromJson(p.toJson()));
    }

    @Test
    void badProgressIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SnapshotProgress.fromJson("{\"table\":\"a.b\"}"));
        assertThrows(IllegalArgumentException.class, () -> SnapshotProgress.fromJson("{\"id\":\"x\",\"rows\":[1]}"));
        assertFalse(SnapshotProgress.fromJson("{\"id\":\"x\",\"table\":\"a.b\"}").finished());
    }

    @Test
    void statusReflectsProgress() {
        SnapshotStatus s = new SnapshotStatus("slot_x");
        assertFalse(s.isRunning());
        assertEquals(-1, s.getRowsLeftEstimate());
        SnapshotProgress p = SnapshotProgress.begin("id", List.of("s.t"), 2).afterChunk(List.of("a", "b"), 2);
        s.update(p, true, 40);
        assertTrue(s.isRunning());
        assertEquals("s.t", s.getCurrentTable());
        assertEquals("a,b", s.getLastKey());
        assertEquals(2, s.getRowsEmitted());
        assertEquals(40, s.getRowsLeftEstimate());
        assertEquals("io.cdclr.connector:type=snapshot,slot=slot_x", SnapshotStatus.objectName("slot_x").toString());
    }
}
