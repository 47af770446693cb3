package io.cdclr.connector.pgoutput;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Turns a value as Debezium delivers it back into PostgreSQL's own text for it (the type's output function, as
 * wal2json calls it), by the column's base type and the field's Connect schema. The connector must run with
 * {@code decimal.handling.mode=string} (or {@code precise}), {@code interval.handling.mode=string},
 * {@code binary.handling.mode=bytes} and an {@code adaptive*} or {@code connect} {@code time.precision.mode};
 * a value in any other form is an error here, never a guess.
 */
final class PgValueText {
    private static final DateTimeFormatter HMS = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final PgCatalog catalog;

    PgValueText(PgCatalog catalog) {
        this.catalog = catalog;
    }

    /** PostgreSQL's text for the value, or null for SQL NULL. */
    String text(ColumnInfo column, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if (column.isArray()) {
            if (!(value instanceof List<?> list)) {
                throw unsupported(column.name(), column.typeName(), value);
            }
            Schema elemSchema = schema == null ? null : schema.valueSchema();
            StringBuilder out = new StringBuilder("{");
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                Object e = list.get(i);
                if (e == null) {
                    out.append("NULL");
                } else {
                    appendArrayElement(out, scalar(column.name(), column.typeName(), column.elementType(), elemSchema, e));
                }
            }
            return out.append('}').toString();
        }
        if (column.enumType() && value instanceof String s) {
            return s;
        }
        return scalar(column.name(), column.typeName(), column.baseType(), schema, value);
    }

    /** Quoted as PostgreSQL's {@code array_out} quotes an element. */
    static void appendArrayElement(StringBuilder out, String s) {
        boolean quote = s.isEmpty() || s.equalsIgnoreCase("NULL");
        for (int i = 0; !quote && i < s.length(); i++) {
            char c = s.charAt(i);
            quote = c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || c == ' ' || c == '\t' || c == '\n'
                    || c == '\r' || c == 0x0B || c == '\f';
        }
        if (!quote) {
            out.append(s);
            return;
        }
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }

    private String scalar(String column, String typeName, String baseType, Schema schema, Object value) {
        String logical = schema == null ? null : schema.name();
        switch (baseType) {
            case "int2", "int4", "int8", "oid":
                if (value instanceof Number n && !(value instanceof Float) && !(value instanceof Double)) {
                    return n.toString();
                }
                break;
            case "float4":
                if (value instanceof Float f) {
                    return PgFloatText.float4(f);
                }
                if (value instanceof Double d) {
                    return PgFloatText.float4(d.floatValue());
                }
                break;
            case "float8":
                if (value instanceof Double d) {
                    return PgFloatText.float8(d);
                }
                break;
            case "numeric":
                return decimal(column, typeName, value);
            case "money":
                return catalog.render(decimal(column, typeName, value), "numeric", "money");
            case "bool":
                if (value instanceof Boolean b) {
                    return b ? "t" : "f";
                }
                break;
            case "bytea":
                if (value instanceof byte[] bytes) {
                    return "\\x" + HexFormat.of().formatHex(bytes);
                }
                if (value instanceof ByteBuffer buffer) {
                    ByteBuffer b = buffer.duplicate();
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    return "\\x" + HexFormat.of().formatHex(bytes);
                }
                break;
            case "bit":
                // io.debezium.data.Bits: little-endian bytes of the bit string (bit(1): a Boolean). Only the fixed
                // length of bit(n) says how many leading zeros there were; varbit's length is lost.
                int length = bitLength(typeName);
                if (value instanceof Boolean b && length == 1) {
                    return b ? "1" : "0";
                }
                if (value instanceof byte[] || value instanceof ByteBuffer) {
                    java.util.BitSet bits = java.util.BitSet.valueOf(value instanceof byte[] a ? a : toArray((ByteBuffer) value));
                    StringBuilder out = new StringBuilder(length);
                    for (int k = 0; k < length; k++) {
                        out.append(bits.get(length - 1 - k) ? '1' : '0');
                    }
                    return out.toString();
                }
                break;
            case "point":
                // io.debezium.data.geometry.Point: x and y as doubles (plus WKB), printed as point_out does
                if (value instanceof Struct p && p.schema().field("x") != null && p.schema().field("y") != null) {
                    return "(" + PgFloatText.float8(p.getFloat64("x")) + "," + PgFloatText.float8(p.getFloat64("y")) + ")";
                }
                break;
            case "date":
                if (value instanceof Integer days) {
                    return date(LocalDate.ofEpochDay(days));
                }
                if (value instanceof java.util.Date d) {
                    return date(LocalDate.ofEpochDay(Math.floorDiv(d.getTime(), 86_400_000L)));
                }
                break;
            case "timestamp":
                LocalDateTime ldt = localDateTime(logical, value);
                if (ldt != null) {
                    return date(ldt.toLocalDate(), time(ldt.toLocalTime()));
                }
                break;
            case "timestamptz":
                if (value instanceof String s) {
                    if (s.equals("infinity") || s.equals("-infinity")) {
                        return s;
                    }
                    return timestamptz(OffsetDateTime.parse(s).toInstant(), catalog.timeZone());
                }
                if (value instanceof java.util.Date d) {
                    return timestamptz(d.toInstant(), catalog.timeZone());
                }
                break;
            case "time":
                if (value instanceof Long micros && "io.debezium.time.MicroTime".equals(logical)) {
                    return timeOfDayMicros(micros);
                }
                if (value instanceof Long nanos && "io.debezium.time.NanoTime".equals(logical)) {
                    return timeOfDayMicros(nanos / 1000);
                }
                if (value instanceof Integer millis) {
                    return timeOfDayMicros(millis * 1000L);
                }
                if (value instanceof java.util.Date d) {
                    return timeOfDayMicros(d.getTime() * 1000L);
                }
                break;
            case "timetz":
                // Debezium normalizes to UTC (ZonedTime): the offset the value was written with is gone.
                if (value instanceof String s) {
                    java.time.OffsetTime t = java.time.OffsetTime.parse(s).withOffsetSameInstant(ZoneOffset.UTC);
                    return time(t.toLocalTime()) + "+00";
                }
                break;
            case "interval":
                if (value instanceof String s) {
                    return catalog.render(s, "interval", "interval");
                }
                break;
            case "text", "varchar", "bpchar", "name", "char", "uuid", "json", "jsonb", "xml", "inet", "cidr",
                    "macaddr", "macaddr8", "citext", "ltree", "int4range", "int8range", "numrange", "tsrange",
                    "tstzrange", "daterange", "tsvector", "tsquery":
                if (value instanceof String s) {
                    return s;
                }
                break;
            default:
                if (value instanceof String s && schema != null && "io.debezium.data.Enum".equals(schema.name())) {
                    return s;
                }
                break;
        }
        throw unsupported(column, typeName, value);
    }

    private static String decimal(String column, String typeName, Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (value instanceof Struct s && s.schema().field("scale") != null && s.schema().field("value") != null) {
            // io.debezium.data.VariableScaleDecimal
            Object raw = s.get("value");
            byte[] bytes = raw instanceof ByteBuffer b ? toArray(b) : (byte[]) raw;
            return new BigDecimal(new BigInteger(bytes), s.getInt32("scale")).toPlainString();
        }
        throw unsupported(column, typeName, value);
    }

    /** n of "bit(n)"; "bit" alone is bit(1). */
    private static int bitLength(String typeName) {
        int open = typeName.indexOf('(');
        return open < 0 ? 1 : Integer.parseInt(typeName.substring(open + 1, typeName.indexOf(')', open)));
    }

    private static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    private static LocalDateTime localDateTime(String logical, Object value) {
        if (value instanceof Long v) {
            if ("io.debezium.time.MicroTimestamp".equals(logical)) {
                return LocalDateTime.ofEpochSecond(Math.floorDiv(v, 1_000_000L), (int) Math.floorMod(v, 1_000_000L) * 1000,
                        ZoneOffset.UTC);
            }
            if ("io.debezium.time.NanoTimestamp".equals(logical)) {
                return LocalDateTime.ofEpochSecond(Math.floorDiv(v, 1_000_000_000L), (int) Math.floorMod(v, 1_000_000_000L),
                        ZoneOffset.UTC);
            }
            if ("io.debezium.time.Timestamp".equals(logical)) {
                return LocalDateTime.ofEpochSecond(Math.floorDiv(v, 1000L), (int) Math.floorMod(v, 1000L) * 1_000_000,
                        ZoneOffset.UTC);
            }
        }
        if (value instanceof java.util.Date d) {
            return LocalDateTime.ofInstant(d.toInstant(), ZoneOffset.UTC);
        }
        return null;
    }

    /** PostgreSQL's ISO date: 4-digit year at least, "BC" for years before 1. */
    static String date(LocalDate d) {
        return date(d, null);
    }

    private static String date(LocalDate d, String timePart) {
        int year = d.getYear();
        boolean bc = year <= 0;
        int shown = bc ? 1 - year : year;
        StringBuilder out = new StringBuilder();
        String y = Integer.toString(shown);
        for (int i = y.length(); i < 4; i++) {
            out.append('0');
        }
        out.append(y).append('-');
        two(out, d.getMonthValue()).append('-');
        two(out, d.getDayOfMonth());
        if (timePart != null) {
            out.append(' ').append(timePart);
        }
        if (bc) {
            out.append(" BC");
        }
        return out.toString();
    }

    private static StringBuilder two(StringBuilder out, int v) {
        if (v < 10) {
            out.append('0');
        }
        return out.append(v);
    }

    /** HH:MM:SS plus the fraction without trailing zeros, as PostgreSQL prints times. */
    static String time(LocalTime t) {
        StringBuilder out = new StringBuilder(HMS.format(t));
        int micros = t.getNano() / 1000;
        if (micros != 0) {
            String f = String.format("%06d", micros);
            int end = f.length();
            while (f.charAt(end - 1) == '0') {
                end--;
            }
            out.append('.').append(f, 0, end);
        }
        return out.toString();
    }

    private static String timeOfDayMicros(long micros) {
        if (micros == 86_400_000_000L) {
            return "24:00:00";
        }
        return time(LocalTime.ofNanoOfDay(micros * 1000));
    }

    /** A timestamptz as PostgreSQL prints it in the given zone: 2026-02-12 10:11:12.5+05:30. */
    static String timestamptz(Instant instant, ZoneId zone) {
        ZonedDateTime z = instant.atZone(zone);
        String offset = offset(z.getOffset());
        LocalDateTime l = z.toLocalDateTime();
        String s = date(l.toLocalDate(), time(l.toLocalTime()) + offset);
        return s;
    }

    static String offset(ZoneOffset offset) {
        int total = offset.getTotalSeconds();
        StringBuilder out = new StringBuilder(total < 0 ? "-" : "+");
        int a = Math.abs(total);
        two(out, a / 3600);
        int minutes = (a / 60) % 60;
        int seconds = a % 60;
        if (minutes != 0 || seconds != 0) {
            two(out.append(':'), minutes);
        }
        if (seconds != 0) {
            two(out.append(':'), seconds);
        }
        return out.toString();
    }

    private static DataException unsupported(String column, String typeName, Object value) {
        return new DataException("Column \"" + column + "\" of type " + typeName + ": Debezium delivered a "
                + value.getClass().getSimpleName() + ", which has no faithful wal2json rendering here (see docs/pgoutput.md"
                + " for the connector settings and the supported types)");
    }
}
