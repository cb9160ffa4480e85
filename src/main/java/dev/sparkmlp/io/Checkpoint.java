package dev.sparkmlp.io;

import dev.sparkmlp.optim.OptimizerState;
import java.util.List;
import java.util.Objects;

/**
 * The state of a training run after a whole epoch or in the middle of one: enough to continue it
 * on the same trajectory.
 * {@link CheckpointIO} saves and loads it bit-exactly.
 *
 * @param model the current weights, with the spec, scaler and task they belong to
 * @param optimizer the optimizer's step count and moment arrays
 * @param epoch epochs completed
 * @param step global optimizer steps taken
 * @param seed the run's seed, from which every random draw is derived
 * @param config the resolved training configuration as text
 * @param metricsHistory one JSON line per epoch so far, as written to metrics.jsonl
 * @param bestMetric early stopping: the best validation metric so far
 * @param bestEpoch early stopping: the epoch that reached it (-1 before any)
 * @param badEpochs early stopping: epochs since the last improvement
 * @param bestParams early stopping: the params at the best epoch, or null when not kept
 * @param bestBuffers the buffers at the best epoch; null exactly when {@code bestParams} is
 * @param partial the steps already taken in epoch {@code epoch + 1} and their running sums;
 *     {@link Partial#NONE} at an epoch boundary
 */
public record Checkpoint(SavedModel model, OptimizerState optimizer, int epoch, long step, long seed,
    String config, List<String> metricsHistory, double bestMetric, int bestEpoch, int badEpochs,
    float[] bestParams, float[] bestBuffers, Partial partial) {

  /**
   * The part of epoch {@code epoch + 1} already trained, stored with exact bits.
   *
   * @param steps steps of the epoch taken; 0 at an epoch boundary
   * @param lossSum the running sum of the steps' losses
   * @param penaltySum the running sum of the steps' regularization penalties
   * @param count rows seen
   * @param correct rows classified correctly
   * @param lr the learning rate of the last step taken
   */
  public record Partial(int steps, double lossSum, double penaltySum, long count, long correct,
      double lr) {
    public static final Partial NONE = new Partial(0, 0, 0, 0, 0, 0);

    public Partial {
      if (steps < 0) throw new IllegalArgumentException("partial epoch steps must not be negative: " + steps);
      if (count < 0 || correct < 0 || correct > count) {
        throw new IllegalArgumentException("partial epoch: bad count/correct " + count + "/" + correct);
      }
    }
  }

  /** A checkpoint at an epoch boundary. */
  public Checkpoint(SavedModel model, OptimizerState optimizer, int epoch, long step, long seed,
      String config, List<String> metricsHistory, double bestMetric, int bestEpoch, int badEpochs,
      float[] bestParams, float[] bestBuffers) {
    this(model, optimizer, epoch, step, seed, config, metricsHistory, bestMetric, bestEpoch,
        badEpochs, bestParams, bestBuffers, Partial.NONE);
  }

  public Checkpoint {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(partial, "partial");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(config, "config");
    metricsHistory = List.copyOf(metricsHistory);
    if (epoch < 0) throw new IllegalArgumentException("checkpoint epoch must not be negative: " + epoch);
    if (step < 0) throw new IllegalArgumentException("checkpoint step must not be negative: " + step);
    if (badEpochs < 0) throw new IllegalArgumentException("bad epochs must not be negative: " + badEpochs);
    if ((bestParams == null) != (bestBuffers == null)) {
      throw new IllegalArgumentException("best params and best buffers must both be present or both null");
    }
    if (bestParams != null && (bestParams.length != model.params().length
        || bestBuffers.length != model.buffers().length)) {
      throw new IllegalArgumentException("best weights have " + bestParams.length + " params and "
          + bestBuffers.length + " buffers, the model has " + model.params().length + " and "
          + model.buffers().length);
    }
  }
}
