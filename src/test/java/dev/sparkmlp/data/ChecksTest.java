package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ChecksTest {
  @Test
  void finiteNamesFirstBadValue() {
    Block ok = Block.regression(2, 3, new float[] {1, 2, 3, 4, 5, 6}, 1, new float[] {0, 1});
    Checks.finite(ok, "ok");
    float[] x = {1, 2, 3, 4, Float.POSITIVE_INFINITY, Float.NaN};
    Block badX = Block.regression(2, 3, x, 1, new float[] {0, 1});
    assertEquals("frame: record 1, feature 1: value Infinity is not finite",
        assertThrows(DataException.class, () -> Checks.finite(badX, "frame")).getMessage());
    Block badY = Block.regression(2, 1, new float[] {1, 2}, 2, new float[] {0, 1, Float.NaN, 0});
    assertEquals("frame: record 1, target 0: value NaN is not finite",
        assertThrows(DataException.class, () -> Checks.finite(badY, "frame")).getMessage());
  }

  @Test
  void nonEmpty() {
    Block empty = Block.regression(0, 3, new float[0], 1, new float[0]);
    assertEquals("frame: no data rows",
        assertThrows(DataException.class, () -> Checks.nonEmpty(empty, "frame")).getMessage());
    Checks.nonEmpty(Block.regression(1, 1, new float[1], 1, new float[1]), "one");
  }
}
