package dev.sparkmlp.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.math.Segments;
import org.junit.jupiter.api.Test;

/**
 * Known-answer tests: each optimizer on a 2-3 element w over two or three steps, with the
 * expected numbers worked out by hand in the comments (given / when / then).
 */
class OptimizerStepTest {

  /** Relative tolerance 1e-6; absolute 1e-7 below 0.1, where float rounding of O(1) terms rules. */
  static void assertClose(double[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double tol = 1e-6 * Math.max(0.1, Math.abs(expected[i]));
      assertEquals(expected[i], actual[i], tol, what + "[" + i + "]");
    }
  }

  @Test
  void sgdSubtractsLrTimesGradient() {
    Optimizer opt = new Sgd();
    float[] w = {1f, -2f, 0.5f};
    float[] g1 = {0.5f, -1f, 2f};
    opt.step(w, g1, 0.1f);
    // w1 = w0 - 0.1 * g1 = [1 - 0.05, -2 + 0.1, 0.5 - 0.2]
    assertClose(new double[] {0.95, -1.9, 0.3}, w, "w1");
    opt.step(w, new float[] {1f, 1f, -1f}, 0.1f);
    // w2 = w1 - 0.1 * [1, 1, -1]
    assertClose(new double[] {0.85, -2.0, 0.4}, w, "w2");
    assertEquals(2, opt.steps());
    assertArrayEquals(new float[] {0.5f, -1f, 2f}, g1, "g is not modified");
  }

  @Test
  void momentumWithBiasCorrection() {
    Optimizer opt = new Momentum(0.9, true);
    float[] w = {1f, -1f};
    opt.step(w, new float[] {1f, -2f}, 0.5f);
    // v1 = 0.1 * g1 = [0.1, -0.2]; 1 - 0.9^1 = 0.1; vhat1 = [1, -2]
    // w1 = w0 - 0.5 * vhat1 = [1 - 0.5, -1 + 1]
    assertClose(new double[] {0.5, 0.0}, w, "w1");
    opt.step(w, new float[] {3f, 0f}, 0.5f);
    // v2 = 0.9 * v1 + 0.1 * g2 = [0.09 + 0.3, -0.18 + 0] = [0.39, -0.18]
    // 1 - 0.9^2 = 0.19; vhat2 = [0.39 / 0.19, -0.18 / 0.19] = [2.0526315789, -0.9473684211]
    // w2 = [0.5 - 0.5 * 2.0526315789, 0 + 0.5 * 0.9473684211]
    assertClose(new double[] {-0.5263157895, 0.4736842105}, w, "w2");
    assertClose(new double[] {0.39, -0.18}, opt.state().arrays().get("velocity"), "v2");
  }

  @Test
  void momentumWithoutBiasCorrection() {
    Optimizer opt = new Momentum(0.9, false);
    float[] w = {1f, -1f};
    opt.step(w, new float[] {1f, -2f}, 0.5f);
    // v1 = [0.1, -0.2]; w1 = w0 - 0.5 * v1 = [1 - 0.05, -1 + 0.1]
    assertClose(new double[] {0.95, -0.9}, w, "w1");
    opt.step(w, new float[] {3f, 0f}, 0.5f);
    // v2 = [0.39, -0.18]; w2 = [0.95 - 0.195, -0.9 + 0.09]
    assertClose(new double[] {0.755, -0.81}, w, "w2");
  }

  @Test
  void rmsPropWithBiasCorrection() {
    // A large eps (0.5) so that its place in the formula shows in the result.
    Optimizer opt = new RmsProp(0.5, 0.5, true);
    float[] w = {1f, -1f};
    opt.step(w, new float[] {2f, -1f}, 0.1f);
    // s1 = 0.5 * g1^2 = [2, 0.5]; 1 - 0.5 = 0.5; shat1 = [4, 1]; sqrt = [2, 1]
    // w1 = w0 - 0.1 * g1 / (sqrt + 0.5) = [1 - 0.2 / 2.5, -1 + 0.1 / 1.5]
    assertClose(new double[] {0.92, -0.9333333333}, w, "w1");
    opt.step(w, new float[] {0f, 2f}, 0.1f);
    // s2 = 0.5 * s1 + 0.5 * g2^2 = [1 + 0, 0.25 + 2] = [1, 2.25]; 1 - 0.25 = 0.75
    // shat2 = [1.3333333, 3]; sqrt = [1.1547005, 1.7320508]
    // w2 = [0.92 - 0, -0.9333333 - 0.2 / 2.2320508] = [0.92, -0.9333333 - 0.0896037]
    assertClose(new double[] {0.92, -1.0229370284}, w, "w2");
    assertClose(new double[] {1.0, 2.25}, opt.state().arrays().get("s"), "s2");
  }

