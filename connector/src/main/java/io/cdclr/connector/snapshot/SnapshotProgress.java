package io.cdclr.connector.snapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the source offset holds about a running snapshot, under the key {@value #OFFSET_KEY} (absent when none runs):
 * enough to resume after kill -9 at the chunk after the last one emitted.
 * <pre>
 * {"id":"..","table":"public.orders","last_key":["42"],"pending":["public.lines"],
 *  "rows":{"public.orders":42},"chunks":1,"chunk_size":1024}
 * </pre>
 *
 * @param id            the request id that started the snapshot
 * @param pending       tables still to do after the current one, in order
 * @param currentTable  the table being read (null once every table is done)
 * @param lastKey       the primary key values (as text, in key order) of the last row of the last chunk emitted from
 *                      the current table; null before its first chunk
 * @param rowsByTable   rows emitted per table so far (in the order started)
 * @param chunks        chunks emitted so far (all tables)
 * @param chunkSize     rows per chunk for this snapshot
 */
public record SnapshotProgress(String id, List<String> pending, String currentTable, List<String> lastKey,
                               Map<String, Long> rowsByTable, long chunks, int chunkSize) {
    public static final String OFFSET_KEY = "snapshot";

    public SnapshotProgress {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("snapshot progress: \"id\" is missing");
        }
        pending = pending == null ? List.of() : List.copyOf(pending);
        lastKey = lastKey == null ? null : java.util.Collections.unmodifiableList(new ArrayList<>(lastKey));
        rowsByTable = rowsByTable == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rowsByTable));
    }

    /** The progress of a snapshot that has not read anything yet. */
    public static SnapshotProgress begin(String id, List<String> tables, int chunkSize) {
        if (tables.isEmpty()) {
            return new SnapshotProgress(id, List.of(), null, null, Map.of(), 0, chunkSize);
        }
        return new SnapshotProgress(id, tables.subList(1, tables.size()), tables.get(0), null, Map.of(), 0, chunkSize);
    }

    /** After a chunk of {@code rows} rows of the current table, ending with the key {@code lastKey}. */
    public SnapshotProgress afterChunk(List<String> newLastKey, long rows) {
        Map<String, Long> counts = new LinkedHashMap<>(rowsByTable);
        counts.merge(currentTable, rows, Long::sum);
        return new SnapshotProgress(id, pending, currentTable, newLastKey, counts, chunks + 1, chunkSize);
    }

    /** The current table is done (or abandoned): on to the next one, or finished when none is left. */
    public SnapshotProgress nextTable() {
        Map<String, Long> counts = new LinkedHashMap<>(rowsByTable);
        if (currentTable != null) {
            counts.putIfAbsent(currentTable, 0L);
        }
        if (pending.isEmpty()) {
            return new SnapshotProgress(id, List.of(), null, null, counts, chunks, chunkSize);
        }
        return new SnapshotProgress(id, pending.subList(1, pending.size()), pending.get(0), null, counts, chunks, chunkSize);
    }

    public boolean finished() {
        return currentTable == null;
    }

    public long rowsEmitted() {
        return rowsByTable.values().stream().mapToLong(Long::longValue).sum();
    }

    public String toJson() {
        StringBuilder b = new StringBuilder("{\"id\":").append(SnapshotJson.quote(id));
        b.append(",\"table\":").append(currentTable == null ? "null" : SnapshotJson.quote(currentTable));
        b.append(",\"last_key\":").append(lastKey == null ? "null" : SnapshotJson.stringArray(lastKey));
        b.append(",\"pending\":").append(SnapshotJson.stringArray(pending));
        b.append(",\"rows\":{");
        boolean first = true;
        for (Map.Entry<String, Long> e : rowsByTable.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append(SnapshotJson.quote(e.getKey())).append(':').append(e.getValue());
        }
        b.append("},\"chunks\":").append(chunks).append(",\"chunk_size\":").append(chunkSize);
        return b.append('}').toString();
    }

    public static SnapshotProgress fromJson(String json) {
        Object root = SnapshotJson.parse(json);
        if (!(root instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("snapshot progress: expected a JSON object, got " + json);
        }
        Object id = map.get("id");
        if (!(id instanceof String idText)) {
            throw new IllegalArgumentException("snapshot progress: \"id\" must be a string");
        }
        Object table = map.get("table");
        if (table != null && !(table instanceof String)) {
            throw new IllegalArgumentException("snapshot progress: \"table\" must be a string or null");
        }
        List<String> lastKey = map.get("last_key") == null ? null : strings(map.get("last_key"), "last_key");
        List<String> pending = map.get("pending") == null ? List.of() : strings(map.get("pending"), "pending");
        Map<String, Long> rows = new LinkedHashMap<>();
        Object rowsValue = map.get("rows");
        if (rowsValue != null) {
            if (!(rowsValue instanceof Map<?, ?> rm)) {
                throw new IllegalArgumentException("snapshot progress: \"rows\" must be an object");
            }
            for (Map.Entry<?, ?> e : rm.entrySet()) {
                if (!(e.getValue() instanceof Long n)) {
                    throw new IllegalArgumentException("snapshot progress: \"rows\" values must be integers");
                }
                rows.put((String) e.getKey(), n);
            }
        }
        long chunks = map.get("chunks") instanceof Long c ? c : 0L;
        int chunkSize = map.get("chunk_size") instanceof Long c ? (int) (long) c : 0;
        return new SnapshotProgress(idText, pending, (String) table, lastKey, rows, chunks, chunkSize);
    }

    private static List<String> strings(Object value, String name) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("snapshot progress: \"" + name + "\" must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (o != null && !(o instanceof String)) {
                throw new IllegalArgumentException("snapshot progress: \"" + name + "\" must be an array of strings");
            }
            out.add((String) o);
        }
        return out;
    }
}
