package dev.sparkmlp.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClippingTest {

  @Test
  void belowTheLimitNothingChanges() {
    float[] g = {3f, 4f};
    assertEquals(5.0, Clipping.clipByGlobalNorm(g, 10));
    assertArrayEquals(new float[] {3f, 4f}, g);
    assertEquals(5.0, Clipping.clipByGlobalNorm(g, 5), "equal to the limit is not above it");
    assertArrayEquals(new float[] {3f, 4f}, g);
  }

  @Test
  void aboveTheLimitScalesToTheLimit() {
    float[] g = {3f, 4f, 0f};
    // norm 5 > 2.5: g *= 2.5 / 5
    assertEquals(5.0, Clipping.clipByGlobalNorm(g, 2.5), "returns the norm before clipping");
    assertArrayEquals(new float[] {1.5f, 2f, 0f}, g);
    assertEquals(2.5, Clipping.norm(g, 0, 3), 1e-7);
  }

  @Test
  void nonPositiveLimitTurnsClippingOff() {
    float[] g = {30f, 40f};
    assertEquals(50.0, Clipping.clipByGlobalNorm(g, 0));
    assertEquals(50.0, Clipping.clipByGlobalNorm(g, -1));
    assertArrayEquals(new float[] {30f, 40f}, g);
  }

  @Test
  void nonFiniteNormIsReportedAndLeftAlone() {
    float[] g = {1f, Float.NaN};
    assertTrue(Double.isNaN(Clipping.clipByGlobalNorm(g, 1)));
    assertEquals(1f, g[0]);
  }

  @Test
  void normOfARangeAccumulatesInDouble() {
    assertEquals(5.0, Clipping.norm(new float[] {9f, 3f, 4f, 9f}, 1, 2));
    // 1e20^2 overflows float but not double.
    assertEquals(Math.sqrt(2) * 1e20, Clipping.norm(new float[] {1e20f, 1e20f}, 0, 2), 1e14);
  }
}