  @Test
  void rmsPropWithoutBiasCorrection() {
    Optimizer opt = new RmsProp(0.5, 0.5, false);
    float[] w = {1f, -1f};
    opt.step(w, new float[] {2f, -1f}, 0.1f);
    // s1 = [2, 0.5]; sqrt = [1.4142136, 0.7071068]
    // w1 = [1 - 0.2 / 1.9142136, -1 + 0.1 / 1.2071068] = [1 - 0.1044815, -1 + 0.0828427]
    assertClose(new double[] {0.8955184500, -0.9171572875}, w, "w1");
    opt.step(w, new float[] {0f, 2f}, 0.1f);
    // s2 = [1, 2.25]; sqrt = [1, 1.5]; w2 = [w1[0] - 0, -0.9171573 - 0.2 / 2.0]
    assertClose(new double[] {0.8955184500, -1.0171572875}, w, "w2");
  }

  @Test
  void adamThreeSteps() {
    // Unusual hyperparameters so that every term, eps included, moves the result visibly.
    Optimizer opt = new Adam(0.5, 0.75, 0.25);
    float[] w = {1f, -2f, 0.5f};
    opt.step(w, new float[] {1f, -2f, 0f}, 0.1f);
    // m1 = 0.5 * g1 = [0.5, -1, 0];  v1 = 0.25 * g1^2 = [0.25, 1, 0]
    // mhat1 = m1 / 0.5 = [1, -2, 0];  vhat1 = v1 / 0.25 = [1, 4, 0]
    // w1 = w0 - 0.1 * mhat1 / (sqrt(vhat1) + 0.25) = [1 - 0.1/1.25, -2 + 0.2/2.25, 0.5 - 0]
    assertClose(new double[] {0.92, -1.9111111111, 0.5}, w, "w1");
    opt.step(w, new float[] {3f, 2f, -1f}, 0.1f);
    // m2 = 0.5 * m1 + 0.5 * g2 = [0.25 + 1.5, -0.5 + 1, 0 - 0.5] = [1.75, 0.5, -0.5]
    // v2 = 0.75 * v1 + 0.25 * g2^2 = [0.1875 + 2.25, 0.75 + 1, 0 + 0.25] = [2.4375, 1.75, 0.25]
    // mhat2 = m2 / (1 - 0.25) = [2.3333333, 0.6666667, -0.6666667]
    // vhat2 = v2 / (1 - 0.5625) = [5.5714286, 4, 0.5714286]; sqrt = [2.3603874, 2, 0.7559289]
    // w2 = [0.92 - 0.2333333 / 2.6103874, -1.9111111 - 0.0666667 / 2.25,
    //       0.5 + 0.0666667 / 1.0059289]
    //    = [0.92 - 0.0893865, -1.9111111 - 0.0296296, 0.5 + 0.0662737]
    assertClose(new double[] {0.8306135222, -1.9407407407, 0.5662737333}, w, "w2");
    opt.step(w, new float[] {-1f, 0f, 4f}, 0.1f);
    // m3 = [0.875 - 0.5, 0.25 + 0, -0.25 + 2] = [0.375, 0.25, 1.75]
    // v3 = [1.828125 + 0.25, 1.3125 + 0, 0.1875 + 4] = [2.078125, 1.3125, 4.1875]
    // mhat3 = m3 / (1 - 0.125) = [0.4285714, 0.2857143, 2]
    // vhat3 = v3 / (1 - 0.421875) = [3.5945946, 2.2702703, 7.2432432]
    // sqrt = [1.8959416, 1.5067416, 2.6913274]
    // w3 = [0.8306135 - 0.0199713, -1.9407407 - 0.0162639, 0.5662737 - 0.0679965]
    assertClose(new double[] {0.8106422692, -1.9570046173, 0.4982772229}, w, "w3");
    assertClose(new double[] {0.375, 0.25, 1.75}, opt.state().arrays().get("m"), "m3");
    assertClose(new double[] {2.078125, 1.3125, 4.1875}, opt.state().arrays().get("v"), "v3");
    assertEquals(3, opt.steps());
  }

