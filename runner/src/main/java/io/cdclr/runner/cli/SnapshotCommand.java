package io.cdclr.runner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdclr.connector.replication.ReplicationSlots;
import io.cdclr.connector.snapshot.SnapshotProgress;
import io.cdclr.connector.snapshot.SnapshotRequest;
import io.cdclr.runner.config.PostgresConnections;
import io.cdclr.runner.config.RunnerConfig;
import io.cdclr.runner.config.RunnerSettings;
import io.cdclr.runner.engine.StoredOffsets;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code snapshot --tables a,b | --cancel | --status}: asks the running runner for an incremental snapshot (or to
 * cancel it) by writing a request into the WAL with {@code pg_logical_emit_message(true, 'cdclr.snapshot', json)};
 * the runner reads it from its own stream where its transaction commits (docs/snapshots.md). {@code --status} prints
 * the progress stored in the runner's offset and, when the runner's HTTP port answers, its live figures.
 *
 * <p>A request for a table the runner could not snapshot (missing, without a primary key, outside the table filter),
 * or while no slot exists to carry it, is refused before anything is written: one line naming every problem, exit 2.
 */
final class SnapshotCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunnerConfig config;
    private final PrintStream out;
    private final PrintStream err;

    SnapshotCommand(RunnerConfig config, PrintStream out, PrintStream err) {
        this.config = config;
        this.out = out;
        this.err = err;
    }

    int run(CommandLine.SnapshotOptions options) throws Exception {
        if (config.decoder().pgoutput()) {
            err.println("error: snapshot applies to decoder=wal2json; with decoder=pgoutput use Debezium's incremental"
                    + " snapshot through signal.table (docs/pgoutput.md)");
            return Main.EXIT_USAGE;
        }
        if (options.status()) {
            return status();
        }
        PostgresConnections connections = new PostgresConnections(config);
        try (Connection c = connections.open()) {
            List<String> problems = new ArrayList<>();
            if (!ReplicationSlots.exists(c, config.slotName())) {
                problems.add("replication slot '" + config.slotName() + "' does not exist, so no runner would read the"
                        + " request (start the runner first, or set snapshot.tables before its first start)");
            }
            problems.addAll(streamProblems(config.source().wal2jsonOptions()));
            if (!options.cancel()) {
                problems.addAll(tableProblems(c, options.tables()));
            }
            if (!problems.isEmpty()) {
                err.println("error: snapshot refused: " + String.join("; ", problems));
                return Main.EXIT_USAGE;
            }
            SnapshotRequest request = options.cancel() ? SnapshotRequest.cancel()
                    : SnapshotRequest.start(options.tables(), options.chunkSize() == null ? 0
                            : Math.toIntExact(options.chunkSize()));
            String lsn = emit(c, request.toJson());
            if (options.cancel()) {
                out.println("snapshot: cancel requested id=" + request.id() + " slot=" + config.slotName()
                        + " lsn=" + lsn + " (stops the running snapshot, if any, where the stream reaches it)");
            } else {
                out.println("snapshot: requested id=" + request.id() + " tables="
                        + String.join(",", options.tables())
                        + (options.chunkSize() == null ? "" : " chunk_size=" + options.chunkSize())
                        + " slot=" + config.slotName() + " lsn=" + lsn);
            }
            out.println("snapshot: SQL equivalent: " + SnapshotRequest.sql(request) + ";");
            String running = options.cancel() ? null : storedProgress();
            if (running != null) {
                // Not a refusal: the stored offset may be older than the snapshot's end.
                err.println("warning: the stored offset (as of its last flush) shows a snapshot running ("
                        + describeProgress(running) + "); the runner ignores a new request while one runs: if it still"
                        + " runs, cancel it (snapshot --cancel) and ask again");
            }
            out.println("snapshot: the runner acts on it when its stream reaches lsn " + lsn
                    + "; follow it with: snapshot --status");
            return 0;
        }
    }

    /**
     * Wal2json options under which the connector would never act on a request: without include-pk it cannot match
     * snapshot rows to streamed changes (it ignores requests), and message prefix filters that keep the request or
     * its watermarks ({@code cdclr.snapshot}, {@code cdclr.snapshot.wm}) out of the stream.
     */
    static List<String> streamProblems(java.util.Map<String, String> wal2jsonOptions) {
        List<String> problems = new ArrayList<>();
        String pk = wal2jsonOptions.getOrDefault("include-pk", "0").trim().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("1", "t", "true", "y", "yes", "on").contains(pk)) {
            problems.add("wal2json.include-pk=" + wal2jsonOptions.get("include-pk") + ": snapshots need include-pk=1"
                    + " (snapshot rows are matched to streamed changes by primary key)");
        }
        List<String> prefixes = List.of(SnapshotRequest.PREFIX, SnapshotRequest.PREFIX + ".wm");
        String add = wal2jsonOptions.get("add-msg-prefixes");
        if (add != null && !add.isBlank()) {
            List<String> added = List.of(add.split(",")).stream().map(String::trim).toList();
            for (String prefix : prefixes) {
                if (!added.contains(prefix)) {
                    problems.add("wal2json.add-msg-prefixes=" + add + " keeps '" + prefix + "' messages out of the"
                            + " stream; add it");
                }
            }
        }
        String filter = wal2jsonOptions.get("filter-msg-prefixes");
        if (filter != null && !filter.isBlank()) {
            List<String> filtered = List.of(filter.split(",")).stream().map(String::trim).toList();
            for (String prefix : prefixes) {
                if (filtered.contains(prefix)) {
                    problems.add("wal2json.filter-msg-prefixes=" + filter + " drops '" + prefix + "' messages; remove it");
                }
            }
        }
        return problems;
    }

    /** Every reason, in the order the tables were given, why a table cannot be snapshotted; empty when none. */
    List<String> tableProblems(Connection c, List<String> tables) throws SQLException {
        CapturedTables captured = capturedTables(config);
        List<String> problems = new ArrayList<>();
        for (String name : tables) {
            int dot = name.indexOf('.');
            if (dot <= 0 || dot == name.length() - 1 || name.indexOf('.', dot + 1) >= 0) {
                problems.add(name + " is not a schema.table name (case-sensitive, unquoted, e.g. public.orders)");
                continue;
            }
            String schema = name.substring(0, dot);
            String table = name.substring(dot + 1);
            try (PreparedStatement ps = c.prepareStatement("SELECT c.relkind::text, EXISTS (SELECT 1 FROM pg_index i"
                    + " WHERE i.indrelid = c.oid AND i.indisprimary) FROM pg_class c JOIN pg_namespace n"
                    + " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
                ps.setString(1, schema);
                ps.setString(2, table);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        problems.add(name + " does not exist");
                        continue;
                    }
                    String kind = rs.getString(1);
                    if (!"r".equals(kind) && !"p".equals(kind)) {
                        problems.add(name + " is not a table (relkind " + kind + ")");
                        continue;
                    }
                    if (!rs.getBoolean(2)) {
                        problems.add(name + " has no primary key (a snapshot reads it in primary-key order)");
                    }
                }
            }
            if (!captured.captures(schema, table)) {
                problems.add(name + " is not captured by the table filter (" + captured.describe() + ")");
            }
        }
        return problems;
    }

    /** The tables the runner's stream carries: the table filter the connector is started with (tables, offsets). */
    static CapturedTables capturedTables(RunnerConfig config) {
        java.util.Map<String, String> options = config.source().wal2jsonOptions();
        return new CapturedTables(options.get("add-tables"), options.get("filter-tables"));
    }

    private static String emit(Connection c, String json) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)::text")) {
            ps.setString(1, SnapshotRequest.PREFIX);
            ps.setString(2, json);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    // ---- --status

    /** The snapshot progress in this runner's stored offset; null when none (or the store cannot be read). */
    private String storedProgress() {
        try {
            return storedProgress(new StoredOffsets(config));
        } catch (Exception e) {
            return null;
        }
    }

    private static String storedProgress(StoredOffsets offsets) throws Exception {
        String progress = null;
        for (StoredOffsets.Entry entry : offsets.read()) {
            String p = progressOf(entry.value());
            if (p != null) {
                progress = p;
            }
        }
        return progress;
    }

    private int status() throws Exception {
        StoredOffsets offsets = new StoredOffsets(config);
        String progress = storedProgress(offsets);
        out.println(progress == null
                ? "snapshot status (stored offset, " + offsets.where() + "): no snapshot running as of the last"
                        + " offset flush"
                : "snapshot status (stored offset, " + offsets.where() + ", as of the last offset flush): "
                        + describeProgress(progress));
        String url = metricsUrl(config.settings());
        List<String> live = live(url);
        if (live == null) {
            out.println("snapshot live: the runner's HTTP port (" + url + ") is not reachable; the stored offset"
                    + " above is all there is");
        } else if (live.isEmpty()) {
            out.println("snapshot live (" + url + "): no snapshot metrics (no snapshot running in this runner)");
        } else {
            out.println("snapshot live (" + url + "): " + String.join(" ", live));
        }
        return 0;
    }

    /** The member {@code snapshot} of a stored offset value (SnapshotProgress JSON), or null. */
    static String progressOf(String offsetValue) {
        if (offsetValue == null) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(offsetValue);
            JsonNode snapshot = node == null ? null : node.get("snapshot");
            if (snapshot == null || snapshot.isNull()) {
                return null;
            }
            return snapshot.isTextual() ? snapshot.asText() : snapshot.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** One line of the stored progress: its members as key=value, in the order stored, and the rows in total. */
    static String describeProgress(String progressJson) {
        String total = "";
        try {
            total = " rows_total=" + SnapshotProgress.fromJson(progressJson).rowsEmitted();
        } catch (RuntimeException e) {
            // not (or no longer) the connector's form: shown as stored
        }
        try {
            JsonNode node = JSON.readTree(progressJson);
            if (node == null || !node.isObject()) {
                return progressJson;
            }
            List<String> parts = new ArrayList<>();
            node.fields().forEachRemaining(e -> parts.add(e.getKey() + "="
                    + (e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString())));
            return String.join(" ", parts) + total;
        } catch (IOException e) {
            return progressJson;
        }
    }

    static String metricsUrl(RunnerSettings settings) {
        String host = settings.httpBindAddress();
        if (host == null || host.isBlank() || "0.0.0.0".equals(host) || "::".equals(host)) {
            host = "127.0.0.1";
        }
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + settings.httpPort() + "/metrics";
    }

    /** The runner's cdc_snapshot_* samples (without HELP/TYPE lines); null when its HTTP port does not answer. */
    static List<String> live(String url) {
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            List<String> samples = new ArrayList<>();
            for (String line : response.body().split("\n")) {
                if (line.startsWith("cdc_snapshot_")) {
                    samples.add(line.replace(" ", "="));
                }
            }
            return samples;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
