package io.cdclr.bench.micro;

import io.cdclr.connector.kinesis.KinesisWriter;
import io.cdclr.connector.kinesis.KinesisWriterConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/** The writer benchmarks' synthetic changes (a small JSON object padded to a fixed size, keys over a fixed key space). */
final class Payloads {
    private Payloads() {
    }

    static String key(int i, int keys) {
        return "bench.orders:" + (i % keys);
    }

    static byte[] payload(int i, int recordBytes) {
        byte[] data = new byte[recordBytes];
        Arrays.fill(data, (byte) 'x');
        byte[] prefix = ("{\"n\":" + i + ",\"pad\":\"").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(prefix, 0, data, 0, prefix.length);
        data[recordBytes - 2] = '"';
        data[recordBytes - 1] = '}';
        return data;
    }

    /**
     * Writes {@code count} changes through a writer made from {@code props} (plus any -Dkinesis.* system property), waits
     * until all are acknowledged, fails if any failed, and returns what {@code after} reads from the writer before it closes.
     */
    static <T> T writeAll(Map<String, Object> props, int count, int bytes, int keys, Function<KinesisWriter, T> after)
            throws Exception {
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("kinesis."))
                .forEach(name -> props.put(name, System.getProperty(name)));
        AtomicLong failures = new AtomicLong();
        try (KinesisWriter writer = KinesisWriter.create(new KinesisWriterConfig(props))) {
            for (int i = 0; i < count; i++) {
                String key = key(i, keys);
                writer.submit(key, payload(i, bytes), "bench " + key, failure -> {
                    if (failure != null) {
                        failures.incrementAndGet();
                    }
                });
            }
            if (!writer.flush(Duration.ofMinutes(10))) {
                throw new IllegalStateException("writer did not finish within 10 minutes: " + writer.metrics());
            }
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " changes failed: "
                        + writer.failure().map(Throwable::getMessage).orElse("?"));
            }
            return after.apply(writer);
        }
    }
}