  @Test
  void adamFirstStepIsLrTimesSignWithDefaults() {
    // At t = 1, mhat = g and vhat = g^2, so the step is lr * g / (|g| + eps), about lr * sign(g)
    // whatever the size of g: the property that makes Adam insensitive to gradient scale.
    Optimizer opt = new Adam();
    float[] w = {0f, 0f, 0f};
    opt.step(w, new float[] {1e-3f, -50f, 0f}, 0.01f);
    // w1 = [-0.01 * 1e-3 / (1e-3 + 1e-8), +0.01, 0] = [-0.0099999, 0.01, 0]
    assertClose(new double[] {-0.01 * 1e-3 / (1e-3 + 1e-8), 0.01, 0}, w, "w1");
  }

  @Test
  void adamWDecaysFirstAndOnlyOnTheDecayedSegment() {
    // Decay 0.5 on elements 0 and 1 (the "weights"); element 2 plays a bias.
    Optimizer opt = new AdamW(0.5, 0.75, 0.25, 0.5, Segments.of(0, 2));
    float[] w = {1f, 2f, 3f};
    opt.step(w, new float[] {1f, 1f, 1f}, 0.1f);
    // decay: 1 - 0.1 * 0.5 = 0.95; w = [0.95, 1.9, 3]
    // Adam at t = 1: mhat = vhat = 1, update = 0.1 * 1 / (1 + 0.25) = 0.08
    // w1 = [0.95 - 0.08, 1.9 - 0.08, 3 - 0.08]. Decaying after the Adam step instead would give
    // (1 - 0.08) * 0.95 = 0.874 for w1[0].
    assertClose(new double[] {0.87, 1.82, 2.92}, w, "w1");
    opt.step(w, new float[] {-1f, 0f, 2f}, 0.1f);
    // decay: w = [0.87 * 0.95, 1.82 * 0.95, 2.92] = [0.8265, 1.729, 2.92]
    // m2 = [0.25 - 0.5, 0.25 + 0, 0.25 + 1] = [-0.25, 0.25, 1.25]
    // v2 = [0.1875 + 0.25, 0.1875 + 0, 0.1875 + 1] = [0.4375, 0.1875, 1.1875]
    // mhat2 = m2 / 0.75 = [-0.3333333, 0.3333333, 1.6666667]
    // vhat2 = v2 / 0.4375 = [1, 0.4285714, 2.7142857]; sqrt = [1, 0.6546537, 1.6475089]
    // w2 = [0.8265 + 0.0333333 / 1.25, 1.729 - 0.0333333 / 0.9046537, 2.92 - 0.1666667 / 1.8975089]
    //    = [0.8265 + 0.0266667, 1.729 - 0.0368465, 2.92 - 0.0878345]
    assertClose(new double[] {0.8531666667, 1.6921534869, 2.8321655435}, w, "w2");
  }

  @Test
  void adamWWithoutDecayOrSegmentsIsAdam() {
    float[][] gs = {{0.3f, -1f, 2f}, {-0.7f, 0.1f, 0f}, {1f, 1f, -4f}};
    float[] wAdam = {0.5f, -0.25f, 1f};
    float[] wNoDecay = wAdam.clone();
    float[] wNoSegments = wAdam.clone();
    Optimizer adam = new Adam(0.9, 0.999, 1e-8);
    Optimizer noDecay = new AdamW(0.9, 0.999, 1e-8, 0, Segments.of(0, 3));
    Optimizer noSegments = new AdamW(0.9, 0.999, 1e-8, 0.1, Segments.EMPTY);
    for (float[] g : gs) {
      adam.step(wAdam, g, 0.01f);
      noDecay.step(wNoDecay, g, 0.01f);
      noSegments.step(wNoSegments, g, 0.01f);
    }
    assertArrayEquals(wAdam, wNoDecay);
    assertArrayEquals(wAdam, wNoSegments);
  }

