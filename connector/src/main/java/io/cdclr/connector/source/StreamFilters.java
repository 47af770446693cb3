package io.cdclr.connector.source;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wal2json options that decide which messages of a transaction are sent, and so what a stored {@code index}
 * counts: {@code add-tables}, {@code filter-tables}, {@code actions}, {@code add-msg-prefixes},
 * {@code filter-msg-prefixes}. Their fingerprint ({@code add-tables=1a2b3c4d;actions=...}, a short hash of each
 * option that is set, in this order) is stored with every offset, so a start can tell that an index stored inside a
 * transaction was counted under other options and must not be used to skip.
 */
final class StreamFilters {
    static final List<String> OPTIONS = List.of("add-tables", "filter-tables", "actions", "add-msg-prefixes",
            "filter-msg-prefixes");

    private StreamFilters() {
    }

    /** The fingerprint of these stream options ("" when none of {@link #OPTIONS} is set). */
    static String fingerprint(Map<String, String> streamOptions) {
        StringBuilder out = new StringBuilder();
        for (String option : OPTIONS) {
            String value = streamOptions.get(option);
            if (value != null) {
                if (out.length() > 0) {
                    out.append(';');
                }
                out.append(option).append('=').append(hash(value));
            }
        }
        return out.toString();
    }

    /**
     * The options whose value differs between two fingerprints, in {@link #OPTIONS} order; all of them when the stored
     * fingerprint is null (an offset stored before fingerprints existed: the options it was counted under are unknown).
     */
    static List<String> changed(String stored, String current) {
        if (stored == null) {
            return OPTIONS;
        }
        Map<String, String> before = parse(stored);
        Map<String, String> now = parse(current);
        List<String> changed = new ArrayList<>();
        for (String option : OPTIONS) {
            if (!java.util.Objects.equals(before.get(option), now.get(option))) {
                changed.add(option);
            }
        }
        return changed;
    }

    /**
     * Where to resume from a stored offset under the current options: the stored offset itself, or, when it lies
     * inside a transaction and its index was counted under other options, that transaction's start (the whole
     * transaction is sent again: duplicates of that one transaction, nothing skipped). Null when nothing is stored.
     *
     * @param warn receives the one line to log when the position moves back
     */
    static SourceOffset resumeFrom(SourceOffset stored, String current, java.util.function.Consumer<String> warn) {
        if (stored == null || !stored.insideTransaction()) {
            return stored; // between transactions (or a standalone message) nothing depends on the options
        }
        List<String> changed = changed(stored.filters(), current);
        if (changed.isEmpty()) {
            return stored;
        }
        warn.accept((stored.filters() == null
                ? "The stored offset " + stored + " predates option fingerprints, so the wal2json options its index was"
                        + " counted under are unknown (any of " + String.join(", ", changed) + ")"
                : "wal2json option(s) " + String.join(", ", changed) + " changed since the offset " + stored
                        + " was stored inside a transaction, so its index counts other messages")
                + ": resuming from the start of that transaction (commit LSN " + stored.commitLsn()
                + "); its changes already delivered are sent again");
        return stored.transactionStart();
    }

    private static Map<String, String> parse(String fingerprint) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : fingerprint.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                out.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return out;
    }

    private static String hash(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
