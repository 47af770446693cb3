package io.cdclr.connector.envelope;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Writes random wal2json-v2-like messages, valid JSON all, meant to exercise the envelope parser where it can go
 * wrong: names and values with quotes, backslashes, every escape (each character escaped or not at random, so a
 * name can be spelled differently in {@code pk} and in {@code columns}), surrogate pairs and non-ASCII UTF-8,
 * numbers of every shape, composite keys in any order, key columns missing, duplicate columns and fields, unknown
 * fields holding nested objects and arrays, fields in any order, pretty-printed whitespace.
 */
final class RandomEnvelopes {
    private static final String[] ACTIONS = {"I", "I", "U", "U", "D", "D", "T", "M", "B", "C"};
    /** Characters names and strings are made of; some must be escaped, some are multi-byte, one is two UTF-16 units. */
    private static final String[] PIECES = {"a", "b", "id", "x", "_", " ", "0", "7", "\"", "\\", "/", "|", ".", "\n",
            "\t", "\b", "\f", "\r", "\u0001", "\u001f", "\u007f", "é", "€", "日本", "\uD83D\uDE00", "}", "]", ",", ":", "{"};
    private static final String[] NUMBERS = {"0", "-0", "1", "-1", "42", "10.50", "0.0", "9223372036854775807",
            "-9223372036854775808", "123456789012345678901234567890", "1e10", "1E+2", "-1.5e-10", "-1.5e+10", "2.5E-3",
            "0e0", "3.141592653589793238462643383279"};
    private static final String WHITESPACE = " \t\r\n";

    private final Random random;
    private boolean pretty;
    /** Percent of characters written as a \\u escape where they need none: 0 in half the messages. */
    private int escapePercent;

    RandomEnvelopes(long seed) {
        this.random = new Random(seed);
    }

    String next() {
        pretty = random.nextInt(4) == 0;
        escapePercent = chance(50) ? 0 : 10;
        String action = pick(ACTIONS);
        List<String> fields = new ArrayList<>();
        fields.add(field("action", str(action)));
        if (chance(80)) {
            fields.add(field("xid", Integer.toString(random.nextInt(1_000_000))));
        }
        if (chance(80)) {
            fields.add(field("lsn", str(Integer.toHexString(random.nextInt(16)) + "/" + Integer.toHexString(random.nextInt()))));
        }
        if (chance(60)) {
            fields.add(field("timestamp", str("2026-11-25 19:42:10.123456+00")));
        }
        switch (action) {
            case "I", "U", "D" -> rowChange(action, fields);
            case "T" -> {
                fields.add(field("schema", str(valueText())));
                fields.add(field("table", str(valueText())));
            }
            case "M" -> {
                fields.add(field("transactional", chance(50) ? "true" : "false"));
                fields.add(field("prefix", chance(10) ? "null" : str(valueText())));
                fields.add(field("content", str(valueText())));
            }
            default -> fields.add(field("nextlsn", str("0/" + Integer.toHexString(random.nextInt()))));
        }
        if (chance(20)) {
            fields.add(field(text(), junk(0)));
        }
        if (chance(5)) { // the last of a duplicate field counts
            fields.add(field(pick("schema", "table", "lsn", "prefix", "nextlsn"), chance(20) ? "null" : str(valueText())));
        }
        if (chance(50)) {
            Collections.shuffle(fields, random);
        }
        return object(fields) + ws();
    }

    private void rowChange(String action, List<String> fields) {
        fields.add(field("schema", str(chance(70) ? "public" : valueText())));
        fields.add(field("table", str(valueText())));
        List<String> names = new ArrayList<>();
        int columns = 1 + random.nextInt(7);
        for (int i = 0; i < columns; i++) {
            names.add(chance(70) ? "c" + i : valueText() + i);
        }
        List<String> pk = new ArrayList<>();
        int keys = random.nextInt(4);
        for (int i = 0; i < keys; i++) {
            pk.add(chance(10) ? "absent" + i : names.get(random.nextInt(names.size())));
        }
        java.util.Map<String, String> written = new java.util.HashMap<>();
        if (!action.equals("D")) {
            fields.add(field("columns", entries(names, true, written, false)));
        }
        if (!action.equals("I") && chance(90)) {
            List<String> identity = chance(50) ? names : pk.stream().filter(names::contains).distinct().toList();
            // Often the values of columns again: an update that keeps its key (or, for some columns, changes it).
            fields.add(field("identity", entries(identity, true, written, chance(60))));
        }
        if (!pk.isEmpty() || chance(50)) {
            fields.add(field("pk", entries(pk, false)));
        }
        if (chance(20)) { // pk first, as wal2json never writes it
            Collections.swap(fields, 0, fields.size() - 1);
        }
    }

    private String entries(List<String> names, boolean withValues) {
        return entries(names, withValues, new java.util.HashMap<>(), false);
    }

