package dev.sparkmlp.optim;

/**
 * RMSProp: divide the gradient by a running root mean square of recent gradients.
 *
 * <pre>
 * Tieleman &amp; Hinton, "Lecture 6.5 - rmsprop: Divide the gradient by a running average of its
 * recent magnitude", COURSERA: Neural Networks for Machine Learning, 2012.
 * Optional bias correction as for the second moment in Kingma &amp; Ba, "Adam", ICLR 2015.
 *
 *   t := t + 1
 *   s := rho * s + (1 - rho) * g^2
 *   shat := s / (1 - rho^t)              with bias correction
 *   shat := s                            without
 *   w := w - lr * g / (sqrt(shat) + eps)
 * </pre>
 *
 * Without bias correction this is PyTorch's {@code RMSprop(alpha=rho, eps=eps)}. Without it the
 * first steps are large (about lr / sqrt(1 - rho) per element at t = 1), which is why it is on by
 * default. sqrt(shat) is computed as sqrt(s) / sqrt(1 - rho^t), with the factor once per step.
 *
 * <p>State: "s".
 */
public final class RmsProp extends Optimizer {
  private final double rho;
  private final double eps;
  private final boolean biasCorrection;

  public RmsProp() {
    this(OptimizerSpec.DEFAULT_RHO, OptimizerSpec.DEFAULT_EPS,
        OptimizerSpec.DEFAULT_BIAS_CORRECTION);
  }

  public RmsProp(double rho, double eps, boolean biasCorrection) {
    super("s");
    this.rho = checkRate("rmsprop", "rho", rho);
    this.eps = checkEps("rmsprop", eps);
    this.biasCorrection = biasCorrection;
  }

  @Override
  boolean elementwise() {
    return true;
  }

  @Override
  void updateRange(float[] w, float[] g, float lr, long t, float[][] state, int from, int to) {
    float[] s = state[0];
    float r = (float) rho;
    float c = (float) (1 - rho);
    float e = (float) eps;
    float invSqrtBc = (float) (biasCorrection ? 1 / Math.sqrt(1 - Math.pow(rho, t)) : 1);
    for (int i = from; i < to; i++) {
      float gi = g[i];
      float si = r * s[i] + c * gi * gi;
      s[i] = si;
      w[i] -= lr * gi / ((float) Math.sqrt(si) * invSqrtBc + e);
    }
  }

  public double rho() {
    return rho;
  }

  public double eps() {
    return eps;
  }

  public boolean biasCorrection() {
    return biasCorrection;
  }

  @Override
  public String name() {
    return "rmsprop";
  }

  @Override
  public RmsProp copy() {
    return new RmsProp(rho, eps, biasCorrection);
  }

  @Override
  public String toString() {
    return "RmsProp(rho=" + rho + ", eps=" + eps + ", biasCorrection=" + biasCorrection + ")";
  }
}
