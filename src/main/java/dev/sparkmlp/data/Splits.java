package dev.sparkmlp.data;

import dev.sparkmlp.math.Rng;
import java.util.Arrays;

/** Train/validation splits of a block. Both parts are copies; the input block is not modified. */
public final class Splits {
  private Splits() {}

  public record Pair(Block train, Block validation) {}

  /**
   * A seeded random split. A value in (0, 1) is the validation fraction (rounded to whole rows);
   * a value {@code >= 1} is the number of validation rows and must be a whole number. The
   * validation rows are the first ones of the permutation drawn from
   * {@code Rng.key(seed, Rng.SPLIT)}; within each part the rows keep their order in {@code data},
   * so the split is a selection, not a shuffle.
   *
   * @throws IllegalArgumentException when either part would be empty
   */
  public static Pair split(Block data, double fractionOrCount, long seed) {
    int[][] parts = indices(data.rows, fractionOrCount, seed);
    return new Pair(data.select(parts[0], 0, parts[0].length),
        data.select(parts[1], 0, parts[1].length));
  }

  /**
   * The rows {@link #split} puts in each part, for data held elsewhere (on Spark executors):
   * {@code {training rows, validation rows}}, each ascending.
   */
  public static int[][] indices(int n, double fractionOrCount, long seed) {
    double v = fractionOrCount;
    long count;
    if (v > 0 && v < 1) {
      count = Math.round(v * n);
    } else if (v >= 1 && v == Math.rint(v)) {
      count = (long) v;
    } else {
      throw new IllegalArgumentException("validation split " + v + " must be a fraction in (0, 1) "
          + "or a whole number of rows >= 1");
    }
    if (count <= 0 || count >= n) {
      throw new IllegalArgumentException("validation split " + v + " gives " + count
          + " validation rows out of " + n + "; both parts need at least one row");
    }
    int[] perm = new int[n];
    Rng.permutation(Rng.key(seed, Rng.SPLIT), perm, n);
    int k = (int) count;
    Arrays.sort(perm, 0, k);
    Arrays.sort(perm, k, n);
    return new int[][] {Arrays.copyOfRange(perm, k, n), Arrays.copyOf(perm, k)};
  }

  /**
   * Rows [from, to) as a new block, for fixed splits such as "the first 10,000 rows train, the next
   * 10,000 validate".
   */
  public static Block head(Block data, int from, int to) {
    if (from < 0 || to > data.rows || from >= to) {
      throw new IllegalArgumentException("rows [" + from + ", " + to + ") are not a non-empty "
          + "range within the " + data.rows + " rows");
    }
    return data.slice(from, to);
  }
}
