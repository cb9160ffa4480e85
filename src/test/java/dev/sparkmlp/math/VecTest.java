package dev.sparkmlp.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VecTest {
  @Test
  void sumIsACopyThenAnAddOverTheRangeOnly() {
    float[] x = {1f, 2f, 3f, 4f};
    float[] y = {10f, 20f, 30f, 40f};
    float[] z = {-1f, -1f, -1f, -1f};
    Vec.sum(2, x, y, 1, z);
    assertArrayEquals(new float[] {-1f, 22f, 33f, -1f}, z);

    Random rnd = new Random(5);
    float[] a = new float[1000];
    float[] b = new float[1000];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rnd.nextGaussian() * 1e3f;
      b[i] = (float) rnd.nextGaussian() * 1e-3f;
    }
    float[] want = a.clone();
    Vec.add(b, want);
    float[] got = new float[1000];
    Vec.sum(1000, a, b, 0, got);
    assertArrayEquals(want, got);
    // In place over x.
    Vec.sum(1000, a, b, 0, a);
    assertArrayEquals(want, a);
  }
}
