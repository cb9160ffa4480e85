package dev.sparkmlp.optim;

import dev.sparkmlp.math.Vec;

/**
 * Plain stochastic gradient descent.
 *
 * <pre>
 * Robbins &amp; Monro, "A Stochastic Approximation Method",
 * Annals of Mathematical Statistics 22(3), 1951.
 *
 *   w := w - lr * g
 * </pre>
 *
 * No state besides the step count.
 */
public final class Sgd extends Optimizer {

  public Sgd() {
    super();
  }

  @Override
  boolean elementwise() {
    return true;
  }

  @Override
  void updateRange(float[] w, float[] g, float lr, long t, float[][] state, int from, int to) {
    // w + (-lr) * g is w - lr * g to the bit: negation is exact.
    Vec.axpy(to - from, -lr, g, from, w, from);
  }

  @Override
  public String name() {
    return "sgd";
  }

  @Override
  public Sgd copy() {
    return new Sgd();
  }

  @Override
  public String toString() {
    return "Sgd";
  }
}
