package dev.sparkmlp.optim;

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
    int n = w.length;
    for (int i = 0; i < n; i++) w[i] -= lr * g[i];
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
