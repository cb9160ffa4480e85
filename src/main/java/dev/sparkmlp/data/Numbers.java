package dev.sparkmlp.data;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Parses decimal numbers straight from bytes, so text readers need not build a String per field.
 *
 * <p>Grammar: {@code [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?}. The result equals
 * {@link Float#parseFloat} on the same text. The fast path computes {@code m * 10^e} or
 * {@code m / 10^-e} in double, which is correctly rounded while {@code m < 2^53} and
 * {@code |e| <= 22} (both operands are then exact). Rounding that double to float is a second
 * rounding, which can differ from direct rounding only when the double lands exactly on a midpoint
 * between two floats; those cases, and everything outside the fast path, go to
 * {@code Float.parseFloat}.
 */
final class Numbers {
  private static final double[] POW10 = new double[23];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) POW10[i] = POW10[i - 1] * 10;
  }

  private Numbers() {}

  /**
   * The number in {@code b[s..e)}, or NaN when the text is not a number in the grammar above (so
   * the literal words NaN and Infinity give NaN too). Overflow gives an infinity. Callers reject
   * every non-finite result and call {@link #describe} for the message.
   */
  static float parse(byte[] b, int s, int e) {
    int i = s;
    boolean neg = false;
    if (i < e && (b[i] == '-' || b[i] == '+')) {
      neg = b[i] == '-';
      i++;
    }
    long m = 0;
    boolean slow = false;
    boolean anyDigit = false;
    while (i < e && b[i] >= '0' && b[i] <= '9') {
      anyDigit = true;
      if (m < 100_000_000_000_000_000L) m = m * 10 + (b[i] - '0');
      else slow = true;
      i++;
    }
    int frac = 0;
    if (i < e && b[i] == '.') {
      i++;
      while (i < e && b[i] >= '0' && b[i] <= '9') {
        anyDigit = true;
        if (m < 100_000_000_000_000_000L) {
          m = m * 10 + (b[i] - '0');
          frac++;
        } else {
          slow = true;
        }
        i++;
      }
    }
    if (!anyDigit) return Float.NaN;
    int exp = 0;
    if (i < e && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      boolean expNeg = false;
      if (i < e && (b[i] == '-' || b[i] == '+')) {
        expNeg = b[i] == '-';
        i++;
      }
      if (i == e) return Float.NaN;
      while (i < e && b[i] >= '0' && b[i] <= '9') {
        if (exp < 100_000) exp = exp * 10 + (b[i] - '0');
        i++;
      }
      if (expNeg) exp = -exp;
    }
    if (i != e) return Float.NaN;
    if (!slow) {
      if (m == 0) return neg ? -0f : 0f;
      int e10 = exp - frac;
      if (m < (1L << 53) && e10 >= -22 && e10 <= 22) {
        double d = e10 >= 0 ? m * POW10[e10] : m / POW10[-e10];
        long bits = Double.doubleToRawLongBits(d);
        boolean midpoint = (bits & 0x1FFF_FFFFL) == 0x1000_0000L;
        if (!midpoint && d >= Float.MIN_NORMAL && d < Float.MAX_VALUE) {
          return (float) (neg ? -d : d);
        }
      }
    }
    return Float.parseFloat(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
  }

  /** Why {@link #parse} rejected {@code b[s..e)}, as in "'abc' is not a number". */
  static String describe(byte[] b, int s, int e) {
    if (s == e) return "empty field, expected a number";
    String text = new String(b, s, e - s, StandardCharsets.UTF_8);
    String shown = "'" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'";
    String word = text.toLowerCase(Locale.ROOT).replaceFirst("^[+-]", "");
    if (word.equals("nan") || word.equals("inf") || word.equals("infinity")) {
      return shown + " is not finite (NaN and infinity are not allowed)";
    }
    float v = parse(b, s, e);
    if (Float.isInfinite(v)) return shown + " is outside the float range";
    return shown + " is not a number";
  }

  /** True when the text is a number or one of the words NaN/Inf (used to spot headers). */
  static boolean looksNumeric(String text) {
    byte[] b = text.strip().getBytes(StandardCharsets.UTF_8);
    if (!Float.isNaN(parse(b, 0, b.length))) return true;
    String word = text.strip().toLowerCase(Locale.ROOT).replaceFirst("^[+-]", "");
    return word.equals("nan") || word.equals("inf") || word.equals("infinity");
  }
}
