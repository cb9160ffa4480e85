package dev.sparkmlp.optim;

import dev.sparkmlp.math.Segments;
import java.util.Objects;

/**
 * LAMB: the Adam direction plus decoupled weight decay, with each weight matrix's step rescaled
 * by a trust ratio ||w|| / ||update|| so that every layer moves by about lr times its own norm,
 * whatever the scale of its gradient. Made for large batches, where one global rate is too large
 * for some layers and too small for others.
 *
 * <pre>
 * You, Li, Reddi, Hseu, Kumar, Bhojanapalli, Song, Demmel, Keutzer &amp; Hsieh, "Large Batch
 * Optimization for Deep Learning: Training BERT in 76 minutes", ICLR 2020, arXiv:1904.00962,
 * Algorithm 2, with phi(z) = z.
 *
 *   t := t + 1
 *   m := beta1 * m + (1 - beta1) * g
 *   v := beta2 * v + (1 - beta2) * g^2
 *   r := (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)        element by element
 *   for each adapted tensor W (one segment):
 *     u := r + weightDecay * w                                          over W, w before this step
 *     ratio := ||w|| / ||u||     when ||w|| &gt; 0 and ||u|| &gt; 0, else 1     (L2 norms over W)
 *     w := w - lr * ratio * u
 *   every other parameter:
 *     w := w - lr * r
 * </pre>
 *
 * Which tensors are adapted: the paper takes the trust ratio per layer, and its BERT code, like
 * the reference implementations (TensorFlow Addons' {@code LAMB} with
 * {@code exclude_from_weight_decay} set to the biases and LayerNorm, which
 * {@code exclude_from_layer_adaptation} then follows), computes it per parameter tensor and
 * leaves biases and normalisation parameters out of both the weight decay and the trust ratio.
 * This class does the same: {@code adapted} holds one segment per Dense weight matrix (what
 * {@code nn.Network.weights()} returns); a bias or a norm's gamma or beta gets the plain Adam step
 * (ratio 1, no decay). Their norms are tiny or pinned near 1 at the start, where a ratio would
 * freeze them or throw them about. The "else 1" guard is the reference implementations' as well:
 * a zero tensor (zero initialisation) would otherwise never move.
 *
 * <p>Each adapted segment is passed twice: first to update m and v and sum ||w||^2 and ||u||^2
 * (in double), then to apply the step, recomputing u from the new m and v with the same float
 * operations (so bit for bit the u of the first pass). That keeps the step free of scratch
 * arrays: the state is only m and v, as for Adam.
 *
 * <p>State: "m", "v".
 */
public final class Lamb extends Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final Segments adapted;

  /** @param adapted one segment per tensor to adapt (Dense weight matrices), ascending, disjoint */
  public Lamb(double beta1, double beta2, double eps, double weightDecay, Segments adapted) {
    super("m", "v");
    this.beta1 = checkRate("lamb", "beta1", beta1);
    this.beta2 = checkRate("lamb", "beta2", beta2);
    this.eps = checkEps("lamb", eps);
    this.weightDecay = checkWeightDecay("lamb", weightDecay);
    this.adapted = checkAscending("lamb", Objects.requireNonNull(adapted, "lamb: adapted segments"));
  }

  @Override
  void update(float[] w, float[] g, float lr, long t, float[][] state) {
    checkInside("lamb", adapted, w.length);
    float[] m = state[0];
    float[] v = state[1];
    float b1 = (float) beta1;
    float c1 = (float) (1 - beta1);
    float b2 = (float) beta2;
    float c2 = (float) (1 - beta2);
    float e = (float) eps;
    float wd = (float) weightDecay;
    float invBc1 = (float) (1 / (1 - Math.pow(beta1, t)));
    float invSqrtBc2 = (float) (1 / Math.sqrt(1 - Math.pow(beta2, t)));
    int from = 0;
    for (int s = 0; s < adapted.count(); s++) {
      int off = adapted.offset(s);
      int end = off + adapted.length(s);
      Adam.adamStep(w, g, m, v, from, off, lr, t, beta1, beta2, eps);
      double ww = 0;
      double uu = 0;
      for (int i = off; i < end; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + c1 * gi;
        float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float u = mi * invBc1 / ((float) Math.sqrt(vi) * invSqrtBc2 + e) + wd * w[i];
        ww += (double) w[i] * w[i];
        uu += (double) u * u;
      }
      double ratio = ww > 0 && uu > 0 ? Math.sqrt(ww) / Math.sqrt(uu) : 1;
      float step = (float) (lr * ratio);
      for (int i = off; i < end; i++) {
        float u = m[i] * invBc1 / ((float) Math.sqrt(v[i]) * invSqrtBc2 + e) + wd * w[i];
        w[i] -= step * u;
      }
      from = end;
    }
    Adam.adamStep(w, g, m, v, from, w.length, lr, t, beta1, beta2, eps);
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

  public Segments adapted() {
    return adapted;
  }

  @Override
  public String name() {
    return "lamb";
  }

  @Override
  public Lamb copy() {
    return new Lamb(beta1, beta2, eps, weightDecay, adapted);
  }

  @Override
  public String toString() {
    return "Lamb(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ", weightDecay="
        + weightDecay + ", adapted=" + adapted + ")";
  }
}
