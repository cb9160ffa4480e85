package dev.sparkmlp.study;

import java.util.List;

/** Mean, sample sd (0 for one value) and count; NaN mean when there are no values. */
record Stat(double mean, double sd, int n) {
  static Stat of(List<Double> values) {
    List<Double> v = values.stream().filter(d -> !Double.isNaN(d)).toList();
    if (v.isEmpty()) return new Stat(Double.NaN, Double.NaN, 0);
    double m = v.stream().mapToDouble(Double::doubleValue).sum() / v.size();
    double ss = 0;
    for (double d : v) ss += (d - m) * (d - m);
    return new Stat(m, v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : 0, v.size());
  }

  boolean isNaN() {
    return Double.isNaN(mean);
  }

  /** "0.9123 ± 0.0021", or the mean alone for one value, or "—". */
  String format(int digits) {
    if (isNaN()) return "—";
    String f = "%." + digits + "f";
    String m = fmt(f, mean);
    return n > 1 ? m + " ± " + fmt(f, sd) : m;
  }

  /** Like {@link #format} but in percent with one or two decimals. */
  String percent(int digits) {
    if (isNaN()) return "—";
    String f = "%." + digits + "f";
    return n > 1 ? fmt(f, 100 * mean) + " ± " + fmt(f, 100 * sd) + "%" : fmt(f, 100 * mean) + "%";
  }

  private static String fmt(String f, double v) {
    if (Double.isInfinite(v)) return v > 0 ? "∞" : "-∞";
    double a = Math.abs(v);
    if (a != 0 && (a >= 1e5 || a < 1e-4)) return String.format(java.util.Locale.ROOT, "%.3g", v);
    return String.format(java.util.Locale.ROOT, f, v);
  }
}
