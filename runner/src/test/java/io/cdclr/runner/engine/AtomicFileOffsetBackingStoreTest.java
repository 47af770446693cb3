package io.cdclr.runner.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileOffsetBackingStoreTest {
    @TempDir
    Path dir;

    private AtomicFileOffsetBackingStore store(Path file) {
        AtomicFileOffsetBackingStore store = new AtomicFileOffsetBackingStore();
        store.configure(new StandaloneConfig(Map.of(
                "offset.storage.file.filename", file.toString(),
                "bootstrap.servers", "localhost:9092",
                "key.converter", "org.apache.kafka.connect.json.JsonConverter",
                "value.converter", "org.apache.kafka.connect.json.JsonConverter")));
        return store;
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void whatIsFlushedIsReadBackByTheNextStartAndNoTemporaryFileStays() throws Exception {
        Path file = dir.resolve("offsets.dat");
        AtomicFileOffsetBackingStore first = store(file);
        first.start();
        first.set(Map.of(bytes("key"), bytes("value-1")), null).get();
        first.set(Map.of(bytes("key"), bytes("value-2")), null).get();
        first.stop();
        assertFalse(Files.exists(dir.resolve("offsets.dat.tmp")));

        AtomicFileOffsetBackingStore second = store(file);
        second.start();
        assertEquals(bytes("value-2"), second.get(List.of(bytes("key"))).get().get(bytes("key")));
        second.stop();
    }

    @Test
    void aTruncatedFileStopsTheStartInsteadOfReadingAsEmpty() throws Exception {
        Path file = dir.resolve("offsets.dat");
        AtomicFileOffsetBackingStore first = store(file);
        first.start();
        first.set(Map.of(bytes("key"), bytes("value")), null).get();
        first.stop();
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2)); // what a kill during Kafka's in-place write leaves

        AtomicFileOffsetBackingStore second = store(file);
        ConnectException e = assertThrows(ConnectException.class, second::start);
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
