package dev.sparkmlp.optim;

import dev.sparkmlp.math.Segments;
import dev.sparkmlp.math.Vec;
import java.util.Objects;

/**
 * Adam with decoupled weight decay on chosen segments (the Dense weight matrices, not biases or
 * normalisation parameters).
 *
 * <pre>
 * Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", ICLR 2019, arXiv:1711.05101,
 * Algorithm 2.
 *
 *   t := t + 1
 *   w := w * (1 - lr * weightDecay)          on the decayed segments only, using w before this step
 *   m := beta1 * m + (1 - beta1) * g
 *   v := beta2 * v + (1 - beta2) * g^2
 *   w := w - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 *
 * The order is PyTorch's ({@code torch.optim.AdamW}): decay first, then the Adam step, so the
 * decay acts on the weights before the update, w' = w - lr*wd*w - lr*adam, rather than on the
 * already updated ones. The paper multiplies the decay by the schedule multiplier eta_t instead of
 * lr; with lr = eta_t * alpha that is the same decay up to a constant folded into weightDecay.
 * The decay is not part of the gradient, so it never enters m or v, which is the point of the
 * paper (with Adam, an L2 term in the gradient gets divided by sqrt(vhat) like everything else).
 *
 * <p>State: "m", "v".
 */
public final class AdamW extends Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final Segments decayed;

  public AdamW(double beta1, double beta2, double eps, double weightDecay, Segments decayed) {
    super("m", "v");
    this.beta1 = checkRate("adamw", "beta1", beta1);
    this.beta2 = checkRate("adamw", "beta2", beta2);
    this.eps = checkEps("adamw", eps);
    this.weightDecay = checkWeightDecay("adamw", weightDecay);
    this.decayed = Objects.requireNonNull(decayed, "adamw: decayed segments");
  }

  @Override
  void update(float[] w, float[] g, float lr, long t, float[][] state) {
    checkInside("adamw", decayed, w.length);
    float keep = (float) (1 - (double) lr * weightDecay);
    if (keep != 1f) {
      for (int s = 0; s < decayed.count(); s++) Vec.scale(keep, w, decayed.offset(s), decayed.length(s));
    }
    Adam.adamStep(w, g, state[0], state[1], 0, w.length, lr, t, beta1, beta2, eps);
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

  public double weightDecay() {
    return weightDecay;
  }

  public Segments decayed() {
    return decayed;
  }

  @Override
  public String name() {
    return "adamw";
  }

  @Override
  public AdamW copy() {
    return new AdamW(beta1, beta2, eps, weightDecay, decayed);
  }

  @Override
  public String toString() {
    return "AdamW(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ", weightDecay="
        + weightDecay + ", decayed=" + decayed + ")";
  }
}
