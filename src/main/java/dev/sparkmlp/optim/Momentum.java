package dev.sparkmlp.optim;

/**
 * Momentum as an exponential moving average of the gradient, optionally bias-corrected.
 *
 * <pre>
 * Polyak, "Some methods of speeding up the convergence of iteration methods",
 * USSR Computational Mathematics and Mathematical Physics 4(5), 1964 (the heavy ball);
 * averaged form and bias correction as for the first moment in Kingma &amp; Ba,
 * "Adam: A Method for Stochastic Optimization", ICLR 2015, arXiv:1412.6980, Algorithm 1.
 *
 *   t := t + 1
 *   v := beta * v + (1 - beta) * g
 *   w := w - lr * v / (1 - beta^t)      with bias correction
 *   w := w - lr * v                     without
 * </pre>
 *
 * Because v averages gradients instead of summing them, lr keeps the scale it has for {@link Sgd}.
 * This is not PyTorch's {@code SGD(momentum=beta)}, which sums ({@code v := beta * v + g}, and
 * starts with v = g), so its effective step is about 1 / (1 - beta) times larger.
 *
 * <p>State: "velocity".
 */
public final class Momentum extends Optimizer {
  private final double beta;
  private final boolean biasCorrection;

  public Momentum() {
    this(OptimizerSpec.DEFAULT_MOMENTUM, OptimizerSpec.DEFAULT_BIAS_CORRECTION);
  }

  public Momentum(double beta, boolean biasCorrection) {
    super("velocity");
    this.beta = checkRate("momentum", "beta", beta);
    this.biasCorrection = biasCorrection;
  }

  @Override
  boolean elementwise() {
    return true;
  }

  @Override
  void updateRange(float[] w, float[] g, float lr, long t, float[][] state, int from, int to) {
    float[] v = state[0];
    float b = (float) beta;
    float c = (float) (1 - beta);
    float stepSize = (float) (biasCorrection ? lr / (1 - Math.pow(beta, t)) : lr);
    for (int i = from; i < to; i++) {
      float vi = b * v[i] + c * g[i];
      v[i] = vi;
      w[i] -= stepSize * vi;
    }
  }

  public double beta() {
    return beta;
  }

  public boolean biasCorrection() {
    return biasCorrection;
  }

  @Override
  public String name() {
    return "momentum";
  }

  @Override
  public Momentum copy() {
    return new Momentum(beta, biasCorrection);
  }

  @Override
  public String toString() {
    return "Momentum(beta=" + beta + ", biasCorrection=" + biasCorrection + ")";
  }
}
