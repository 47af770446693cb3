package io.cdclr.connector.snapshot;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A request to start or cancel an incremental snapshot, written into the WAL as a transactional logical message with
 * the prefix {@value #PREFIX} and read back by the connector from its own stream, where its transaction commits.
 * <pre>
 * {"id":"&lt;uuid&gt;","action":"start","tables":["public.orders","public.lines"]}      (optional "chunk_size":N)
 * {"id":"&lt;uuid&gt;","action":"cancel"}                                                  (cancels the running one)
 * </pre>
 *
 * @param id        identifies the request (and the snapshot it starts); never blank
 * @param action    {@link #START} or {@link #CANCEL}
 * @param tables    schema-qualified tables in the order to snapshot them; empty for a cancel
 * @param chunkSize rows per chunk; 0 means the connector's {@code snapshot.chunk.size}
 */
public record SnapshotRequest(String id, String action, List<String> tables, int chunkSize) {
    /** The logical message prefix of requests. Watermarks use {@code PREFIX + ".wm"}. */
    public static final String PREFIX = "cdclr.snapshot";
    public static final String START = "start";
    public static final String CANCEL = "cancel";

    private static final Set<String> MEMBERS = Set.of("id", "action", "tables", "chunk_size");

    public SnapshotRequest {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("snapshot request: \"id\" is missing or blank");
        }
        if (!START.equals(action) && !CANCEL.equals(action)) {
            throw new IllegalArgumentException("snapshot request: \"action\" must be \"start\" or \"cancel\", not " + action);
        }
        tables = tables == null ? List.of() : List.copyOf(tables);
        if (START.equals(action)) {
            if (tables.isEmpty()) {
                throw new IllegalArgumentException("snapshot request: \"tables\" is missing or empty");
            }
            for (String t : tables) {
                if (t == null || !t.matches("[^.\\s]+\\.[^.\\s]+")) {
                    throw new IllegalArgumentException("snapshot request: table \"" + t + "\" is not schema.table");
                }
            }
            if (tables.stream().distinct().count() != tables.size()) {
                throw new IllegalArgumentException("snapshot request: a table is listed twice in " + tables);
            }
        } else if (!tables.isEmpty()) {
            throw new IllegalArgumentException("snapshot request: a cancel takes no \"tables\"");
        }
        if (chunkSize < 0) {
            throw new IllegalArgumentException("snapshot request: \"chunk_size\" must be positive, not " + chunkSize);
        }
    }

    /** A start request with a fresh id. */
    public static SnapshotRequest start(List<String> tables, int chunkSize) {
        return new SnapshotRequest(UUID.randomUUID().toString(), START, tables, chunkSize);
    }

    /** A cancel request with a fresh id. */
    public static SnapshotRequest cancel() {
        return new SnapshotRequest(UUID.randomUUID().toString(), CANCEL, List.of(), 0);
    }

    public boolean isStart() {
        return START.equals(action);
    }

    public boolean isCancel() {
        return CANCEL.equals(action);
    }

    public String toJson() {
        StringBuilder b = new StringBuilder("{\"id\":").append(SnapshotJson.quote(id))
                .append(",\"action\":").append(SnapshotJson.quote(action));
        if (isStart()) {
            b.append(",\"tables\":").append(SnapshotJson.stringArray(tables));
            if (chunkSize > 0) {
                b.append(",\"chunk_size\":").append(chunkSize);
            }
        }
        return b.append('}').toString();
    }

    /** Reads the JSON form; IllegalArgumentException naming the problem on anything else. */
    public static SnapshotRequest parse(String json) {
        Object root = SnapshotJson.parse(json);
        if (!(root instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("snapshot request: expected a JSON object, got " + json);
        }
        for (Object k : map.keySet()) {
            if (!MEMBERS.contains(k)) {
                throw new IllegalArgumentException("snapshot request: unknown member \"" + k + "\"");
            }
        }
        String id = stringMember(map, "id");
        String action = stringMember(map, "action");
        Object tablesValue = map.get("tables");
        List<String> tables = List.of();
        if (tablesValue != null) {
            if (!(tablesValue instanceof List<?> list)) {
                throw new IllegalArgumentException("snapshot request: \"tables\" must be an array of strings");
            }
            tables = list.stream().map(t -> {
                if (!(t instanceof String s)) {
                    throw new IllegalArgumentException("snapshot request: \"tables\" must be an array of strings");
                }
                return s;
            }).toList();
        }
        int chunkSize = 0;
        Object cs = map.get("chunk_size");
        if (cs != null) {
            if (!(cs instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("snapshot request: \"chunk_size\" must be a positive integer, not " + cs);
            }
            chunkSize = (int) (long) l;
        }
        return new SnapshotRequest(id, action, tables, chunkSize);
    }

    private static String stringMember(Map<?, ?> map, String name) {
        Object v = map.get(name);
        if (v == null) {
            throw new IllegalArgumentException("snapshot request: \"" + name + "\" is missing");
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("snapshot request: \"" + name + "\" must be a string");
        }
        return s;
    }

    /** The documented SQL that writes this request into the WAL (a transactional logical message). */
    public static String sql(SnapshotRequest request) {
        return "SELECT pg_logical_emit_message(true, '" + PREFIX + "', '" + request.toJson().replace("'", "''") + "')";
    }
}
