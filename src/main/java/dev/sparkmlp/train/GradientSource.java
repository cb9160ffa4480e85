package dev.sparkmlp.train;

import dev.sparkmlp.math.Ranges;

/**
 * The one seam between the training loop and where gradients are computed: threads in this JVM
 * ({@link LocalGradients}) or Spark executors ({@code spark.SparkGradients}). Both follow the mini-batch
 * layout of {@link Shards} and add the shard sums in its fixed tree ({@link Shards#sumGroupSize}:
 * in shard order up to 32 shards), so with the same seed and as many shards as partitions they
 * return bitwise the same gradients, and the trajectories are bitwise equal.
 *
 * <p>Call order: {@link #stepsPerEpoch()} any time; then for each epoch e = 0, 1, ... and each step
 * s = 0 .. stepsPerEpoch()-1, {@link #compute}; finally {@link #close()}.
 */
public interface GradientSource extends AutoCloseable {
  /** Training rows. */
  long rows();

  /** Shards (local) or partitions (Spark) the global batch is split over. */
  int shards();

  /** The global mini-batch size. */
  int batchSize();

  int stepsPerEpoch();

  /**
   * The gradient sum of step {@code step} of epoch {@code epoch} at the given weights. The returned
   * object may be reused by the next call. Not modified: params, buffers.
   */
  Gradient compute(float[] params, float[] buffers, int epoch, int step);

  /**
   * A pass over a step's gradient sum G, given part by part: each part of [0, n) once, on any
   * thread, when G is complete there.
   */
  interface SumPass {
    /**
     * Over [from, to). Not modified: sum.
     *
     * @param sum G, complete over [from, to)
     * @param count the step's rows
     * @param lossSum the step's loss sum, the same value as the returned {@link Gradient#lossSum}
     */
    void run(float[] sum, long count, double lossSum, int from, int to);
  }

  /**
   * {@link #compute}, then {@code then} over parts that tile [0, params.length) exactly once;
   * every part has run when this returns. The default runs the whole on the calling thread once
   * the sum is in; the local source runs each worker's part right after it summed that part,
   * in the same run of its threads (one wake-up of the workers per step).
   */
  default Gradient compute(float[] params, float[] buffers, int epoch, int step, SumPass then) {
    Gradient g = compute(params, buffers, epoch, step);
    then.run(g.grad, g.count, g.lossSum, 0, g.grad.length);
    return g;
  }

  /**
   * Where the driver may split an element-wise pass over the parameters (the optimizer update):
   * the local source's worker threads, otherwise the calling thread alone.
   */
  default Ranges ranges() {
    return Ranges.SERIAL;
  }

  /** Human-readable name for logs, e.g. "local (2 threads, 2 shards)". */
  String describe();

  @Override
  default void close() {}
}
