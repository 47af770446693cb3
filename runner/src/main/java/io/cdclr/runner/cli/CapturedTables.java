package io.cdclr.runner.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Which tables the runner's stream captures, decided the way wal2json decides it from {@code add-tables} and
 * {@code filter-tables}: comma-separated {@code schema.table} entries, {@code *} for any schema or any table, a
 * backslash escaping the next character (a literal {@code .}, {@code ,}, {@code *} or space); names are
 * case-sensitive. A table is captured when no {@code filter-tables} entry matches it and, if {@code add-tables} is
 * set, one of its entries does. {@code snapshot} uses it to refuse a table the connector would ignore.
 */
final class CapturedTables {
    private record Entry(String schema, String table) {
        boolean matches(String s, String t) {
            return ("*".equals(schema) || schema.equals(s)) && ("*".equals(table) || table.equals(t));
        }
    }

    private final List<Entry> added;
    private final List<Entry> filtered;
    private final String description;

    CapturedTables(String addTables, String filterTables) {
        this.added = parse(addTables);
        this.filtered = parse(filterTables);
        List<String> parts = new ArrayList<>();
        if (addTables != null && !addTables.isBlank()) {
            parts.add("wal2json.add-tables=" + addTables);
        }
        if (filterTables != null && !filterTables.isBlank()) {
            parts.add("wal2json.filter-tables=" + filterTables);
        }
        this.description = String.join(" ", parts);
    }

    boolean captures(String schema, String table) {
        for (Entry e : filtered) {
            if (e.matches(schema, table)) {
                return false;
            }
        }
        if (added.isEmpty()) {
            return true;
        }
        for (Entry e : added) {
            if (e.matches(schema, table)) {
                return true;
            }
        }
        return false;
    }

    /** The filter as configured, for messages ("" when every table is captured). */
    String describe() {
        return description;
    }

    private static List<Entry> parse(String value) {
        List<Entry> out = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return out;
        }
        StringBuilder schema = null;
        StringBuilder current = new StringBuilder();
        boolean escaped = false;
        for (int i = 0; i <= value.length(); i++) {
            char c = i < value.length() ? value.charAt(i) : ',';
            if (escaped) {
                current.append(c);
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '.' && schema == null) {
                schema = current;
                current = new StringBuilder();
            } else if (c == ',') {
                String s = schema == null ? null : schema.toString().trim();
                String t = current.toString().trim();
                if (s != null && !s.isEmpty() && !t.isEmpty()) {
                    out.add(new Entry(s, t));
                }
                schema = null;
                current = new StringBuilder();
            } else {
                current.append(c);
            }
        }
        return out;
    }
}
