package io.cdclr.connector.envelope;

/**
 * JSON text exactly as wal2json writes it: PostgreSQL's {@code escape_json} for strings (only {@code "}, {@code \}
 * and control characters are escaped; everything else, non-ASCII included, is written as is).
 */
public final class JsonText {
    private JsonText() {
    }

    public static void appendString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < ' ') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    public static String string(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        appendString(out, s);
        return out.toString();
    }
}
