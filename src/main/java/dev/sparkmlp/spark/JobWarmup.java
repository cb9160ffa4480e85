package dev.sparkmlp.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.train.Warmup;
import java.util.concurrent.TimeUnit;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;

/**
 * Spark's job path, warmed on a daemon thread while the driver does something else (reads the
 * training files): empty jobs of the shapes training runs, the hand-off's parallelize and map with
 * a count, a plain-object runJob as the steps' and the evaluation's, and a barrier stage as the
 * step loop's. The first job of a fresh SparkContext is the slow one: in local[2] the count that
 * caches the MNIST blocks took 0.43 s as the first job and 0.05 s once jobs had run (class
 * loading, the scheduler's and the executor's first passes in the interpreter). On a cluster they
 * also reach the executors; on the loopback cluster the gain was within the noise.
 * The barrier stage runs only on a local master with a slot per partition. No job starts after
 * {@link #close} (which does not wait for the one running), {@link #MAX_JOBS} or
 * {@link #MAX_NANOS}, whichever comes first.
 * The jobs touch no data and no state of a run, so training is the same bits with or without.
 */
public final class JobWarmup implements AutoCloseable {
  /** At most this many jobs. */
  static final int MAX_JOBS = 200;
  /** At most this long. */
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(3);
  private static final ClassTag<Integer> INTEGER = ClassTag$.MODULE$.apply(Integer.class);

  private final JavaSparkContext jsc;
  private final int partitions;
  private final boolean barrier;
  private final NetworkSpec passes;
  private final int rows;
  private final Thread thread;
  private volatile boolean stop;
  private volatile int jobs;
  private volatile Throwable failure;

  private JobWarmup(JavaSparkContext jsc, int partitions, NetworkSpec passes, int rows) {
    this.jsc = jsc;
    this.partitions = partitions;
    this.passes = passes;
    this.rows = rows;
    this.barrier = partitions <= SparkMaster.localSlotsWithoutRetries(jsc.master(),
        jsc.getConf().getInt("spark.task.cpus", 1));
    this.thread = new Thread(this::run, "sparkmlp job warm-up");
    thread.setDaemon(true);
  }

  /**
   * Starts warming Spark's job path with jobs of {@code partitions} tasks (the barrier stage only
   * when a local master has a slot for each).
   */
  public static JobWarmup start(JavaSparkContext jsc, int partitions) {
    return start(jsc, partitions, null, 0);
  }

  /**
   * As {@link #start(JavaSparkContext, int)}, and when {@code passes} is given each task also
   * runs training passes of that network over {@code rows} synthetic rows for
   * {@link #SLICE_NANOS} ({@code train.Warmup}), so that the executors' JIT has compiled the
   * kernels by the first step: for a cluster, whose executors the driver's warm-up cannot reach.
   */
  public static JobWarmup start(JavaSparkContext jsc, int partitions, NetworkSpec passes,
      int rows) {
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive: " + partitions);
    }
    JobWarmup w = new JobWarmup(jsc, partitions, passes, rows);
    w.thread.start();
    return w;
  }

  /** How long one warm-up task runs training passes, when it does. */
  static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private void run() {
    // Job properties are per thread: this names this thread's jobs only.
    jsc.setJobDescription("sparkmlp: warming up Spark's job path");
    long t0 = System.nanoTime();
    List<Integer> indices = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) indices.add(p);
    try {
      while (!stop && jobs < MAX_JOBS && System.nanoTime() - t0 < MAX_NANOS) {
        JavaRDD<Integer> rdd = jsc.parallelize(indices, partitions)
            .map(passes == null ? new Same() : new Passes(passes, rows));
        long n = switch (jobs % 3) {
          case 0 -> rdd.count();
          case 1 -> sum(jsc.sc().runJob(rdd.rdd(), new Count(), INTEGER));
          default -> barrier
              ? sum(jsc.sc().runJob(rdd.rdd().barrier().mapPartitions(new Counted(), true,
                  INTEGER), new Count(), INTEGER))
              : rdd.count();
        };
        if (n != partitions) {
          throw new IllegalStateException("a warm-up job counted " + n + " of " + partitions);
        }
        jobs++;
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  private static long sum(Object perPartition) {
    long s = 0;
    for (Object x : (Object[]) perPartition) s += (Integer) x;
    return s;
  }

  /** Jobs run so far. */
  public int jobs() {
    return jobs;
  }

  /** Why the warm-up stopped early, if a job failed; null otherwise. */
  public Throwable failure() {
    return failure;
  }

  /**
   * No job starts after this; the one running, if any, finishes on its own thread, and its tasks
   * hold their slots only until then (a cold cluster's first tasks took over a second: waiting
   * for them here, or cancelling them, which makes Spark warn of killed tasks, cost the load that
   * much). Returns at once.
   */
  @Override
  public void close() {
    stop = true;
  }

  /** Waits until the running job, if any, has finished; for tests. */
  void awaitStopped() throws InterruptedException {
    thread.join();
  }

  /** The identity, as a plain object (no closure cleaning). */
  private static final class Same implements Function<Integer, Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    public Integer call(Integer x) {
      return x;
    }
  }

  /** The identity, after training passes for {@link #SLICE_NANOS}. */
  private static final class Passes implements Function<Integer, Integer> {
    private static final long serialVersionUID = 1L;
    private final NetworkSpec spec;
    private final int rows;

    Passes(NetworkSpec spec, int rows) {
      this.spec = spec;
      this.rows = rows;
    }

    @Override
    public Integer call(Integer x) {
      Warmup.passes(spec, rows, SLICE_NANOS);
      return x;
    }
  }

  /** A task's element count. */
  private static final class Count extends AbstractFunction2<TaskContext,
      scala.collection.Iterator<Integer>, Integer> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Integer apply(TaskContext task, scala.collection.Iterator<Integer> it) {
      int n = 0;
      while (it.hasNext()) {
        it.next();
        n++;
      }
      return n;
    }
  }

  /** The elements of a barrier task, passed through. */
  private static final class Counted extends AbstractFunction1<scala.collection.Iterator<Integer>,
      scala.collection.Iterator<Integer>> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public scala.collection.Iterator<Integer> apply(scala.collection.Iterator<Integer> it) {
      return it;
    }
  }

  /** For tests: the barrier stage is part of the warm-up. */
  boolean barrier() {
    return barrier;
  }
}
