package io.cdclr.connector.source;

import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The host's offset store, as a test sees it: offsets are stored only when the test says so. */
public final class InMemoryOffsets implements SourceTaskContext, OffsetStorageReader {
    private final Map<Map<String, ?>, Map<String, Object>> stored = new ConcurrentHashMap<>();
    private final Map<String, String> configs;
    private volatile Map<String, Object> last;

    public InMemoryOffsets(Map<String, String> configs) {
        this.configs = configs;
    }

    /** Stores a record's offset the way a JSON offset store would give it back (small numbers as Integer). */
    public void store(SourceRecord r) {
        Map<String, Object> copy = new HashMap<>();
        r.sourceOffset().forEach((k, v) -> copy.put(k, v instanceof Long l && l == l.intValue() ? (Object) l.intValue() : v));
        stored.put(Map.copyOf(r.sourcePartition()), copy);
        last = copy;
    }

    /** The offset stored last (any partition), or null. */
    public Map<String, Object> last() {
        return last;
    }

    /** Takes over another store's offsets (a restart with other settings). */
    void copyFrom(InMemoryOffsets other) {
        stored.putAll(other.stored);
    }

    @Override
    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public OffsetStorageReader offsetStorageReader() {
        return this;
    }

    @Override
    public PluginMetrics pluginMetrics() {
        return null;
    }

    @Override
    public <T> Map<String, Object> offset(Map<String, T> partition) {
        return stored.get(Map.copyOf(partition));
    }

    @Override
    public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
        Map<Map<String, T>, Map<String, Object>> out = new HashMap<>();
        for (Map<String, T> p : partitions) {
            Map<String, Object> o = offset(p);
            if (o != null) {
                out.put(p, o);
            }
        }
        return out;
    }
}
