package dev.sparkmlp.spark;

import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.train.Warmup;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * The JIT warm-up of {@link Warmup} on a cluster's executors: one task per executor core runs
 * training passes of the run's network over synthetic rows for a few seconds, submitted without
 * waiting while the driver reads the data, so that each executor JVM has compiled the kernels by
 * the first step. The tasks end by their own clock; the jobs that ship the data queue behind
 * them. Nothing of the run travels or changes: results are the same bits with or without it.
 */
public final class ExecutorWarmup {
  /** How long each task runs: about the driver's read of MNIST, which the executors wait out. */
  public static final double SECONDS = 2.0;

  private ExecutorWarmup() {}

  /**
   * Submits the warm-up job, one task per core of {@code jsc.defaultParallelism()}; the future
   * holds each task's pass count.
   */
  public static JavaFutureAction<List<Integer>> start(JavaSparkContext jsc, NetworkSpec spec,
      int rows, double seconds) {
    int tasks = Math.max(1, jsc.defaultParallelism());
    List<Integer> slots = new ArrayList<>(tasks);
    for (int i = 0; i < tasks; i++) slots.add(i);
    jsc.setJobDescription("sparkmlp JIT warm-up of the executors");
    try {
      return jsc.parallelize(slots, tasks).mapPartitions(new Passes(spec, rows, seconds))
          .collectAsync();
    } finally {
      jsc.setJobDescription(null);
    }
  }

  /** A task: {@link Warmup#runFor}, and its pass count. */
  static final class Passes implements FlatMapFunction<Iterator<Integer>, Integer> {
    private static final long serialVersionUID = 1L;
    private final NetworkSpec spec;
    private final int rows;
    private final double seconds;

    Passes(NetworkSpec spec, int rows, double seconds) {
      this.spec = spec;
      this.rows = rows;
      this.seconds = seconds;
    }

    @Override
    public Iterator<Integer> call(Iterator<Integer> slot) {
      return List.of(Warmup.runFor(spec, rows, seconds)).iterator();
    }
  }
}