  @Test
  void lambTwoStepsAdaptsTheWeightTensorAndNotTheBias() {
    // Elements 0 and 1 are one weight matrix (adapted, decayed); element 2 plays a bias.
    Optimizer opt = new Lamb(0.5, 0.75, 0.25, 0.5, Segments.of(0, 2));
    float[] w = {3f, 4f, 1f};
    opt.step(w, new float[] {1f, -2f, 2f}, 0.1f);
    // m1 = 0.5 * g1 = [0.5, -1, 1];  v1 = 0.25 * g1^2 = [0.25, 1, 1]
    // mhat1 = m1 / 0.5 = [1, -2, 2];  vhat1 = v1 / 0.25 = [1, 4, 4];  sqrt = [1, 2, 2]
    // r1 = mhat1 / (sqrt + 0.25) = [0.8, -0.8888888889, 0.8888888889]
    // weight tensor: u = r + 0.5 * w0 = [0.8 + 1.5, -0.8888889 + 2] = [2.3, 1.1111111111]
    //   ||w0|| = 5, ||u|| = sqrt(5.29 + 1.2345679) = 2.5543233744, ratio = 1.9574655465
    //   w1 = w0 - 0.1 * 1.9574655 * u = [3 - 0.4502171, 4 - 0.2174962]
    // bias: w1 = 1 - 0.1 * 0.8888889 (plain Adam: no decay, no ratio)
    assertClose(new double[] {2.5497829243, 3.7825038282, 0.9111111111}, w, "w1");
    opt.step(w, new float[] {-1f, 0f, 1f}, 0.1f);
    // m2 = [0.25 - 0.5, -0.5 + 0, 0.5 + 0.5] = [-0.25, -0.5, 1]
    // v2 = [0.1875 + 0.25, 0.75 + 0, 0.75 + 0.25] = [0.4375, 0.75, 1]
    // mhat2 = m2 / 0.75 = [-0.3333333, -0.6666667, 1.3333333]
    // vhat2 = v2 / 0.4375 = [1, 1.7142857, 2.2857143];  sqrt = [1, 1.3093073, 1.5118579]
    // r2 = [-0.3333333 / 1.25, -0.6666667 / 1.5593073, 1.3333333 / 1.7618579]
    //    = [-0.2666666667, -0.4275402603, 0.7567768884]
    // weight tensor: u = r2 + 0.5 * w1 = [1.0082247955, 1.4637116538]
    //   ||w1|| = 4.5616584891, ||u|| = 1.7773488807, ratio = 2.5665520927
    //   w2 = w1 - 0.1 * 2.5665521 * u = [2.5497829 - 0.2587661, 3.7825038 - 0.3756692]
    // bias: w2 = 0.9111111 - 0.1 * 0.7567769
    assertClose(new double[] {2.2910167784, 3.4068346074, 0.8354334223}, w, "w2");
    assertClose(new double[] {-0.25, -0.5, 1.0}, opt.state().arrays().get("m"), "m2");
    assertClose(new double[] {0.4375, 0.75, 1.0}, opt.state().arrays().get("v"), "v2");
    assertEquals(2, opt.steps());
  }

  @Test
  void lambRatioIsOneForAZeroTensorAndTheStepIsLrTimesItsNormOtherwise() {
    // A zero weight tensor: ||w|| = 0, so ratio 1, and the step is Adam's (decay of 0 is 0):
    // at t = 1, r = g / (|g| + eps), about sign(g).
    Optimizer zero = new Lamb(0.9, 0.999, 1e-8, 0.01, Segments.of(0, 2));
    float[] w = {0f, 0f};
    zero.step(w, new float[] {2f, -3f}, 0.1f);
    assertClose(new double[] {-0.1, 0.1}, w, "zero tensor moves by lr * sign(g)");

    // Otherwise the update of each tensor has norm lr * ||w||, whatever g: r is rescaled to the
    // tensor's own norm. Two tensors of very different norms and gradients.
    Optimizer opt = new Lamb(0.9, 0.999, 1e-8, 0.01, new Segments(new int[] {0, 2},
        new int[] {2, 3}));
    float[] w0 = {300f, -400f, 0.01f, 0.02f, -0.02f};
    float[] w1 = w0.clone();
    opt.step(w1, new float[] {1e-4f, 2e-4f, 50f, -70f, 10f}, 0.01f);
    double d0 = Math.hypot(w1[0] - w0[0], w1[1] - w0[1]);
    double d1 = Math.sqrt(Math.pow(w1[2] - w0[2], 2) + Math.pow(w1[3] - w0[3], 2)
        + Math.pow(w1[4] - w0[4], 2));
    assertEquals(0.01 * 500, d0, 1e-3, "first tensor moves by lr * ||w|| = 5");
    assertEquals(0.01 * 0.03, d1, 1e-8, "second tensor moves by lr * ||w|| = 3e-4");
  }

