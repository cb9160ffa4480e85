package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeatureStatsTest {
  /** Rows of 5 features: ordinary, huge, tiny (subnormal included), mixed-sign, constant. */
  static Block data(int rows, long seed) {
    Random rnd = new Random(seed);
    float[] x = new float[rows * 5];
    for (int r = 0; r < rows; r++) {
      x[r * 5] = (float) (rnd.nextGaussian() * 3 + 10);
      x[r * 5 + 1] = (float) (rnd.nextGaussian() * 1e30);
      x[r * 5 + 2] = rnd.nextBoolean() ? Float.MIN_VALUE * rnd.nextInt(1000) : 1e-30f * r;
      x[r * 5 + 3] = (float) ((rnd.nextBoolean() ? -1 : 1) * Math.exp(rnd.nextGaussian() * 20));
      x[r * 5 + 4] = 7.25f;
    }
    return Block.regression(rows, 5, x, 1, new float[rows]);
  }

  /** The exact mean and population variance of feature j, rounded once (BigDecimal). */
  static double[] exact(Block b, int j) {
    BigDecimal sum = BigDecimal.ZERO;
    for (int r = 0; r < b.rows; r++) sum = sum.add(new BigDecimal(b.x[r * b.features + j]));
    BigDecimal n = BigDecimal.valueOf(b.rows);
    MathContext mc = new MathContext(200);
    BigDecimal mean = sum.divide(n, mc);
    BigDecimal sq = BigDecimal.ZERO;
    for (int r = 0; r < b.rows; r++) {
      BigDecimal dev = new BigDecimal(b.x[r * b.features + j]).subtract(mean);
      sq = sq.add(dev.multiply(dev));
    }
    return new double[] {mean.doubleValue(), sq.divide(n, mc).doubleValue()};
  }

  @Test
  void meanAndVarianceAreTheExactValuesRoundedOnce() {
    Block b = data(500, 3);
    FeatureStats s = new FeatureStats(5).add(b, "t");
    for (int j = 0; j < 5; j++) {
      double[] want = exact(b, j);
      // One rounding of a quotient that kept 64+ bits: within one ulp of the exact value.
      assertEquals(want[0], s.mean(j), Math.ulp(want[0]), "mean of feature " + j);
      assertEquals(want[1], s.variance(j), Math.ulp(want[1]), "variance of feature " + j);
    }
    assertEquals(7.25, s.mean(4), 0);
    assertEquals(0.0, s.variance(4), 0, "a constant column has variance exactly 0");
  }

  @Test
  void cancellationDoesNotHurt() {
    // 2^24 + {0, 2, 4}: a float sum of squares would round away the spread.
    float[] x = {16777216f, 16777218f, 16777220f};
    FeatureStats s = new FeatureStats(1).add(Block.regression(3, 1, x, 1, new float[3]), "t");
    assertEquals(16777218.0, s.mean(0), 0);
    assertEquals(8.0 / 3, s.variance(0), 0);
  }

  @Test
  void anyOrderAndAnySplitGiveTheSameBits() {
    Block b = data(1000, 5);
    FeatureStats whole = new FeatureStats(5).add(b, "t");
    Random rnd = new Random(9);
    for (int trial = 0; trial < 5; trial++) {
      List<Integer> order = new ArrayList<>();
      for (int r = 0; r < b.rows; r++) order.add(r);
      Collections.shuffle(order, rnd);
      List<FeatureStats> pieces = new ArrayList<>();
      int at = 0;
      while (at < b.rows) {
        int len = Math.min(b.rows - at, 1 + rnd.nextInt(300));
        FeatureStats p = new FeatureStats(5);
        for (int i = at; i < at + len; i++) p.add(b.x, order.get(i) * 5, order.get(i), "t");
        pieces.add(p);
        at += len;
      }
      Collections.shuffle(pieces, rnd);
      while (pieces.size() > 1) {
        FeatureStats a = pieces.remove(rnd.nextInt(pieces.size()));
        pieces.get(rnd.nextInt(pieces.size())).merge(a);
      }
      FeatureStats merged = pieces.get(0);
      assertEquals(whole.rows(), merged.rows());
      for (int j = 0; j < 5; j++) {
        assertEquals(whole.mean(j), merged.mean(j), 0);
        assertEquals(whole.variance(j), merged.variance(j), 0);
        assertEquals(whole.min(j), merged.min(j), 0);
        assertEquals(whole.max(j), merged.max(j), 0);
      }
      assertEquals(Scaler.fit(Scaler.Kind.STANDARD, b),
          Scaler.fit(Scaler.Kind.STANDARD, merged, "t"));
      assertEquals(Scaler.fit(Scaler.Kind.MINMAX, b), Scaler.fit(Scaler.Kind.MINMAX, merged, "t"));
    }
  }

  @Test
  void badInputIsNamed() {
    float[] x = {1, 2, Float.NaN, 4};
    DataException e = assertThrows(DataException.class,
        () -> new FeatureStats(2).add(Block.regression(2, 2, x, 1, new float[2]), "train.csv"));
    assertEquals("train.csv: record 1: feature 0 is NaN", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new FeatureStats(2).merge(new FeatureStats(3)));
    DataException empty = assertThrows(DataException.class,
        () -> Scaler.fit(Scaler.Kind.STANDARD, new FeatureStats(2), "x.csv"));
    assertTrue(empty.getMessage().contains("no data rows"), empty.getMessage());
  }
}
