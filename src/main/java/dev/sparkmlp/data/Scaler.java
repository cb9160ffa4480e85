package dev.sparkmlp.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;

/**
 * Per-feature affine scaling, fitted on training data and applied unchanged to validation, test and
 * prediction inputs.
 *
 * <pre>
 * x'[j] = (x[j] - shift[j]) * scale[j]
 *
 * NONE       shift = 0        scale = 1
 * DIVIDE255  shift = 0        scale = 1/255                   (pixels to [0, 1])
 * STANDARD   shift = mean[j]  scale = 1 / std[j]              (population std)
 * MINMAX     shift = min[j]   scale = 1 / (max[j] - min[j])
 *
 * STANDARD and MINMAX use scale = 1 for a constant column.
 * </pre>
 *
 * Means and variances are accumulated in double. A constant column keeps scale 1 rather than
 * dividing by zero, so it maps to 0. Immutable; the getters return copies.
 */
public final class Scaler implements Serializable {
  private static final long serialVersionUID = 1L;

  public enum Kind {
    NONE, DIVIDE255, STANDARD, MINMAX;

    /** Case-insensitive: none, divide255, standard or minmax. */
    public static Kind parse(String s) {
      String t = s == null ? "" : s.strip().toUpperCase(Locale.ROOT);
      for (Kind k : values()) {
        if (k.name().equals(t)) return k;
      }
      throw new IllegalArgumentException("unknown scaling '" + s
          + "'; expected none, divide255, standard or minmax");
    }

    /** The lower-case name that {@link #parse} accepts. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Kind kind;
  private final float[] shift;
  private final float[] scale;
  /** All shifts 0 and scales 1, so applying is a no-op and is skipped. */
  private final boolean identity;

  private Scaler(Kind kind, float[] shift, float[] scale) {
    this.kind = kind;
    this.shift = shift;
    this.scale = scale;
    boolean id = true;
    for (int j = 0; j < shift.length; j++) id &= shift[j] == 0f && scale[j] == 1f;
    this.identity = id;
  }

  /**
   * Restores a scaler, as saved by a model, from its parameters.
   *
   * @throws IllegalArgumentException if the arrays differ in length, are empty, or hold a
   *     non-finite value
   */
  public static Scaler of(Kind kind, float[] shift, float[] scale) {
    if (kind == null) throw new IllegalArgumentException("kind must be given");
    if (shift.length != scale.length || shift.length == 0) {
      throw new IllegalArgumentException("shift has " + shift.length + " entries and scale "
          + scale.length + "; they must match and be non-empty");
    }
    for (int j = 0; j < shift.length; j++) {
      if (!Float.isFinite(shift[j]) || !Float.isFinite(scale[j])) {
        throw new IllegalArgumentException("feature " + j + ": shift " + shift[j] + " and scale "
            + scale[j] + " must be finite");
      }
    }
    return new Scaler(kind, shift.clone(), scale.clone());
  }

  /**
   * Fits a scaler of the given kind to the training block's features.
   *
   * @throws DataException if the block is empty or holds a non-finite value
   */
  public static Scaler fit(Kind kind, Block train) {
    int d = train.features;
    float[] shift = new float[d];
    float[] scale = new float[d];
    switch (kind) {
      case NONE -> Arrays.fill(scale, 1f);
      case DIVIDE255 -> Arrays.fill(scale, 1f / 255f);
      case STANDARD, MINMAX -> {
        Checks.nonEmpty(train, "training data");
        Checks.finite(train, "training data");
        fitStatistics(kind, train, shift, scale);
      }
      default -> throw new IllegalStateException("unhandled kind " + kind);
    }
    return new Scaler(kind, shift, scale);
  }

  private static void fitStatistics(Kind kind, Block train, float[] shift, float[] scale) {
    int n = train.rows;
    int d = train.features;
    float[] x = train.x;
    double[] sum = new double[d];
    float[] min = new float[d];
    float[] max = new float[d];
    Arrays.fill(min, Float.POSITIVE_INFINITY);
    Arrays.fill(max, Float.NEGATIVE_INFINITY);
    for (int r = 0; r < n; r++) {
      int base = r * d;
      for (int j = 0; j < d; j++) {
        float v = x[base + j];
        sum[j] += v;
        if (v < min[j]) min[j] = v;
        if (v > max[j]) max[j] = v;
      }
    }
    if (kind == Kind.MINMAX) {
      for (int j = 0; j < d; j++) {
        shift[j] = min[j];
        double range = (double) max[j] - min[j];
        scale[j] = max[j] > min[j] ? (float) (1.0 / range) : 1f;
      }
      return;
    }
    // Two passes (mean, then squared deviations) avoid the cancellation of sum(x^2) - n*mean^2.
    double[] mean = new double[d];
    for (int j = 0; j < d; j++) mean[j] = sum[j] / n;
    double[] sq = new double[d];
    for (int r = 0; r < n; r++) {
      int base = r * d;
      for (int j = 0; j < d; j++) {
        double dev = x[base + j] - mean[j];
        sq[j] += dev * dev;
      }
    }
    for (int j = 0; j < d; j++) {
      shift[j] = (float) mean[j];
      double std = Math.sqrt(sq[j] / n);
      // min == max catches a constant column whose mean picked up rounding error.
      scale[j] = max[j] > min[j] && std > 0 ? (float) (1.0 / std) : 1f;
    }
  }

  public Kind kind() {
    return kind;
  }

  public int features() {
    return shift.length;
  }

  public float[] shift() {
    return shift.clone();
  }

  public float[] scale() {
    return scale.clone();
  }

  /** A new block with scaled features; targets and labels are shared with {@code b}. */
  public Block apply(Block b) {
    checkFeatures(b.features);
    float[] x = b.x.clone();
    applyInPlace(x, 0, b.rows);
    return new Block(b.rows, b.features, b.targetWidth, x, b.y, b.labels);
  }

  /**
   * Scales {@code rows} row-major rows of {@link #features()} values starting at {@code x[off]}.
   * Modified: x.
   */
  public void applyInPlace(float[] x, int off, int rows) {
    if (identity) return;
    int d = shift.length;
    for (int r = 0; r < rows; r++) {
      int base = off + r * d;
      for (int j = 0; j < d; j++) x[base + j] = (x[base + j] - shift[j]) * scale[j];
    }
  }

  private void checkFeatures(int d) {
    if (d != shift.length) {
      throw new IllegalArgumentException("scaler was fitted on " + shift.length
          + " features, the data has " + d);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Scaler s && s.kind == kind && Arrays.equals(s.shift, shift)
        && Arrays.equals(s.scale, scale);
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + Arrays.hashCode(shift) * 17 + Arrays.hashCode(scale);
  }

  @Override
  public String toString() {
    return "Scaler(" + kind.id() + ", " + shift.length + " features)";
  }
}