  @Test
  void larsTwoStepsAdaptsTheWeightTensorAndNotTheBias() {
    // momentum 0.5, weight decay 0.5, trust coefficient 0.1; elements 0 and 1 are one weight
    // matrix, element 2 plays a bias.
    Optimizer opt = new Lars(0.5, 0.5, 0.1, Segments.of(0, 2));
    float[] w = {3f, 4f, 1f};
    opt.step(w, new float[] {0.6f, -0.8f, 2f}, 2f);
    // weight tensor: ||w0|| = 5, ||g1|| = 1; local = 0.1 * 5 / (1 + 0.5 * 5) = 0.1428571429
    //   v1 = 2 * 0.1428571 * (g1 + 0.5 * w0) = 0.2857143 * [2.1, 1.2] = [0.6, 0.3428571429]
    //   w1 = w0 - v1 = [2.4, 3.6571428571]
    // bias: v1 = 2 * 2 = 4 (plain momentum SGD: no decay, local rate 1); w1 = 1 - 4
    assertClose(new double[] {2.4, 3.6571428571, -3.0}, w, "w1");
    assertClose(new double[] {0.6, 0.3428571429, 4.0}, opt.state().arrays().get("velocity"), "v1");
    opt.step(w, new float[] {0f, 1f, -1f}, 2f);
    // weight tensor: ||w1|| = sqrt(5.76 + 13.3746939) = 4.3743221049, ||g2|| = 1
    //   local = 0.1 * 4.3743221 / (1 + 2.1871611) = 0.1372482292
    //   v2 = 0.5 * v1 + 2 * 0.1372482 * ([0, 1] + 0.5 * w1)
    //      = [0.3 + 0.2744965 * 1.2, 0.1714286 + 0.2744965 * 2.8285714]
    //      = [0.6293957500, 0.9478614107]
    //   w2 = w1 - v2 = [1.7706042500, 2.7092814465]
    // bias: v2 = 0.5 * 4 + 2 * (-1) = 0; w2 = -3
    assertClose(new double[] {1.77060425, 2.7092814465, -3.0}, w, "w2");
    assertClose(new double[] {0.62939575, 0.9478614107, 0.0}, opt.state().arrays().get("velocity"),
        "v2");
  }

  @Test
  void larsFirstStepMovesEachMatrixByLrEtaTimesItsNormWhateverTheGradientScale() {
    // Without weight decay, v1 = lr * eta * ||w|| * g / ||g||: a step of norm lr * eta * ||w||.
    // A zero tensor gets local rate 1 (plain SGD), or it would never move.
    Segments tensors = new Segments(new int[] {0, 2, 4}, new int[] {2, 2, 1});
    float[] w0 = {3f, 4f, 0.03f, -0.04f, 0f};
    for (float scale : new float[] {1e-3f, 1f, 1e3f}) {
      Optimizer opt = new Lars(0.9, 0, 0.02, tensors);
      float[] w = w0.clone();
      opt.step(w, new float[] {scale, 2 * scale, -scale, 0.5f * scale, 0.5f}, 0.5f);
      assertEquals(0.5 * 0.02 * 5, Math.hypot(w[0] - 3f, w[1] - 4f), 1e-6, "tensor 0 at " + scale);
      assertEquals(0.5 * 0.02 * 0.05, Math.hypot(w[2] - 0.03f, w[3] + 0.04f), 1e-8,
          "tensor 1 at " + scale);
      assertEquals(-0.25, w[4], 1e-7, "zero tensor: w - lr * g");
    }
  }

