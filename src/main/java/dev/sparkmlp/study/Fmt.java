package dev.sparkmlp.study;

import java.util.List;
import java.util.Locale;

/** How the study writes numbers: in CSV files, tables, prose and progress lines. */
final class Fmt {
  private static final String[] WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"
  };

  private Fmt() {}

  /** A number as short text for ids and labels: 3 not 3.0, 0.001 not 1.0E-3. */
  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e9) return String.valueOf((long) v);
    return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  /**
   * Six significant digits for CSV, empty for NaN. Whole numbers below 10^6 are written without a
   * decimal point; larger numbers keep the exponent form, so that what is read back is written
   * again the same way.
   */
  static String csv(double v) {
    if (Double.isNaN(v)) return "";
    if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
    if (v == Math.rint(v) && Math.abs(v) < 1e6) return String.valueOf((long) v);
    return String.format(Locale.ROOT, "%.6g", v)
        .replaceAll("(\\.\\d*?)0+(e|$)", "$1$2")
        .replace(".e", "e")
        .replaceAll("\\.$", "");
  }

  /** Three significant digits, or a whole number from 100 to 999; "—" for NaN. */
  static String sig3(double v) {
    if (Double.isNaN(v)) return "—";
    double a = Math.abs(v);
    if (a >= 100 && a < 1000) return String.format(Locale.ROOT, "%.0f", v);
    return String.format(Locale.ROOT, "%.3g", v);
  }

  /** Two significant digits, without trailing zeros: 16, 6.5, 3, 3.3. */
  static String sig2(double v) {
    return new java.math.BigDecimal(v)
        .round(new java.math.MathContext(2))
        .stripTrailingZeros()
        .toPlainString();
  }

  /** Four decimals; "—" for NaN. */
  static String fixed4(double v) {
    return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.4f", v);
  }

  /** A number the paper printed, as it printed it (up to four decimals); "—" for NaN. */
  static String paper(double v) {
    return Double.isNaN(v)
        ? "—"
        : String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  static String signed(double v) {
    return String.format(Locale.ROOT, "%+.4f", v);
  }

  /** An accuracy difference in percentage points, signed: "+0.5". */
  static String signedPoints(double v) {
    return String.format(Locale.ROOT, "%+.1f", 100 * v);
  }

  /** A fraction as a whole percentage: 0.2 → "20%". */
  static String percent(double v) {
    return String.format(Locale.ROOT, "%.0f%%", 100 * v);
  }

  /** Thousands separators: 10,000. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** "one" to "ten" in words, larger counts in digits. */
  static String word(int n) {
    return n >= 0 && n < WORDS.length ? WORDS[n] : String.valueOf(n);
  }

  static String epochs(int n) {
    return n + (n == 1 ? " epoch" : " epochs");
  }

  /** Numbers joined by {@code sep} in {@link #num} form. */
  static String nums(List<? extends Number> v, String sep) {
    return String.join(sep, v.stream().map(x -> num(x.doubleValue())).toList());
  }

  /** "45s", "12m05s", "1h02m". */
  static String duration(double s) {
    if (!(s >= 0) || Double.isInfinite(s)) return "?";
    long t = Math.round(s);
    if (t < 60) return t + "s";
    if (t < 3600) return (t / 60) + "m" + String.format(Locale.ROOT, "%02d", t % 60) + "s";
    return (t / 3600) + "h" + String.format(Locale.ROOT, "%02d", (t % 3600) / 60) + "m";
  }
}
