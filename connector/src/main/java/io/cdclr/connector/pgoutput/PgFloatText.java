package io.cdclr.connector.pgoutput;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * {@code float4}/{@code float8} as PostgreSQL 12+ prints them (shortest text that reads back exactly, as with any
 * {@code extra_float_digits > 0}, which PgJDBC sets): fixed notation for decimal exponents from -4 up to 14
 * ({@code float8}) or 5 ({@code float4}), otherwise {@code 1.5e-07} style, like {@code printf %g}.
 * Java 17's {@code Double.toString} is not always the shortest, so the digits are found here.
 */
final class PgFloatText {
    private PgFloatText() {
    }

    static String float8(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0" : "0";
        }
        BigDecimal exact = new BigDecimal(d);
        for (int p = 1; p <= 17; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) {
                return format(r, 15);
            }
        }
        throw new IllegalStateException("no shortest form for " + d);
    }

    static String float4(float f) {
        if (Float.isNaN(f)) {
            return "NaN";
        }
        if (Float.isInfinite(f)) {
            return f > 0 ? "Infinity" : "-Infinity";
        }
        if (f == 0) {
            return (1 / f < 0) ? "-0" : "0";
        }
        BigDecimal exact = new BigDecimal(f);
        for (int p = 1; p <= 9; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (r.floatValue() == f) {
                return format(r, 6);
            }
        }
        throw new IllegalStateException("no shortest form for " + f);
    }

    /** digits d1d2...dn and exponent e with value d1.d2...dn x 10^e, printed like %g with the given limit. */
    private static String format(BigDecimal r, int fixedBelow) {
        BigDecimal stripped = r.stripTrailingZeros();
        String sign = stripped.signum() < 0 ? "-" : "";
        String digits = stripped.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - stripped.scale();
        if (exp >= -4 && exp < fixedBelow) {
            return sign + stripped.abs().toPlainString();
        }
        StringBuilder out = new StringBuilder(sign).append(digits.charAt(0));
        if (digits.length() > 1) {
            out.append('.').append(digits, 1, digits.length());
        }
        out.append('e').append(exp < 0 ? '-' : '+');
        int a = Math.abs(exp);
        if (a < 10) {
            out.append('0');
        }
        return out.append(a).toString();
    }
}