  @Test
  void lambAndLarsCheckTheirSegments() {
    Segments overlapping = new Segments(new int[] {0, 1}, new int[] {2, 2});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Lamb(0.9, 0.999, 1e-8, 0, overlapping));
    assertTrue(e.getMessage().contains("lamb") && e.getMessage().contains("ascending"),
        e.getMessage());
    Segments descending = new Segments(new int[] {4, 0}, new int[] {2, 2});
    e = assertThrows(IllegalArgumentException.class, () -> new Lars(0.9, 0, 1e-3, descending));
    assertTrue(e.getMessage().contains("lars") && e.getMessage().contains("ascending"),
        e.getMessage());

    for (Optimizer opt : new Optimizer[] {new Lamb(0.9, 0.999, 1e-8, 0.1, Segments.of(1, 5)),
        new Lars(0.9, 0.1, 1e-3, Segments.of(1, 5))}) {
      float[] w = {1f, 2f};
      e = assertThrows(IllegalArgumentException.class, () -> opt.step(w, new float[2], 0.1f));
      assertTrue(e.getMessage().contains("segment 1+5"), e.getMessage());
      assertArrayEquals(new float[] {1f, 2f}, w, opt.name() + ": w untouched by a rejected step");
      assertEquals(0, opt.steps());
    }
  }

  @Test
  void stepRejectsBadInputWithoutTouchingState() {
    Optimizer opt = new Adam();
    float[] w = {1f, 2f};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> opt.step(w, new float[3], 0.1f));
    assertTrue(e.getMessage().contains("gradient has 3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> opt.step(w, new float[2], Float.NaN));
    assertThrows(IllegalArgumentException.class, () -> opt.step(w, new float[2], -1f));
    assertEquals(0, opt.steps());
    opt.step(w, new float[] {1f, 1f}, 0.1f);
    e = assertThrows(IllegalArgumentException.class,
        () -> opt.step(new float[3], new float[3], 0.1f));
    assertTrue(e.getMessage().contains("state is for 2 parameters"), e.getMessage());
    assertEquals(1, opt.steps());

    Optimizer adamW = new AdamW(0.9, 0.999, 1e-8, 0.1, Segments.of(1, 5));
    float[] w2 = {1f, 2f};
    e = assertThrows(IllegalArgumentException.class,
        () -> adamW.step(w2, new float[2], 0.1f));
    assertTrue(e.getMessage().contains("segment 1+5"), e.getMessage());
    assertArrayEquals(new float[] {1f, 2f}, w2, "w untouched by a rejected step");
    assertEquals(0, adamW.steps());
  }

  @Test
  void hyperparametersAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new Adam(1.0, 0.999, 1e-8));
    assertThrows(IllegalArgumentException.class, () -> new Adam(0.9, -0.1, 1e-8));
    assertThrows(IllegalArgumentException.class, () -> new Adam(0.9, 0.999, 0));
    assertThrows(IllegalArgumentException.class, () -> new RmsProp(0.9, Double.NaN, true));
    assertThrows(IllegalArgumentException.class, () -> new Momentum(1.5, true));
    assertThrows(IllegalArgumentException.class,
        () -> new AdamW(0.9, 0.999, 1e-8, -1, Segments.EMPTY));
    assertThrows(IllegalArgumentException.class,
        () -> new Lamb(0.9, 0.999, 1e-8, Double.POSITIVE_INFINITY, Segments.EMPTY));
    assertThrows(IllegalArgumentException.class, () -> new Lamb(0.9, 1.0, 1e-8, 0, Segments.EMPTY));
    assertThrows(IllegalArgumentException.class, () -> new Lars(1.0, 0, 1e-3, Segments.EMPTY));
    assertThrows(IllegalArgumentException.class, () -> new Lars(0.9, -0.1, 1e-3, Segments.EMPTY));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Lars(0.9, 0, 0, Segments.EMPTY));
    assertTrue(e.getMessage().contains("trustCoefficient=0.0"), e.getMessage());
  }
}
