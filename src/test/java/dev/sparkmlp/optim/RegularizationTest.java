package dev.sparkmlp.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.math.Segments;
import org.junit.jupiter.api.Test;

class RegularizationTest {
  // Elements 0..2 are weights, element 3 is a bias (never penalised).
  private static final Segments WEIGHTS = Segments.of(0, 3);
  private static final float[] W = {1f, -2f, 0f, 5f};

  @Test
  void penaltyPerBatch() {
    Regularization r = new Regularization(0.2f, 0.5f, false);
    // n = batchRows = 4: 0.5 / 8 * (1 + 4 + 0) + 0.2 / 4 * (1 + 2 + 0) = 0.3125 + 0.15
    assertEquals(0.4625, r.penalty(W, WEIGHTS, 4, 100), 1e-7);
    assertEquals(0.3125, new Regularization(0f, 0.5f, false).penalty(W, WEIGHTS, 4, 100), 1e-7);
    assertEquals(0.15, new Regularization(0.2f, 0f, false).penalty(W, WEIGHTS, 4, 100), 1e-7);
  }

  @Test
  void penaltyPerDataset() {
    Regularization r = new Regularization(0.2f, 0.5f, true);
    // n = datasetRows = 100: 0.5 / 200 * 5 + 0.2 / 100 * 3 = 0.0125 + 0.006
    assertEquals(0.0185, r.penalty(W, WEIGHTS, 4, 100), 1e-8);
  }

  @Test
  void gradientPerBatch() {
    Regularization r = new Regularization(0.2f, 0.5f, false);
    float[] g = {0.1f, 0.1f, 0.1f, 0.1f};
    r.addGradient(W, g, WEIGHTS, 4, 100);
    // l2 / n = 0.125, l1 / n = 0.05, sign(w) = [1, -1, 0]
    // g = [0.1 + 0.125 + 0.05, 0.1 - 0.25 - 0.05, 0.1 + 0 + 0, 0.1 (bias)]
    assertArrayEquals(new float[] {0.275f, -0.2f, 0.1f, 0.1f}, g, 1e-7f);
    assertArrayEquals(new float[] {1f, -2f, 0f, 5f}, W, "w is not modified");
  }

  @Test
  void gradientPerDataset() {
    Regularization r = new Regularization(0.2f, 0.5f, true);
    float[] g = {0.1f, 0.1f, 0.1f, 0.1f};
    r.addGradient(W, g, WEIGHTS, 4, 100);
    // l2 / n = 0.005, l1 / n = 0.002
    // g = [0.1 + 0.005 + 0.002, 0.1 - 0.01 - 0.002, 0.1, 0.1]
    assertArrayEquals(new float[] {0.107f, 0.088f, 0.1f, 0.1f}, g, 1e-7f);
  }

  @Test
  void gradientMatchesCentralDifferencesOfThePenalty() {
    Regularization r = new Regularization(0.3f, 0.7f, false);
    float[] w = {0.5f, -1.25f, 2f, 0.75f, -0.3f};
    Segments weights = new Segments(new int[] {0, 3}, new int[] {2, 2});
    float[] g = new float[w.length];
    r.addGradient(w, g, weights, 3, 1000);
    float h = 1e-2f;
    for (int i = 0; i < w.length; i++) {
      float[] plus = w.clone();
      float[] minus = w.clone();
      plus[i] += h;
      minus[i] -= h;
      double fd = (r.penalty(plus, weights, 3, 1000) - r.penalty(minus, weights, 3, 1000))
          / (plus[i] - minus[i]);
      assertEquals(fd, g[i], 1e-5, "element " + i);
    }
    assertEquals(0f, g[2], "element 2 is outside the weight segments");
  }

  @Test
  void zeroAndErrors() {
    assertTrue(Regularization.NONE.isZero());
    assertFalse(new Regularization(0f, 1e-4f, false).isZero());
    float[] g = {1f, 1f, 1f, 1f};
    Regularization.NONE.addGradient(W, g, WEIGHTS, 0, 0);
    assertArrayEquals(new float[] {1f, 1f, 1f, 1f}, g);
    assertEquals(0.0, Regularization.NONE.penalty(W, WEIGHTS, 0, 0));

    assertThrows(IllegalArgumentException.class, () -> new Regularization(-1f, 0f, false));
    assertThrows(IllegalArgumentException.class, () -> new Regularization(0f, Float.NaN, false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Regularization(0f, 1f, true).penalty(W, WEIGHTS, 4, 0));
    assertTrue(e.getMessage().contains("datasetRows=0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new Regularization(0f, 1f, false)
            .addGradient(W, new float[4], Segments.of(2, 3), 4, 9));
    assertTrue(e.getMessage().contains("2+3"), e.getMessage());
  }
}
