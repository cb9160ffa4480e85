package dev.sparkmlp.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Known answers, then the Vector API path against the plain conditional bit for bit, on lengths
 * around the vector width and on the special values (NaN, signed zeros, infinities).
 */
class RectifierTest {
  private static final boolean HAS_VECTOR =
      ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  @Test
  void knownAnswers() {
    float[] x = {2f, -3f, 0f, -0f, Float.NaN, Float.NEGATIVE_INFINITY};
    float[] y = new float[6];
    Rectifier.forward(0.1f, x, y, 6);
    assertArrayEquals(new float[] {2f, -0.3f, 0f, -0f, Float.NaN, Float.NEGATIVE_INFINITY}, y);
    // -0 stays -0 (0.1 * -0), which the comparison with assertArrayEquals would not see.
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(y[3]));

    float[] dy = {5f, 5f, 5f, Float.POSITIVE_INFINITY, 5f, 5f};
    float[] dx = new float[6];
    Rectifier.backward(0.1f, false, x, dy, dx, 6);
    assertArrayEquals(new float[] {5f, 0.5f, 0.5f, Float.POSITIVE_INFINITY, 0.5f, 0.5f}, dx);
    // ReLU: an infinite dy below 0 still gives 0, where 0 * dy would give NaN.
    Rectifier.backward(0f, true, x, dy, dx, 6);
    assertArrayEquals(new float[] {5f, 0f, 0f, 0f, 0f, 0f}, dx);
  }

  @Test
  void fastPathMatchesTheConditionalBitForBit() {
    Random rnd = new Random(12);
    float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE};
    for (int n : new int[] {0, 1, 7, 8, 15, 16, 17, 31, 33, 63, 65, 257, 6400}) {
      float[] x = new float[n];
      float[] dy = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = rnd.nextInt(5) == 0 ? special[rnd.nextInt(special.length)] : (float) rnd.nextGaussian();
        dy[i] = rnd.nextInt(9) == 0 ? special[rnd.nextInt(special.length)] : (float) rnd.nextGaussian();
      }
      for (float alpha : new float[] {0f, 0.01f, 0.3f, 1.5f}) {
        float[] want = new float[n];
        float[] got = new float[n];
        Rectifier.forwardScalar(alpha, x, want, n);
        Rectifier.forward(alpha, x, got, n);
        assertBits(want, got, "forward n=" + n + " alpha=" + alpha);
        for (boolean zeroBelow : new boolean[] {false, true}) {
          Rectifier.backwardScalar(alpha, zeroBelow, x, dy, want, n);
          Rectifier.backward(alpha, zeroBelow, x, dy, got, n);
          assertBits(want, got, "backward n=" + n + " alpha=" + alpha + " zeroBelow=" + zeroBelow);
          if (HAS_VECTOR) {
            RectifierVector.backward(alpha, zeroBelow, x, dy, got, n);
            assertBits(want, got, "vector backward n=" + n);
          }
        }
        if (HAS_VECTOR) {
          RectifierVector.forward(alpha, x, got, n);
          Rectifier.forwardScalar(alpha, x, want, n);
          assertBits(want, got, "vector forward n=" + n);
        }
      }
    }
  }

  @Test
  void inPlaceAndOnlyTheFirstNElements() {
    float[] x = {-1f, 2f, -4f, 9f, -9f};
    Rectifier.forward(0.5f, x, x, 3);
    assertArrayEquals(new float[] {-0.5f, 2f, -2f, 9f, -9f}, x);
  }

  @Test
  void tooShortArraysAreRejected() {
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
        () -> Rectifier.forward(0.1f, new float[3], new float[2], 3));
    assertTrue(e.getMessage().contains("3 elements"), e.getMessage());
  }

  private static void assertBits(float[] want, float[] got, String what) {
    for (int i = 0; i < want.length; i++) {
      assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
          what + " at " + i + ": " + want[i] + " vs " + got[i]);
    }
  }
}