    /** {@code written}: the values written per name (the last one), reused for a name when {@code reuse}. */
    private String entries(List<String> names, boolean withValues, java.util.Map<String, String> written, boolean reuse) {
        List<String> entries = new ArrayList<>();
        for (String name : names) {
            List<String> fields = new ArrayList<>();
            fields.add(field("name", str(name)));
            fields.add(field("type", str(pick("bigint", "integer", "text", "numeric(12,2)", "timestamp with time zone"))));
            if (chance(30)) {
                fields.add(field("typeoid", Integer.toString(random.nextInt(5000))));
            }
            if (withValues && chance(95)) {
                String value = reuse && written.containsKey(name) && chance(90) ? written.get(name) : value();
                written.put(name, value);
                fields.add(field("value", value));
            }
            if (chance(5)) {
                fields.add(field(text(), junk(0)));
            }
            if (chance(30)) {
                Collections.shuffle(fields, random);
            }
            entries.add(object(fields));
            if (withValues && chance(3)) { // a column named twice: its last value counts
                String value = value();
                written.put(name, value);
                entries.add(object(List.of(field("name", str(name)), field("value", value))));
            }
        }
        return array(entries);
    }

    private String value() {
        int r = random.nextInt(100);
        if (r < 35) {
            return str(valueText());
        } else if (r < 70) {
            return number();
        } else if (r < 80) {
            return chance(50) ? "true" : "false";
        } else if (r < 93) {
            return "null";
        }
        return junk(1);
    }

    private String number() {
        if (chance(60)) {
            return pick(NUMBERS);
        }
        StringBuilder n = new StringBuilder();
        if (chance(30)) {
            n.append('-');
        }
        n.append(chance(20) ? "0" : Integer.toString(1 + random.nextInt(Integer.MAX_VALUE)));
        if (chance(40)) {
            n.append('.').append(random.nextInt(100_000));
        }
        if (chance(30)) {
            n.append(pick("e", "E")).append(pick("", "+", "-")).append(random.nextInt(400));
        }
        return n.toString();
    }

    /** A value the parser must skip: scalars, or objects and arrays nested a few levels. */
    private String junk(int depth) {
        int r = random.nextInt(depth > 3 ? 4 : 6);
        return switch (r) {
            case 0 -> str(valueText());
            case 1 -> number();
            case 2 -> pick("true", "false", "null");
            case 3 -> chance(50) ? "{}" : "[]";
            case 4 -> {
                List<String> fields = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    fields.add(field(text(), junk(depth + 1)));
                }
                yield object(fields);
            }
            default -> {
                List<String> items = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    items.add(junk(depth + 1));
                }
                yield array(items);
            }
        };
    }

    /** A random text for a field name (a key): no lone surrogate, which Jackson rejects in keys only. */
    private String text() {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(6); i > 0; i--) {
            s.append(pick(PIECES));
        }
        return s.toString();
    }

    /** A random text for a string value (column names are values too), now and then with a lone surrogate. */
    private String valueText() {
        return chance(3) ? text() + '\uD800' + text() : text(); // a lone surrogate is only writable as a \\u escape
    }

    /** The JSON string for s, each character escaped or not at random (where JSON allows both). */
    private String str(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                String shortEscape = switch (c) {
                    case '\b' -> "\\b";
                    case '\f' -> "\\f";
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\t' -> "\\t";
                    default -> null;
                };
                out.append(shortEscape != null && chance(70) ? shortEscape : unicodeEscape(c));
            } else if (c == '/' && chance(50)) {
                out.append("\\/");
            } else if (Character.isSurrogate(c) && !pair) {
                out.append(unicodeEscape(c));
            } else if (chance(escapePercent)) {
                out.append(unicodeEscape(c));
                if (pair) {
                    out.append(unicodeEscape(s.charAt(++i)));
                }
            } else {
                out.append(c);
                if (pair) {
                    out.append(s.charAt(++i));
                }
            }
        }
        return out.append('"').toString();
    }

    private String unicodeEscape(char c) {
        String hex = String.format("%04x", (int) c);
        return "\\u" + (chance(50) ? hex : hex.toUpperCase());
    }

    private String field(String name, String value) {
        return ws() + str(name) + ws() + ":" + ws() + value;
    }

    private String object(List<String> fields) {
        return ws() + "{" + String.join(ws() + ",", fields) + ws() + "}";
    }

    private String array(List<String> items) {
        List<String> spaced = items.stream().map(item -> ws() + item).toList();
        return "[" + String.join(ws() + ",", spaced) + ws() + "]";
    }

    /** Whitespace between tokens, in pretty-printed messages only. */
    private String ws() {
        if (!pretty) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(4); i > 0; i--) {
            s.append(WHITESPACE.charAt(random.nextInt(WHITESPACE.length())));
        }
        return s.toString();
    }

    private boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
