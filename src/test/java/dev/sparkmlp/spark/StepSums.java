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
   * Whether the steps of an epoch run in one job (a {@code StepLoop}) or a job each; loops only
   * where the source can (local mode, depth 1, a slot per partition). Returns whether it loops.
   */
  public static boolean stepLoops(SparkGradients g, boolean on) {
    g.stepLoops(on && g.loopsPossible());
    return g.stepLoops();
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

  /**
   * Spark's own cost of one job over the training rows, nothing of ours in it: one task per
   * partition over the cached blocks (the same RDD and job API as a step) that returns at once.
   * Returns the job's wall time in nanoseconds.
   */
  public static long emptyJob(SparkGradients g) {
    g.context().setJobDescription("bench empty job");
    long t0 = System.nanoTime();
    g.context().sc().runJob(g.blocks().rdd(), Nothing.INSTANCE,
        scala.reflect.ClassTag$.MODULE$.apply(Integer.class));
    long t = System.nanoTime() - t0;
    g.context().setJobDescription(null);
    return t;
  }

  /** The empty job's task: a plain object, as the step's tasks are, so no closure cleaning. */
  private static final class Nothing extends scala.runtime.AbstractFunction2<
      org.apache.spark.TaskContext, scala.collection.Iterator<ShardBlock>, Integer>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    static final Nothing INSTANCE = new Nothing();

    @Override
    public Integer apply(org.apache.spark.TaskContext task,
        scala.collection.Iterator<ShardBlock> it) {
      return 0;
    }
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
