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
 * Means and variances come from exact sums ({@link FeatureStats}), each rounded once to double, so a
 * fit gives bitwise the same scaler whatever the order of the rows: one block here, or partitions
 * merged on Spark executors. A constant column keeps scale 1 rather than dividing by zero, so it
 * maps to 0. Immutable; the getters return copies.
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
        fromStatistics(kind, new FeatureStats(d).add(train, "training data"), shift, scale);
      }
      default -> throw new IllegalStateException("unhandled kind " + kind);
    }
    return new Scaler(kind, shift, scale);
  }

  /**
   * A scaler of kind STANDARD or MINMAX from statistics gathered elsewhere, for example on Spark
   * executors: the same numbers as {@link #fit(Kind, Block)} on the same rows, in any order.
   *
   * @throws DataException naming {@code name} when the statistics hold no rows
   */
  public static Scaler fit(Kind kind, FeatureStats stats, String name) {
    if (kind != Kind.STANDARD && kind != Kind.MINMAX) {
      throw new IllegalArgumentException(kind + " needs no statistics; use fit(kind, block)");
    }
    if (stats.rows() == 0) throw new DataException(name, null, "no data rows");
    float[] shift = new float[stats.features()];
    float[] scale = new float[stats.features()];
    fromStatistics(kind, stats, shift, scale);
    return new Scaler(kind, shift, scale);
  }

  /**
   * The shifts and scales of the class formula from exact sums ({@link FeatureStats}), so that the
   * fit does not depend on the order of the rows. Modified: shift, scale.
   */
  private static void fromStatistics(Kind kind, FeatureStats stats, float[] shift, float[] scale) {
    int d = stats.features();
    for (int j = 0; j < d; j++) {
      float min = stats.min(j);
      float max = stats.max(j);
      if (kind == Kind.MINMAX) {
        shift[j] = min;
        double range = (double) max - min;
        scale[j] = max > min ? (float) (1.0 / range) : 1f;
      } else {
        shift[j] = (float) stats.mean(j);
        double std = Math.sqrt(stats.variance(j));
        // min == max catches a constant column whatever the rounding.
        scale[j] = max > min && std > 0 ? (float) (1.0 / std) : 1f;
      }
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
