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
  void update(float[] w, float[] g, float lr, long t, float[][] state) {
    // w + (-lr) * g is w - lr * g to the bit: negation is exact.
    Vec.axpy(w.length, -lr, g, 0, w, 0);
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
