package dev.sparkmlp.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;

/**
 * Central-difference gradient checks of {@link Network#accumulate}, perturbing every parameter.
 *
 * <pre>
 * numeric_i = (L(w + h e_i) - L(w - h e_i)) / (2 h)
 * err_i     = |analytic_i - numeric_i| / max(|analytic_i| + |numeric_i|, floor)
 * </pre>
 *
 * Two numeric gradients judge the float analytic one:
 * <ol>
 *   <li>Strict: L is the double-precision {@link Reference} forward with h = 1e-6. Its numeric
 *       gradient is accurate to about 1e-9, so err &lt; 3e-4 (floor 1e-3) tests the analytic
 *       gradient to float accuracy (the worst case seen is about 5e-5, in batch norm). The
 *       reference is first shown to compute the same loss as the network.
 *   <li>Direct: L is the network's own float loss sum with h = 3e-3, which needs no second
 *       implementation. The float forward pass carries rounding noise of a few 1e-7 in L, that is
 *       up to 1e-4 in numeric_i, and normalisation layers have enough curvature for an h^2 error
 *       of a few 1e-5 (at h = 1e-2 it reaches 1e-2 relative), so this check uses floor 1e-2 and
 *       err &lt; 1e-2: it catches wrong gradients, not float-level differences.
 * </ol>
 */
final class GradCheck {
  static final float H = 3e-3f;
  static final double DIRECT_FLOOR = 1e-2;
  static final double DIRECT_TOLERANCE = 1e-2;
  static final double REFERENCE_H = 1e-6;
  static final double FLOOR = 1e-3;
  static final double TOLERANCE = 3e-4;

  private GradCheck() {}

  /** Params initialised from the network's initialisers, then biases and norm params jittered. */
  static float[] randomParams(Network net, long seed) {
    float[] p = new float[net.paramCount()];
    net.initialize(p, new float[net.bufferCount()], seed);
    // Biases 0 and gamma 1 are special points; move everything off them.
    long key = Rng.key(seed, 99);
    float[] mask = net.weights().mask(p.length);
    for (int i = 0; i < p.length; i++) {
      if (mask[i] == 0f) p[i] += 0.4f * (Rng.uniform(key, i) - 0.5f);
    }
    return p;
  }

  static float[] randomX(int rows, int features, long seed) {
    float[] x = new float[rows * features];
    long key = Rng.key(seed, 7);
    for (int i = 0; i < x.length; i++) x[i] = 2f * Rng.uniform(key, i) - 1f;
    return x;
  }

  static int[] identity(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) r[i] = i;
    return r;
  }

  static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) d[i] = a[i];
    return d;
  }

  /** The analytic gradient of the loss sum over all rows of the block. */
  static float[] analytic(Network net, float[] params, float[] buffers, Block block,
      long dropoutKey) {
    Workspace ws = net.newWorkspace(block.rows);
    ws.reset();
    net.accumulate(params, buffers, block, identity(block.rows), 0, block.rows, dropoutKey, ws);
    return ws.grad().clone();
  }

  static double lossSum(Network net, float[] params, float[] buffers, Block block, long dropoutKey,
      Workspace ws) {
    ws.reset();
    net.accumulate(params, buffers, block, identity(block.rows), 0, block.rows, dropoutKey, ws);
    return ws.lossSum();
  }

  static double relativeError(double a, double n, double floor) {
    return Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), floor);
  }

  /** The worst errors of a check. */
  record Worst(double strict, double direct) {
    @Override
    public String toString() {
      return String.format("worst relative error %.1e strict, %.1e direct", strict, direct);
    }
  }

  /** Runs both checks on every parameter. Fails with the first offending index. */
  static Worst check(Network net, float[] params, Block block, long dropoutKey) {
    float[] buffers = new float[net.bufferCount()];
    net.initialize(new float[net.paramCount()], buffers, 0);
    float[] a = analytic(net, params, buffers, block, dropoutKey);
    Workspace ws = net.newWorkspace(block.rows);

    double floatLoss = lossSum(net, params, buffers, block, dropoutKey, ws);
    double[] w = toDouble(params);
    double refLoss = Reference.loss(net.spec(), w, block, dropoutKey);
    assertTrue(Math.abs(floatLoss - refLoss) <= 1e-5 * Math.abs(refLoss) + 1e-6,
        net + ": loss " + floatLoss + " but the reference computes " + refLoss);

    double worst = 0;
    double worstDirect = 0;
    int nonZero = 0;
    for (int i = 0; i < params.length; i++) {
      double saved = w[i];
      w[i] = saved + REFERENCE_H;
      double plus = Reference.loss(net.spec(), w, block, dropoutKey);
      w[i] = saved - REFERENCE_H;
      double minus = Reference.loss(net.spec(), w, block, dropoutKey);
      w[i] = saved;
      double numeric = (plus - minus) / (2 * REFERENCE_H);
      double err = relativeError(a[i], numeric, FLOOR);
      if (err > TOLERANCE) {
        throw new AssertionError(net + ": param " + i + " analytic " + a[i] + " reference numeric "
            + numeric + " relative error " + err);
      }
      worst = Math.max(worst, err);
      if (Math.abs(numeric) > FLOOR) nonZero++;

      float f = params[i];
      params[i] = f + H;
      double fPlus = lossSum(net, params, buffers, block, dropoutKey, ws);
      params[i] = f - H;
      double fMinus = lossSum(net, params, buffers, block, dropoutKey, ws);
      params[i] = f;
      double direct = (fPlus - fMinus) / (2.0 * H);
      double directErr = relativeError(a[i], direct, DIRECT_FLOOR);
      if (directErr > DIRECT_TOLERANCE) {
        throw new AssertionError(net + ": param " + i + " analytic " + a[i] + " float numeric "
            + direct + " relative error " + directErr);
      }
      worstDirect = Math.max(worstDirect, directErr);
    }
    // A check that only ever compares zeros proves nothing.
    assertTrue(nonZero > params.length / 2, "only " + nonZero + " of " + params.length
        + " gradients are clearly non-zero");
    return new Worst(worst, worstDirect);
  }
}
