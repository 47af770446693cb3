package io.cdclr.connector.pgoutput;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * TEMPORARY: the partition-key format of {@code io.cdclr.connector.envelope.PartitionKey} (branch {@code source},
 * docs/envelope.md), restated here until that class is on main; then the transform calls it on the parsed envelope
 * and this class goes. Same rules: {@code schema.table|v1|v2} with {@code \}, {@code .}, {@code |} escaped in names,
 * {@code \}, {@code |} in values, {@code \N} for NULL, {@code message|prefix} for M, SHA-256 past 256 characters.
 */
final class Wal2JsonPartitionKey {
    static final int MAX_LENGTH = 256;

    private Wal2JsonPartitionKey() {
    }

    /** @param pkValues key text of each primary-key value (JSON string content or number/boolean literal), null for NULL */
    static String row(String schema, String table, List<String> pkValues) {
        StringBuilder key = new StringBuilder();
        key.append(escape(schema)).append('.').append(escape(table));
        for (String v : pkValues) {
            key.append('|').append(v == null ? "\\N" : escapeValue(v));
        }
        return limit(key.toString());
    }

    static String message(String prefix) {
        return limit("message|" + escape(prefix == null ? "" : prefix));
    }

    static String limit(String key) {
        if (key.codePointCount(0, key.length()) <= MAX_LENGTH) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '.' || c == '|') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    static String escapeValue(String s) {
        StringBuilder out = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '|') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
