package io.cdclr.runner.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.util.SafeObjectInputStream;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * {@code offset.storage=file}: the same file format as Kafka's {@code FileOffsetBackingStore} (a serialized
 * {@code HashMap<byte[], byte[]>}, read by {@link StoredOffsets} too), written so that a kill cannot truncate it.
 *
 * <p>Kafka's store rewrites the file in place and, on start, takes a truncated file ({@code EOFException}) for an
 * empty one: a {@code kill -9} during a flush made the next start silently forget its offset (resuming from the
 * slot's confirmed position: duplicates, and a running snapshot's progress lost). Here every flush writes a
 * temporary file beside it, forces it to disk and moves it over the old one atomically; a file that cannot be read
 * stops the start with one error naming it, never an empty offset.
 */
public final class AtomicFileOffsetBackingStore extends MemoryOffsetBackingStore {
    private Path file;

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        file = Path.of(String.valueOf(config.originals().get(io.debezium.embedded.EmbeddedEngineConfig.OFFSET_STORAGE_FILE_FILENAME.name()))).toAbsolutePath();
    }

    @Override
    public synchronized void start() {
        super.start();
        data.putAll(load(file));
    }

    @SuppressWarnings("unchecked")
    private static Map<ByteBuffer, ByteBuffer> load(Path file) {
        Map<ByteBuffer, ByteBuffer> loaded = new HashMap<>();
        try (InputStream in = Files.newInputStream(file); ObjectInputStream is = new SafeObjectInputStream(in)) {
            Object raw = is.readObject();
            if (!(raw instanceof HashMap<?, ?> map)) {
                throw new IOException("it does not hold an offset map");
            }
            for (Map.Entry<byte[], byte[]> e : ((Map<byte[], byte[]>) map).entrySet()) {
                loaded.put(e.getKey() == null ? null : ByteBuffer.wrap(e.getKey()),
                        e.getValue() == null ? null : ByteBuffer.wrap(e.getValue()));
            }
            return loaded;
        } catch (NoSuchFileException e) {
            return loaded; // a first start
        } catch (IOException | ClassNotFoundException e) {
            throw new ConnectException("offset file " + file + " cannot be read (" + e
                    + "); it was not written by this version's atomic flush. Move it away to resume from the"
                    + " replication slot's confirmed position (changes after it are sent again)", e);
        }
    }

    @Override
    protected void save() {
        HashMap<byte[], byte[]> raw = new HashMap<>();
        for (Map.Entry<ByteBuffer, ByteBuffer> e : data.entrySet()) {
            raw.put(e.getKey() == null ? null : e.getKey().array(), e.getValue() == null ? null : e.getValue().array());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(channel);
                 ObjectOutputStream os = new ObjectOutputStream(out)) {
                os.writeObject(raw);
                os.flush();
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ConnectException("cannot write offset file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        // Only Kafka Connect's distributed herder asks this; the engine does not.
        return Set.of();
    }
}
