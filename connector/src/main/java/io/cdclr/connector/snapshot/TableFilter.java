package io.cdclr.connector.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Whether the stream captures a table, as wal2json decides it from {@code add-tables} (only these, when set) and
 * {@code filter-tables} (never these): {@code schema.table} entries separated by commas, {@code *} matching any
 * schema or table name, {@code \} escaping the next character. A snapshot of a table the stream does not capture
 * would emit rows the stream never updates.
 */
final class TableFilter {
    private final List<Pattern[]> add;
    private final List<Pattern[]> filter;

    TableFilter(Map<String, String> streamOptions) {
        this.add = parse(streamOptions.get("add-tables"));
        this.filter = parse(streamOptions.get("filter-tables"));
    }

    boolean captures(String schema, String table) {
        if (add != null && add.stream().noneMatch(p -> matches(p, schema, table))) {
            return false;
        }
        return filter == null || filter.stream().noneMatch(p -> matches(p, schema, table));
    }

    private static boolean matches(Pattern[] p, String schema, String table) {
        return p[0].matcher(schema).matches() && p[1].matcher(table).matches();
    }

    private static List<Pattern[]> parse(String option) {
        if (option == null || option.isBlank()) {
            return null;
        }
        List<Pattern[]> out = new ArrayList<>();
        for (String entry : splitUnescaped(option, ',')) {
            List<String> parts = splitUnescaped(entry.trim(), '.');
            if (parts.size() != 2) {
                continue; // wal2json refuses such an entry at stream start
            }
            out.add(new Pattern[] {pattern(parts.get(0)), pattern(parts.get(1))});
        }
        return out;
    }

    /** Splits at unescaped {@code sep}, keeping escapes in the parts. */
    private static List<String> splitUnescaped(String s, char sep) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
            } else if (c == sep) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    private static Pattern pattern(String name) {
        if (name.equals("*")) {
            return Pattern.compile(".*", Pattern.DOTALL);
        }
        StringBuilder plain = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\' && i + 1 < name.length()) {
                c = name.charAt(++i);
            }
            plain.append(c);
        }
        return Pattern.compile(Pattern.quote(plain.toString()));
    }
}
