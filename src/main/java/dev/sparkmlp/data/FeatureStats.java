package dev.sparkmlp.data;

import java.io.Serializable;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * Per-feature count, exact sum, exact sum of squares, minimum and maximum of float data, from which
 * {@link Scaler#fit(Scaler.Kind, FeatureStats)} derives the scaling. Rows may be added in any order
 * and partial statistics merged in any order: the sums are exact, so the result, and the scaler,
 * is bitwise the same however the rows were split (one local block, or Spark partitions merged in
 * a tree).
 *
 * <pre>
 * x = M 2^(E - 150), M = the float's integer significand (&lt; 2^24), E = max(biased exponent, 1)
 * sum:     M 2^(E & 7)  (&lt; 2^31) is added to the long sum[E &gt;&gt; 3], in units of 2^(8 (E &gt;&gt; 3) - 150)
 * squares: x^2 = M^2 2^(2E - 300), M^2 = H 2^24 + L with H, L &lt; 2^24: L at exponent 2E and H at
 *          2E + 24, each added as (part 2^(t & 7)) to sq[t &gt;&gt; 3], in units of 2^(8 (t &gt;&gt; 3) - 300)
 * </pre>
 *
 * Every addend is below 2^31, so a bucket holds up to 2^32 rows without overflow. The buckets are
 * combined into exact integers only at the end (BigInteger), where
 *
 * <pre>
 * mean = S / n            var = (n Q - S^2) / n^2     (population variance, S = sum, Q = sum of squares)
 * </pre>
 *
 * are each rounded once to double. Exact sums make the one-pass formula safe: there is no
 * cancellation to fear, unlike with a rounded sum of squares.
 */
public final class FeatureStats implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Sum buckets per feature: biased exponents 1..254, 8 per bucket. */
  static final int SUM_BUCKETS = 32;
  /** Square buckets per feature: exponents 2..508 plus 24 for the high half, 8 per bucket. */
  static final int SQ_BUCKETS = 67;
  /** The most rows one set of buckets holds for certain without overflow. */
  static final long MAX_ROWS = 1L << 32;

  private final int features;
  private long rows;
  private final long[] sum;
  private final long[] sq;
  private final float[] min;
  private final float[] max;

  public FeatureStats(int features) {
    if (features <= 0) throw new IllegalArgumentException("features must be positive: " + features);
    this.features = features;
    this.sum = new long[features * SUM_BUCKETS];
    this.sq = new long[features * SQ_BUCKETS];
    this.min = new float[features];
    this.max = new float[features];
    Arrays.fill(min, Float.POSITIVE_INFINITY);
    Arrays.fill(max, Float.NEGATIVE_INFINITY);
  }

  public int features() {
    return features;
  }

  public long rows() {
    return rows;
  }

  /**
   * Adds the features of a block's rows. Not modified: b.
   *
   * @throws DataException naming {@code name} and the row when a value is not finite
   */
  public FeatureStats add(Block b, String name) {
    if (b.features != features) {
      throw new IllegalArgumentException("statistics of " + features + " features, the data has "
          + b.features);
    }
    for (int r = 0; r < b.rows; r++) add(b.x, r * features, r, name);
    return this;
  }

  /** Adds the row at x[off, off + features); {@code row} only names it in errors. Not modified: x. */
  public void add(float[] x, int off, long row, String name) {
    if (rows == MAX_ROWS) throw new IllegalStateException("more than 2^32 rows in one statistic");
    for (int j = 0; j < features; j++) {
      float v = x[off + j];
      if (!Float.isFinite(v)) {
        throw new DataException(name, "record " + row, "feature " + j + " is " + v);
      }
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
      if (v == 0f) continue;
      int bits = Float.floatToRawIntBits(v);
      int e = (bits >>> 23) & 0xFF;
      long m = bits & 0x7FFFFF;
      if (e != 0) m |= 0x800000;
      else e = 1;
      long signed = bits < 0 ? -m : m;
      sum[j * SUM_BUCKETS + (e >> 3)] += signed << (e & 7);
      long m2 = m * m;
      int t = 2 * e;
      sq[j * SQ_BUCKETS + (t >> 3)] += (m2 & 0xFFFFFF) << (t & 7);
      t += 24;
      sq[j * SQ_BUCKETS + (t >> 3)] += (m2 >>> 24) << (t & 7);
    }
    rows++;
  }

  /** Adds {@code other}'s rows to this. Modified: this. Returns this. */
  public FeatureStats merge(FeatureStats other) {
    if (other.features != features) {
      throw new IllegalArgumentException("cannot merge statistics of " + other.features
          + " features into " + features);
    }
    if (rows + other.rows > MAX_ROWS) {
      throw new IllegalStateException("more than 2^32 rows in one statistic");
    }
    rows += other.rows;
    for (int i = 0; i < sum.length; i++) sum[i] += other.sum[i];
    for (int i = 0; i < sq.length; i++) sq[i] += other.sq[i];
    for (int j = 0; j < features; j++) {
      min[j] = Math.min(min[j], other.min[j]);
      max[j] = Math.max(max[j], other.max[j]);
    }
    return this;
  }

  public float min(int j) {
    return min[j];
  }

  public float max(int j) {
    return max[j];
  }

  /** The mean of feature j, S / n rounded to double. */
  public double mean(int j) {
    return ratio(exactSum(j), BigInteger.valueOf(rows), -150);
  }

  /** The population variance of feature j, (n Q - S^2) / n^2 rounded to double. */
  public double variance(int j) {
    BigInteger s = exactSum(j);
    BigInteger n = BigInteger.valueOf(rows);
    BigInteger num = n.multiply(exactSquares(j)).subtract(s.multiply(s));
    return ratio(num, n.multiply(n), -300);
  }

  /** The sum of feature j in units of 2^-150. */
  private BigInteger exactSum(int j) {
    return combine(sum, j * SUM_BUCKETS, SUM_BUCKETS);
  }

  /** The sum of squares of feature j in units of 2^-300. */
  private BigInteger exactSquares(int j) {
    return combine(sq, j * SQ_BUCKETS, SQ_BUCKETS);
  }

  private static BigInteger combine(long[] buckets, int off, int count) {
    BigInteger total = BigInteger.ZERO;
    for (int b = count - 1; b >= 0; b--) {
      total = total.shiftLeft(8).add(BigInteger.valueOf(buckets[off + b]));
    }
    return total;
  }

  /** a / b 2^exp2, for b &gt; 0, rounded to double (a quotient of 64+ bits, then one rounding). */
  static double ratio(BigInteger a, BigInteger b, int exp2) {
    if (a.signum() == 0) return 0.0;
    int k = 64 + b.bitLength() - a.abs().bitLength();
    BigInteger q = k >= 0 ? a.shiftLeft(k).divide(b) : a.divide(b.shiftLeft(-k));
    return Math.scalb(q.doubleValue(), exp2 - k);
  }
}
