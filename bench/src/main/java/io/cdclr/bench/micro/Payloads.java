package io.cdclr.bench.micro;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The writer benchmarks' synthetic changes: a small JSON object padded to a fixed size, keys over a fixed key space. */
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
}
