package dev.sparkmlp.optim;

import dev.sparkmlp.math.Segments;
import java.util.Objects;

/**
 * LARS: momentum SGD with a local learning rate per weight matrix, proportional to ||w|| / ||g||,
 * so that each layer's step is a fixed small fraction (the trust coefficient) of its own norm.
 * Made for large batches, where the warm-up alone no longer keeps the layers whose gradients are
 * large relative to their weights from diverging.
 *
 * <pre>
 * You, Gitman &amp; Ginsburg, "Large Batch Training of Convolutional Networks", arXiv:1708.03888
 * (2017), Algorithm 1 and Eq. 6 (eta = trustCoefficient, beta = weightDecay, m = momentum).
 *
 *   t := t + 1
 *   for each adapted tensor W (one segment):
 *     local := eta * ||w|| / (||g|| + beta * ||w||)
 *              when ||w|| &gt; 0 and ||g|| + beta * ||w|| &gt; 0, else 1        (L2 norms over W)
 *     v := m * v + lr * local * (g + beta * w)                         over W, w before this step
 *     w := w - v
 *   every other parameter:
 *     v := m * v + lr * g
 *     w := w - v
 * </pre>
 *
 * The momentum is the paper's: v sums the scaled steps (as PyTorch's {@code SGD(momentum)} does,
 * with lr inside v), unlike {@link Momentum}, which averages gradients. The weight decay is the
 * paper's: part of the step and of the local rate's denominator, not of the gradient that
 * {@link Regularization} builds.
 *
 * <p>Which tensors are adapted: the paper sets a local rate per layer; its follow-ups' reference
 * implementations (google-research/simclr {@code lars_optimizer.py}, used with
 * {@code exclude_from_weight_decay=['batch_normalization', 'bias']}, which
 * {@code exclude_from_layer_adaptation} then follows) compute it per parameter tensor and leave
 * biases and batch-norm parameters out of both the weight decay and the local rate. This class
 * does the same: {@code adapted} holds one segment per Dense weight matrix (what
 * {@code nn.Network.weights()} returns); a bias or a norm's gamma or beta gets plain momentum SGD
 * (local rate 1, no decay). The "else 1" guard is theirs too: with ||w|| = 0 (zero
 * initialisation) the formula gives 0, and the tensor would never move.
 *
 * <p>State: "velocity".
 */
public final class Lars extends Optimizer {
  private final double momentum;
  private final double weightDecay;
  private final double trustCoefficient;
  private final Segments adapted;

  /** @param adapted one segment per tensor to adapt (Dense weight matrices), ascending, disjoint */
  public Lars(double momentum, double weightDecay, double trustCoefficient, Segments adapted) {
    super("velocity");
    this.momentum = checkRate("lars", "momentum", momentum);
    this.weightDecay = checkWeightDecay("lars", weightDecay);
    this.trustCoefficient = checkTrustCoefficient("lars", trustCoefficient);
    this.adapted = checkAscending("lars", Objects.requireNonNull(adapted, "lars: adapted segments"));
  }

  @Override
  void update(float[] w, float[] g, float lr, long t, float[][] state) {
    checkInside("lars", adapted, w.length);
    float[] v = state[0];
    float mu = (float) momentum;
    float wd = (float) weightDecay;
    int from = 0;
    for (int s = 0; s < adapted.count(); s++) {
      int off = adapted.offset(s);
      int end = off + adapted.length(s);
      plain(w, g, v, from, off, lr, mu);
      double ww = 0;
      double gg = 0;
      for (int i = off; i < end; i++) {
        ww += (double) w[i] * w[i];
        gg += (double) g[i] * g[i];
      }
      double wNorm = Math.sqrt(ww);
      double denominator = Math.sqrt(gg) + weightDecay * wNorm;
      double local = wNorm > 0 && denominator > 0 ? trustCoefficient * wNorm / denominator : 1;
      float step = (float) (lr * local);
      for (int i = off; i < end; i++) {
        float vi = mu * v[i] + step * (g[i] + wd * w[i]);
        v[i] = vi;
        w[i] -= vi;
      }
      from = end;
    }
    plain(w, g, v, from, w.length, lr, mu);
  }

  /** Momentum SGD, v := m * v + lr * g, w := w - v, over [from, to). Modified: w, v. */
  private static void plain(float[] w, float[] g, float[] v, int from, int to, float lr, float mu) {
    for (int i = from; i < to; i++) {
      float vi = mu * v[i] + lr * g[i];
      v[i] = vi;
      w[i] -= vi;
    }
  }

  public double momentum() {
    return momentum;
  }

  public double weightDecay() {
    return weightDecay;
  }

  public double trustCoefficient() {
    return trustCoefficient;
  }

  public Segments adapted() {
    return adapted;
  }

  @Override
  public String name() {
    return "lars";
  }

  @Override
  public Lars copy() {
    return new Lars(momentum, weightDecay, trustCoefficient, adapted);
  }

  @Override
  public String toString() {
    return "Lars(momentum=" + momentum + ", weightDecay=" + weightDecay + ", trustCoefficient="
        + trustCoefficient + ", adapted=" + adapted + ")";
  }
}
