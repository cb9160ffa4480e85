package dev.sparkmlp.study;

import dev.sparkmlp.math.Segments;
import dev.sparkmlp.optim.Clipping;
import java.util.Arrays;

/**
 * Per parameter layer, the mean over an epoch's steps of the L2 norm of the step's mean gradient
 * (regularization included, before clipping), fed by {@code Trainer.Listener.gradient}:
 *
 * <pre>
 *   norm_l = (1/S) sum_s || g_s[layer l] ||_2
 * </pre>
 */
final class LayerGradNorms {
  private final Segments layers;
  private final double[] sums;
  private int steps;

  LayerGradNorms(Segments layers) {
    this.layers = layers;
    this.sums = new double[layers.count()];
  }

  /** Adds one step's gradient. Not modified: g. */
  void add(float[] g) {
    for (int l = 0; l < sums.length; l++) {
      sums[l] += Clipping.norm(g, layers.offset(l), layers.length(l));
    }
    steps++;
  }

  /** The means since the last call, and starts a new epoch. */
  double[] endEpoch() {
    double[] mean = new double[sums.length];
    for (int l = 0; l < mean.length; l++) mean[l] = sums[l] / steps;
    Arrays.fill(sums, 0);
    steps = 0;
    return mean;
  }
}
