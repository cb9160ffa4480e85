package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitsTest {
  /** Row r has features (r, -r) and label r % 3, so a row can be traced through a split. */
  private static Block rows(int n) {
    float[] x = new float[2 * n];
    int[] labels = new int[n];
    for (int r = 0; r < n; r++) {
      x[2 * r] = r;
      x[2 * r + 1] = -r;
      labels[r] = r % 3;
    }
    return Block.classification(n, 2, x, labels, 3);
  }

  private static int[] ids(Block b) {
    int[] ids = new int[b.rows];
    for (int i = 0; i < b.rows; i++) {
      ids[i] = (int) b.x[2 * i];
      assertEquals(-ids[i], b.x[2 * i + 1]);
      assertEquals(ids[i] % 3, b.labels[i]);
      assertEquals(1f, b.y[3 * i + ids[i] % 3]);
    }
    return ids;
  }

  @Test
  void fractionSplitPartitionsTheRows() {
    Splits.Pair p = Splits.split(rows(100), 0.2, 42);
    assertEquals(80, p.train().rows);
    assertEquals(20, p.validation().rows);
    int[] all = IntStream.concat(Arrays.stream(ids(p.train())), Arrays.stream(ids(p.validation())))
        .sorted().toArray();
    assertArrayEquals(IntStream.range(0, 100).toArray(), all);
    int[] v = ids(p.validation());
    assertArrayEquals(IntStream.of(v).sorted().toArray(), v, "parts keep file order");
    assertFalse(Arrays.equals(IntStream.range(80, 100).toArray(), v), "rows are chosen at random");
  }

  @Test
  void countSplitAndSeeds() {
    Block data = rows(50);
    Splits.Pair a = Splits.split(data, 7, 1);
    Splits.Pair same = Splits.split(data, 7.0, 1);
    Splits.Pair other = Splits.split(data, 7, 2);
    assertEquals(7, a.validation().rows);
    assertEquals(43, a.train().rows);
    assertArrayEquals(ids(a.validation()), ids(same.validation()));
    assertFalse(Arrays.equals(ids(a.validation()), ids(other.validation())));
  }

  @Test
  void usesTheSplitStreamOfTheRng() {
    int[] perm = new int[10];
    dev.sparkmlp.math.Rng.permutation(dev.sparkmlp.math.Rng.key(5, dev.sparkmlp.math.Rng.SPLIT),
        perm, 10);
    int[] expected = Arrays.copyOf(perm, 3);
    Arrays.sort(expected);
    assertArrayEquals(expected, ids(Splits.split(rows(10), 3, 5).validation()));
  }

  @Test
  void badSizes() {
    Block data = rows(10);
    for (double v : new double[] {0, -1, 10, 11, 1.5, Double.NaN, 0.01, 0.99}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Splits.split(data, v, 1), "" + v);
      assertTrue(e.getMessage().contains("validation split"), e.getMessage());
    }
  }

  @Test
  void head() {
    Block data = rows(30);
    Block train = Splits.head(data, 0, 10);
    Block cv = Splits.head(data, 10, 20);
    assertArrayEquals(IntStream.range(0, 10).toArray(), ids(train));
    assertArrayEquals(IntStream.range(10, 20).toArray(), ids(cv));
    assertThrows(IllegalArgumentException.class, () -> Splits.head(data, 20, 31));
    assertThrows(IllegalArgumentException.class, () -> Splits.head(data, 5, 5));
  }
}
