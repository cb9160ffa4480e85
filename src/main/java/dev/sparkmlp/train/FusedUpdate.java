package dev.sparkmlp.train;

import dev.sparkmlp.math.Ranges;
import dev.sparkmlp.math.Vec;
import dev.sparkmlp.optim.Optimizer;

/**
 * A training step whose only work after the gradient sum is the mean and an element-wise
 * optimizer's update (no regularization, no clipping), as one pass over the parameters that the
 * gradient source runs part by part right after the sum ({@link GradientSource.SumPass}):
 *
 * <pre>
 * G = source.compute(w, epoch, step), and for each part [from, to) once G is complete there:
 *   g[i]   := G[i] * (1f / count)            the mean gradient
 *   w[i]   := the optimizer's rule at i      Optimizer.begin's job over [from, to)
 *   finite := finite and w[i] is finite      for i in [from, to)
 * </pre>
 *
 * The mean is bit for bit what a copy of G followed by {@code Vec.scale(1f / count, g)} gives (one
 * float product per element with the same factor), and the rule is the optimizer's own, so the
 * weights are those of the separate passes, whatever the split. The local source runs each
 * worker's part in the same run as the shards and the sum, on the slice that worker summed (one
 * wake-up of the workers per step, the slice still in its cache); a Spark source runs the whole
 * on the driver thread once its sum is in. When the step's loss sum is not finite, or it saw no
 * rows, no part is updated and the optimizer's step is not ended: w and the optimizer's state
 * are those before the step, and the trainer throws.
 *
 * <p>Modified: g, w and the optimizer's state. Not modified: the gradient sum. A step allocates
 * nothing; one instance serves every step of a run, on one step at a time.
 */
public final class FusedUpdate implements GradientSource.SumPass {
  private final float[] g;
  // The step in progress, set by step() and read by the threads of the source's run.
  private float[] w;
  private Ranges.Job update;
  private volatile boolean finite;

  /** @param g where the mean gradient goes, laid out as the params */
  public FusedUpdate(float[] g) {
    this.g = g;
  }

  /** True when {@link #step} can run {@code optimizer}: its rule is element-wise. */
  public static boolean fits(Optimizer optimizer) {
    return optimizer.isElementwise();
  }

  /**
   * One step: the gradient sum of step {@code step} of epoch {@code epoch} from {@code source},
   * the mean into g and the optimizer's update of w at learning rate {@code lr}, part by part.
   *
   * @return the source's gradient sum; {@link #finite()} then tells whether every updated weight
   *     is finite
   * @throws IllegalArgumentException when the optimizer is not element-wise ({@link #fits}) or
   *     rejects the arguments
   */
  public Gradient step(GradientSource source, Optimizer optimizer, float[] w, float[] buffers,
      int epoch, int step, float lr) {
    this.update = optimizer.begin(w, g, lr);
    this.w = w;
    this.finite = true;
    Gradient grad;
    try {
      grad = source.compute(w, buffers, epoch, step, this);
    } finally {
      this.update = null;
      this.w = null;
    }
    if (applies(grad.count, grad.lossSum)) optimizer.end();
    return grad;
  }

  /** After {@link #step}: true when every weight it updated is finite. */
  public boolean finite() {
    return finite;
  }

  @Override
  public void run(float[] sum, long count, double lossSum, int from, int to) {
    if (!applies(count, lossSum)) return;
    float a = 1f / count;
    for (int i = from; i < to; i++) g[i] = sum[i] * a;
    update.run(from, to);
    if (!Vec.allFinite(w, from, to - from)) finite = false;
  }

  /** A step with rows and a finite loss is applied; any other the trainer rejects. */
  private static boolean applies(long count, double lossSum) {
    return count > 0 && Double.isFinite(lossSum);
  }
}
