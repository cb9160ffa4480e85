package dev.sparkmlp.optim;

/**
 * Adam: bias-corrected moving averages of the gradient and its square.
 *
 * <pre>
 * Kingma &amp; Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, arXiv:1412.6980,
 * Algorithm 1.
 *
 *   t := t + 1
 *   m := beta1 * m + (1 - beta1) * g
 *   v := beta2 * v + (1 - beta2) * g^2
 *   mhat := m / (1 - beta1^t)
 *   vhat := v / (1 - beta2^t)
 *   w := w - lr * mhat / (sqrt(vhat) + eps)
 * </pre>
 *
 * Computed as w := w - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps), with both
 * factors once per step in double; that is the same formula (eps outside the square root, as in
 * the paper and PyTorch), with one division less per element.
 *
 * <p>State: "m", "v".
 */
public final class Adam extends Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;

  public Adam() {
    this(OptimizerSpec.DEFAULT_BETA1, OptimizerSpec.DEFAULT_BETA2, OptimizerSpec.DEFAULT_EPS);
  }

  public Adam(double beta1, double beta2, double eps) {
    super("m", "v");
    this.beta1 = checkRate("adam", "beta1", beta1);
    this.beta2 = checkRate("adam", "beta2", beta2);
    this.eps = checkEps("adam", eps);
  }

  @Override
  boolean elementwise() {
    return true;
  }

  @Override
  void updateRange(float[] w, float[] g, float lr, long t, float[][] state, int from, int to) {
    adamStep(w, g, state[0], state[1], from, to, lr, t, beta1, beta2, eps);
  }

  /** The Adam update above over w[from, to). Modified: w, m, v there. Not modified: g. */
  static void adamStep(float[] w, float[] g, float[] m, float[] v, int from, int to, float lr,
      long t, double beta1, double beta2, double eps) {
    float b1 = (float) beta1;
    float c1 = (float) (1 - beta1);
    float b2 = (float) beta2;
    float c2 = (float) (1 - beta2);
    float e = (float) eps;
    float stepSize = (float) (lr / (1 - Math.pow(beta1, t)));
    float invSqrtBc2 = (float) (1 / Math.sqrt(1 - Math.pow(beta2, t)));
    for (int i = from; i < to; i++) {
      float gi = g[i];
      float mi = b1 * m[i] + c1 * gi;
      float vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] -= stepSize * mi / ((float) Math.sqrt(vi) * invSqrtBc2 + e);
    }
  }

  public double beta1() {
    return beta1;
  }

  public double beta2() {
    return beta2;
  }

  public double eps() {
    return eps;
  }

  @Override
  public String name() {
    return "adam";
  }

  @Override
  public Adam copy() {
    return new Adam(beta1, beta2, eps);
  }

  @Override
  public String toString() {
    return "Adam(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ")";
  }
}
