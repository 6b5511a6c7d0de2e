package io.dynconf.core.match;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import org.jspecify.annotations.Nullable;

/**
 * The few rules of Lua values (as LuaJIT 2.1, OpenResty's Lua, has them) that lua-resty-expr's
 * operators rely on, applied to the Java values of {@link VarLookup} and of the configuration:
 * {@code nil} is {@code null}, a Lua number is a {@code double}, a Lua string a {@link String},
 * a table a {@link java.util.List} or {@link java.util.Map}.
 */
final class Lua {
  private static final int MAX_EXPONENT = 1 << 20; // STRSCAN_MAXEXP in lj_strscan.c
  private static final double[] POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22};
  private static final MathContext G14 = new MathContext(14, RoundingMode.HALF_EVEN);

  private Lua() {}

  /**
   * Lua's raw {@code a == b}: {@code nil} equals only {@code nil}; values of different types are
   * never equal (no string/number coercion); numbers compare as doubles, strings by content; two
   * tables are equal only if they are the same table, which a configured value and a looked-up
   * value never are, so lists, maps and unknown objects equal nothing.
   */
  static boolean rawEquals(@Nullable Object a, @Nullable Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof String) {
      return a.equals(b);
    }
    if (a instanceof Number) {
      return b instanceof Number && ((Number) a).doubleValue() == ((Number) b).doubleValue();
    }
    if (a instanceof Boolean) {
      return a.equals(b);
    }
    return false;
  }

  /**
   * Lua's {@code tonumber(v)}, with {@code NaN} standing for its {@code nil}: a number is itself,
   * a string is scanned as {@link #toNumber(String)}, anything else (nil, booleans, tables) is not
   * a number. Folding "not a number" into NaN is exact for lua-resty-expr: every use of the result
   * is an {@code == ~= < <= > >=} whose outcome for NaN is the one lua-resty-expr gives for nil.
   */
  static double toNumber(@Nullable Object v) {
    if (v instanceof String) {
      return toNumber((String) v);
    }
    if (v instanceof Number) {
      return ((Number) v).doubleValue();
    }
    return Double.NaN;
  }

  /**
   * LuaJIT's {@code tonumber(s)} ({@code lj_strscan_scan} with {@code STRSCAN_OPT_TONUM}), NaN
   * when {@code s} is not a number: optional white space around; an optional sign; then {@code
   * inf}, {@code infinity} or {@code nan} in any case, or a decimal number ({@code 12}, {@code
   * 1.5}, {@code .5}, {@code 5.}, {@code 1e3}, exponent below 2^20), a hexadecimal one ({@code
   * 0x1F}, {@code 0x1.8p1}) or a binary integer ({@code 0b101}, at most 64 significant digits).
   * Integers of up to 18 digits and decimals of up to 15 are converted without allocating.
   */
  static double toNumber(String s) {
    int n = s.length();
    int p = 0;
    boolean neg = false;
    if (!isDigit(at(s, p))) {
      while (isSpace(at(s, p))) {
        p++;
      }
      if (at(s, p) == '+' || at(s, p) == '-') {
        neg = at(s, p++) == '-';
      }
      if (at(s, p) >= 'A') {
        double special = Double.NaN;
        if (is(s, p, "inf")) {
          special = neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
          p += 3;
          if (is(s, p, "inity")) {
            p += 5;
          }
        } else if (is(s, p, "nan")) {
          p += 3;
        }
        while (isSpace(at(s, p))) {
          p++;
        }
        return p == n ? special : Double.NaN;
      }
    }
    int start = p; // of the digits, after any 0x or 0b prefix
    int base = 10;
    boolean hasDigit = false;
    int point = -1;
    if (at(s, p) <= '0') {
      if (at(s, p) == '0') {
        if (lowerIs(at(s, p + 1), 'x')) {
          base = 16;
          p += 2;
        } else if (lowerIs(at(s, p + 1), 'b')) {
          base = 2;
          p += 2;
        }
        start = p;
      }
      for (;; p++) {
        char c = at(s, p);
        if (c == '0') {
          hasDigit = true;
        } else if (c == '.') {
          if (point >= 0) {
            return Double.NaN;
          }
          point = p;
        } else {
          break;
        }
      }
    }
    int significant = 0;
    long value = 0;
    for (;; p++) {
      char c = at(s, p);
      if (base == 16 ? Character.digit(c, 16) >= 0 && c < 128 : isDigit(c)) {
        significant++;
        value = value * 10 + (c - '0'); // meaningful for short decimal integers only
      } else if (c == '.') {
        if (point >= 0) {
          return Double.NaN;
        }
        point = p;
      } else {
        break;
      }
    }
    if (!hasDigit && significant == 0) {
      return Double.NaN;
    }
    boolean fraction = point >= 0;
    if (fraction && base == 2) {
      return Double.NaN;
    }
    int mantissaEnd = p;
    boolean exponent = false;
    int exponentValue = 0;
    if (base >= 10 && lowerIs(at(s, p), base == 16 ? 'p' : 'e')) {
      exponent = true;
      p++;
      boolean negativeExponent = at(s, p) == '-';
      if (at(s, p) == '+' || at(s, p) == '-') {
        p++;
      }
      if (!isDigit(at(s, p))) {
        return Double.NaN;
      }
      int e = at(s, p++) - '0';
      while (isDigit(at(s, p))) {
        e = e * 10 + (at(s, p) - '0');
        if (e >= MAX_EXPONENT) {
          return Double.NaN;
        }
        p++;
      }
      exponentValue = negativeExponent ? -e : e;
    }
    int numberEnd = p;
    // Any suffix (LuaJIT's i, u, l, ll) is refused for tonumber; only white space may follow.
    while (isSpace(at(s, p))) {
      p++;
    }
    if (p != n) {
      return Double.NaN;
    }
    if (base == 10 && !fraction && !exponent && significant <= 18) {
      return neg ? -(double) value : (double) value;
    }
    if (base == 10 && significant <= 15) {
      // Exact without allocating: value < 2^53 and 10^|k| <= 10^22 are exact doubles, so one
      // multiplication or division rounds correctly, as LuaJIT's and Java's parsers do.
      int k = exponentValue - (fraction ? mantissaEnd - point - 1 : 0);
      if (k >= -22 && k <= 22) {
        double d = k < 0 ? value / POW10[-k] : value * POW10[k];
        return neg ? -d : d;
      }
    }
    String sign = neg ? "-" : "";
    if (base == 2) {
      if (significant > 64) {
        return Double.NaN;
      }
      String digits = s.substring(mantissaEnd - significant, mantissaEnd);
      if (!digits.matches("[01]*")) {
        return Double.NaN;
      }
      double d = (digits.isEmpty() ? BigInteger.ZERO : new BigInteger(digits, 2)).doubleValue();
      return neg ? -d : d;
    }
    if (base == 16) {
      String hex = s.substring(start, mantissaEnd);
      String exp = exponent ? s.substring(mantissaEnd, numberEnd) : "p0";
      return Double.parseDouble(sign + "0x" + hex + exp);
    }
    return Double.parseDouble(sign + s.substring(start, numberEnd));
  }

  /**
   * Lua's {@code tostring} of a number: C's {@code "%.14g"} ({@code STRFMT_G14} in LuaJIT), so
   * {@code 18}, {@code 0.1}, {@code 1e+15}, {@code -0}, {@code inf}, {@code -inf}, {@code nan}.
   */
  static String toString(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0" : "0";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e14) {
      return Long.toString((long) d);
    }
    BigDecimal rounded = new BigDecimal(d).round(G14);
    int x = rounded.precision() - rounded.scale() - 1; // the decimal exponent after rounding
    if (x < -4 || x >= 14) {
      BigDecimal unscaled = new BigDecimal(rounded.unscaledValue()).stripTrailingZeros();
      String digits = unscaled.unscaledValue().abs().toString();
      StringBuilder sb = new StringBuilder(24);
      if (d < 0) {
        sb.append('-');
      }
      sb.append(digits.charAt(0));
      if (digits.length() > 1) {
        sb.append('.').append(digits, 1, digits.length());
      }
      sb.append('e').append(x < 0 ? '-' : '+');
      if (Math.abs(x) < 10) {
        sb.append('0');
      }
      return sb.append(Math.abs(x)).toString();
    }
    return rounded.stripTrailingZeros().toPlainString();
  }

  /** ASCII-only lower case, as Lua's {@code string.lower} in the C locale. */
  static String lower(String s) {
    return mapAscii(s, 'A', 'Z', 'a' - 'A');
  }

  /** ASCII-only upper case, as Lua's {@code string.upper} in the C locale. */
  static String upper(String s) {
    return mapAscii(s, 'a', 'z', 'A' - 'a');
  }

  private static String mapAscii(String s, char from, char to, int shift) {
    char[] chars = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= from && c <= to) {
        if (chars == null) {
          chars = s.toCharArray();
        }
        chars[i] = (char) (c + shift);
      }
    }
    return chars == null ? s : new String(chars);
  }

  private static char at(String s, int i) {
    return i < s.length() ? s.charAt(i) : 0; // C strings end with NUL; a NUL inside fails later
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** {@code lj_char_isspace}: space, \t, \n, \v, \f, \r. */
  private static boolean isSpace(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
  }

  /** LuaJIT's {@code casecmp(c, lower)}: {@code (c | 0x20) == lower}. */
  private static boolean lowerIs(char c, char lower) {
    return (c | 0x20) == lower;
  }

  private static boolean is(String s, int p, String lowerWord) {
    for (int i = 0; i < lowerWord.length(); i++) {
      if (!lowerIs(at(s, p + i), lowerWord.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
