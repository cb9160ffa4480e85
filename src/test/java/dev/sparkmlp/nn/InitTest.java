package dev.sparkmlp.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Initialiser statistics on a 784 x 128 matrix (100,352 draws) and the fixed values elsewhere. */
class InitTest {
  private static final int IN = 784;
  private static final int OUT = 128;

  /** Weights of a single 784 -> 128 Dense layer, initialised over a params array of NaN. */
  private static float[] weights(Init init, long seed) {
    Network net = Network.build(new NetworkSpec(IN, List.of(new LayerSpec.Dense(OUT, init),
        LayerSpec.Act.of(Activation.IDENTITY)), Loss.MSE));
    float[] p = new float[net.paramCount()];
    Arrays.fill(p, Float.NaN);
    net.initialize(p, new float[0], seed);
    for (int j = IN * OUT; j < p.length; j++) assertEquals(0f, p[j], "bias " + j);
    return Arrays.copyOf(p, IN * OUT);
  }

  private static double mean(float[] w) {
    double s = 0;
    for (float v : w) s += v;
    return s / w.length;
  }

  private static double variance(float[] w) {
    double m = mean(w);
    double s = 0;
    for (float v : w) s += (v - m) * (v - m);
    return s / w.length;
  }

  private static double maxAbs(float[] w) {
    double m = 0;
    for (float v : w) m = Math.max(m, Math.abs(v));
    return m;
  }

  /**
   * Uniform draws: all within the bound, the largest close to it, and the variance a^2/3 to within
   * 2% (the sampling error of the variance of 100k uniform draws is about 0.3%).
   */
  private static void assertUniform(float[] w, double bound) {
    assertTrue(maxAbs(w) <= bound, "max |w| " + maxAbs(w) + " beyond " + bound);
    assertTrue(maxAbs(w) > 0.999 * bound, "max |w| " + maxAbs(w) + " never near " + bound);
    assertEquals(0.0, mean(w), 0.01 * bound);
    assertEquals(bound * bound / 3, variance(w), 0.02 * bound * bound / 3);
  }

  /** Normal draws: the variance to within 2% and the share beyond 2 sd close to 4.55%. */
  private static void assertNormal(float[] w, double variance) {
    double sd = Math.sqrt(variance);
    assertEquals(0.0, mean(w), 0.01 * sd);
    assertEquals(variance, variance(w), 0.02 * variance);
    int beyond = 0;
    for (float v : w) if (Math.abs(v) > 2 * sd) beyond++;
    assertEquals(0.0455, beyond / (double) w.length, 0.003);
  }

  @Test
  void heUniformIsBoundedBySqrtSixOverFanIn() {
    float[] w = weights(Init.HE_UNIFORM, 1);
    assertUniform(w, Math.sqrt(6.0 / IN));
    assertEquals(2.0 / IN, variance(w), 0.02 * 2.0 / IN);
  }

  @Test
  void heNormalHasVarianceTwoOverFanIn() {
    assertNormal(weights(Init.HE_NORMAL, 2), 2.0 / IN);
  }

  @Test
  void xavierUniformAndNormalHaveVarianceTwoOverFanInPlusFanOut() {
    float[] u = weights(Init.XAVIER_UNIFORM, 3);
    assertUniform(u, Math.sqrt(6.0 / (IN + OUT)));
    assertEquals(2.0 / (IN + OUT), variance(u), 0.02 * 2.0 / (IN + OUT));
    assertNormal(weights(Init.XAVIER_NORMAL, 4), 2.0 / (IN + OUT));
  }

  @Test
  void uniformIsMinusOneToOne() {
    assertUniform(weights(Init.UNIFORM, 5), 1.0);
  }

  @Test
  void zerosAreZero() {
    for (float v : weights(Init.ZEROS, 6)) assertEquals(0f, v);
  }

  @Test
  void sameSeedSameWeightsOtherSeedOrLayerOtherWeights() {
    assertArrayEquals(weights(Init.HE_NORMAL, 7), weights(Init.HE_NORMAL, 7));
    assertArrayEquals(weights(Init.XAVIER_UNIFORM, 7), weights(Init.XAVIER_UNIFORM, 7));
    assertFalse(Arrays.equals(weights(Init.HE_NORMAL, 7), weights(Init.HE_NORMAL, 8)));
    // Two layers of the same shape draw from different streams (Rng.key(seed, INIT, layerIndex)).
    Network net = Network.build(new NetworkSpec(8, List.of(new LayerSpec.Dense(8, Init.HE_UNIFORM),
        new LayerSpec.Dense(8, Init.HE_UNIFORM)), Loss.MSE));
    float[] p = new float[net.paramCount()];
    net.initialize(p, new float[0], 9);
    assertFalse(Arrays.equals(Arrays.copyOfRange(p, 0, 64), Arrays.copyOfRange(p, 72, 136)));
  }

  @Test
  void normsStartAtGammaOneBetaZeroAndRunningStatsAtZeroOne() {
    Network net = Network.build(new NetworkSpec(3, List.of(new LayerSpec.BatchNorm(0.9f, 1e-5f),
        new LayerSpec.Dense(2, Init.HE_UNIFORM), new LayerSpec.LayerNorm(1e-5f)), Loss.MSE));
    float[] p = new float[net.paramCount()];
    float[] buffers = new float[net.bufferCount()];
    Arrays.fill(p, 7f);
    Arrays.fill(buffers, 7f);
    net.initialize(p, buffers, 1);
    assertArrayEquals(new float[] {1, 1, 1, 0, 0, 0}, Arrays.copyOfRange(p, 0, 6));
    assertArrayEquals(new float[] {0, 0}, Arrays.copyOfRange(p, 12, 14), "dense bias");
    assertArrayEquals(new float[] {1, 1, 0, 0}, Arrays.copyOfRange(p, 14, 18));
    assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1}, buffers);
  }
}
