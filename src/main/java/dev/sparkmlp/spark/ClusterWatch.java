package dev.sparkmlp.spark;

import dev.sparkmlp.math.Ranges;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.Metrics;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.SparkContext;

/**
 * Bounds how long a driver waits on a broken cluster. Spark itself never gives up: when a
 * standalone master dies, the driver logs "Disconnected from Spark cluster! Waiting for
 * reconnection..." and goes on as long as its executors live, and once they are gone (their
 * Workers give up on the dead master after several minutes and exit) every job waits forever for
 * resources. Likewise with a live master whose Workers are all gone.
 *
 * <p>A daemon thread checks, every {@code min(1 s, bound / 5)}:
 * <pre>
 * master:    a standalone master (spark://...) accepts a TCP connection (any one of an HA list)
 * executors: the application has at least one registered executor (any non-local master)
 * </pre>
 * When the master has failed every check for {@code masterTimeout}, or no executor has been
 * registered for {@code executorTimeout}, the watch trips: it records why and cancels the jobs of
 * the thread that started it (a job tag), so a step waiting for resources returns at once. From
 * then on every step and evaluation through {@link #guard} sources throws a {@link
 * ClusterLostException} naming what was lost, the property that bounds it and the epoch and step,
 * before it starts a job. The training thread, not the watch, writes nothing: checkpoints already
 * written stay as they are.
 *
 * <p>Call order: {@link #start} on the thread that will run the training jobs, {@link #guard} the
 * gradient source and evaluators, train, {@link #close}.
 */
public final class ClusterWatch implements AutoCloseable {
  /** Spark property: seconds a standalone master may stay unreachable; default 60. */
  public static final String MASTER_TIMEOUT = "spark.sparkmlp.masterTimeoutSeconds";
  /** Spark property: seconds the driver waits with no executor, at start and later; default 60. */
  public static final String EXECUTOR_WAIT = "spark.sparkmlp.executorWaitSeconds";

  private final SparkContext sc;
  private final String tag = "sparkmlp-watch-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
  private final Thread thread;
  private volatile String lost;
  private volatile boolean closed;

  private ClusterWatch(SparkContext sc, Duration masterTimeout, Duration executorTimeout) {
    this.sc = sc;
    String master = sc.master();
    boolean standalone = master.startsWith("spark://");
    if (SparkMaster.isLocal(master)) {
      thread = null;
      return;
    }
    sc.addJobTag(tag);
    long bound = Math.min(masterTimeout.toMillis(), executorTimeout.toMillis());
    long interval = Math.max(50, Math.min(1000, bound / 5));
    thread = new Thread(() -> {
      long lastMaster = System.nanoTime();
      long lastExecutor = System.nanoTime();
      while (!closed && lost == null) {
        long now = System.nanoTime();
        if (standalone) {
          try {
            SparkMaster.checkReachable(master, Duration.ofMillis(Math.min(1000, interval)));
            lastMaster = now;
          } catch (IllegalArgumentException unreachable) {
            if (now - lastMaster >= masterTimeout.toNanos()) {
              trip("lost the Spark master " + master + ": unreachable for "
                  + masterTimeout.toSeconds() + " s (" + MASTER_TIMEOUT + ")");
            }
          }
        }
        if (sc.isStopped()) return;
        if (sc.statusTracker().getExecutorInfos().length > 1) { // the driver is listed too
          lastExecutor = now;
        } else if (lost == null && now - lastExecutor >= executorTimeout.toNanos()) {
          trip("no Spark executor left: none registered for " + executorTimeout.toSeconds()
              + " s (" + EXECUTOR_WAIT + "; are the workers gone?)");
        }
        try {
          Thread.sleep(interval);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "sparkmlp-cluster-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Starts watching {@code sc}'s cluster; for a local master the watch never trips. Jobs started
   * later from the calling thread (and threads it starts) are the ones a trip cancels.
   */
  public static ClusterWatch start(SparkContext sc, Duration masterTimeout,
      Duration executorTimeout) {
    if (masterTimeout.isNegative() || masterTimeout.isZero() || executorTimeout.isNegative()
        || executorTimeout.isZero()) {
      throw new IllegalArgumentException("cluster timeouts must be positive: " + MASTER_TIMEOUT
          + " " + masterTimeout.toSeconds() + ", " + EXECUTOR_WAIT + " "
          + executorTimeout.toSeconds());
    }
    return new ClusterWatch(sc, masterTimeout, executorTimeout);
  }

  private void trip(String why) {
    lost = why;
    System.err.println("sparkmlp: " + why + "; cancelling the running job");
    sc.cancelJobsWithTag(tag, "sparkmlp: " + why);
  }

  /** Why the watch tripped, or null while the cluster is usable. */
  public String lost() {
    return lost;
  }

  /** @throws ClusterLostException once the watch has tripped, naming {@code where} */
  public void check(String where, Throwable cause) {
    String why = lost;
    if (why != null) {
      int colon = why.indexOf(": ");
      throw new ClusterLostException(why.substring(0, colon) + " " + where
          + why.substring(colon), cause);
    }
  }

  /** {@code g}, whose steps throw {@link ClusterLostException} once the watch has tripped. */
  public GradientSource guard(GradientSource g) {
    return new GradientSource() {
      @Override public long rows() { return g.rows(); }
      @Override public int shards() { return g.shards(); }
      @Override public int batchSize() { return g.batchSize(); }
      @Override public int stepsPerEpoch() { return g.stepsPerEpoch(); }
      @Override public String describe() { return g.describe(); }
      @Override public Ranges ranges() { return g.ranges(); }
      @Override public void close() { g.close(); }

      @Override
      public Gradient compute(float[] params, float[] buffers, int epoch, int step) {
        return guarded(epoch, step, () -> g.compute(params, buffers, epoch, step));
      }

      @Override
      public Gradient compute(float[] params, float[] buffers, int epoch, int step,
          SumPass then) {
        return guarded(epoch, step, () -> g.compute(params, buffers, epoch, step, then));
      }
    };
  }

  /** {@code step}'s gradient, checked before and, when it fails, after. */
  private Gradient guarded(int epoch, int step, java.util.function.Supplier<Gradient> compute) {
    String where = "at epoch " + (epoch + 1) + " step " + (step + 1);
    check(where, null);
    try {
      return compute.get();
    } catch (RuntimeException e) {
      check(where, e);
      throw e;
    }
  }

  /** {@code e}, whose evaluations throw {@link ClusterLostException} once the watch has tripped. */
  public Evaluator guard(Evaluator e, String what) {
    return new Evaluator() {
      @Override public long rows() { return e.rows(); }
      @Override public void close() { e.close(); }

      @Override
      public Metrics evaluate(float[] params, float[] buffers) {
        String where = "while evaluating the " + what;
        check(where, null);
        try {
          return e.evaluate(params, buffers);
        } catch (RuntimeException x) {
          check(where, x);
          throw x;
        }
      }
    };
  }

  /** Stops the watch thread and untags the calling thread's later jobs. */
  @Override
  public void close() {
    closed = true;
    if (thread == null) return;
    thread.interrupt();
    if (!sc.isStopped()) sc.removeJobTag(tag);
  }
}
