package dev.sparkmlp.spark;

import dev.sparkmlp.train.Gradient;
import org.apache.spark.api.java.function.Function2;

/**
 * For benchmarks: one step of a {@link SparkGradients} with its partition sums combined a chosen
 * way, on the same cached rows and broadcasts, so that the ways can be timed side by side.
 */
public final class StepSums {
  private StepSums() {}

  /** How the partition sums of a step are combined. */
  public enum Way {
    /** Depth 1: the driver receives every partition sum and adds them in the sum tree. */
    DRIVER,
    /** Depth 2: executors add the groups of the sum tree; the driver adds the group sums. */
    TREE,
    /**
     * Spark's treeAggregate of depth 2 (empty zero value, Gradient.merge in place), as
     * SparkGradients summed above 32 partitions before the fixed tree: its sums follow the order
     * in which tasks finish.
     */
    TREE_AGGREGATE
  }

  public static Gradient compute(SparkGradients g, Way way, float[] params, float[] buffers,
      int epoch, int step) {
    return switch (way) {
      case DRIVER -> g.compute(params, buffers, epoch, step, g::direct);
      case TREE -> g.compute(params, buffers, epoch, step, g::grouped);
      case TREE_AGGREGATE -> g.compute(params, buffers, epoch, step,
          (rdd, op) -> rdd.treeAggregate(new Gradient(), op, Merge.INSTANCE, 2));
    };
  }

  /**
   * Whether the weights go to the tasks by reference (local mode only, its default) or in a
   * broadcast.
   */
  public static void handOff(SparkGradients g, boolean byReference) {
    g.handOff(byReference);
  }

  /**
   * Whether the previous step's weights broadcast is destroyed on a background thread (the
   * default) or before the step's job, as SparkGradients did before.
   */
  public static void destroyInBackground(SparkGradients g, boolean background) {
    g.destroyInBackground(background);
  }

  /** Destroys the step's weights broadcast now, if any; returns the nanoseconds it took. */
  public static long destroyWeightsNow(SparkGradients g) {
    long t0 = System.nanoTime();
    g.destroyWeightsNow();
    return System.nanoTime() - t0;
  }

  /** treeAggregate's combOp: in place. */
  private static final class Merge implements Function2<Gradient, Gradient, Gradient> {
    private static final long serialVersionUID = 1L;
    static final Merge INSTANCE = new Merge();

    @Override
    public Gradient call(Gradient a, Gradient b) {
      return a.merge(b);
    }
  }
}
