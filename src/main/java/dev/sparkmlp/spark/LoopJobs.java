package dev.sparkmlp.spark;

import dev.sparkmlp.spark.StepTasks.Collect;
import dev.sparkmlp.spark.StepTasks.LoopTask;
import dev.sparkmlp.spark.StepTasks.Single;
import dev.sparkmlp.spark.StepTasks.StepOp;
import dev.sparkmlp.train.Gradient;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * The driver's side of {@link SparkGradients}' step loops: the running {@link StepLoop}, the
 * barrier job whose tasks serve it, and on a cluster the {@link LoopServer} they connect to. One
 * loop runs at a time; {@link SparkGradients#looped} decides when to start, end or give up on one.
 */
final class LoopJobs implements AutoCloseable {
  /** How often the driver, waiting for a loop's sums, checks whether its job has ended. */
  private static final long CHECK_MILLIS = 20;
  private static final ClassTag<Integer> INTEGER = ClassTag$.MODULE$.apply(Integer.class);

  private final JavaSparkContext jsc;
  private final int partitions;
  private final long runId;
  /** Whether the tasks run in other JVMs and the steps go through the server. */
  private boolean remote;
  private StepLoop loop;
  private SimpleFutureAction<BoxedUnit> job;
  private LoopServer server;

  LoopJobs(JavaSparkContext jsc, int partitions, long runId) {
    this.jsc = jsc;
    this.partitions = partitions;
    this.runId = runId;
  }

  /**
   * Posts {@code op} to the running loop and, on a cluster, sends it with {@code w}; false when
   * no loop runs or the running one has ended (a new one is then needed).
   */
  boolean post(StepOp op, StepWeights w) {
    if (loop == null) return false;
    // A job that ended under the loop (cancelled, say) takes no more steps: end reports it.
    if (job.isCompleted()) loop.jobEnded(failure(job));
    StepLoop.Request posted = loop.post(op);
    if (posted == null) return false;
    if (remote) server.post(posted, w);
    return true;
  }

  /**
   * Starts a loop with {@code op} as its first step: a barrier job named {@code name} over
   * {@code rdd}, whose tasks take the steps in this JVM ({@code remote} false, local mode) or
   * through the server. {@link #end} the previous loop first.
   */
  void start(JavaRDD<ShardBlock> rdd, StepOp op, StepWeights w, boolean remote,
      boolean timeCompute) {
    if (loop != null) throw new IllegalStateException("a step loop is still running");
    // May fail (no address to listen on) before anything is started.
    LoopServer channel = remote ? server() : null;
    this.remote = remote;
    StepLoop l = StepLoop.open(partitions, timeCompute);
    try {
      AbstractFunction1<scala.collection.Iterator<ShardBlock>, scala.collection.Iterator<Integer>>
          task = remote ? new RemoteLoopTask(channel.serve(l, partitions), op, timeCompute)
              : new LoopTask(l.id, runId);
      RDD<Integer> served = rdd.rdd().barrier().mapPartitions(task, true, INTEGER);
      job = jsc.sc().submitJob(served, new Single<Integer>(),
          scala.collection.immutable.Range$.MODULE$.apply(0, partitions),
          new Collect<>(new Integer[partitions]), () -> BoxedUnit.UNIT);
    } catch (RuntimeException e) {
      l.jobEnded(e);
      throw e;
    }
    loop = l;
    if (!post(op, w)) throw new IllegalStateException("a new step loop refused its first step");
  }

  /**
   * The partition sums of the posted step, in partition order. Throws an IllegalStateException
   * when the loop fails first (its job failed or was cancelled, a task's connection broke); the
   * loop is then given up, its job cancelled.
   */
  Gradient[] await() {
    try {
      Gradient[] got;
      while ((got = loop.await(CHECK_MILLIS)) == null) {
        // The tasks deliver or fail; a job that failed before they started reports it here.
        if (job.isCompleted()) loop.jobEnded(failure(job));
      }
      return got;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abandon();
      throw new IllegalStateException("interrupted while waiting for the step's sums", e);
    } catch (IllegalStateException e) {
      abandon();
      throw e;
    }
  }

  /** Per-partition compute wall and CPU times of the last step. */
  long[][] lastComputeNanos() {
    return loop.lastComputeNanos();
  }

  /** Ends the running loop, if any, without waiting: its tasks return, its job is cancelled. */
  void abandon() {
    if (loop == null) return;
    loop.end();
    if (remote) server.end();
    if (job != null) job.cancel();
    loop = null;
    job = null;
  }

  /**
   * Ends the running loop, if any, and waits for its job (at most 30 s unless {@code rethrow});
   * {@code rethrow}: a failure of the job is thrown (as an IllegalStateException), else only
   * recorded.
   */
  void end(boolean rethrow) {
    if (loop == null) return;
    StepLoop l = loop;
    SimpleFutureAction<BoxedUnit> j = job;
    loop = null;
    job = null;
    l.end();
    if (remote) server.end();
    Throwable failure;
    try {
      scala.concurrent.Await.ready(j, scala.concurrent.duration.Duration.apply(
          rethrow ? Long.MAX_VALUE / 4 : TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS));
      failure = failure(j);
    } catch (Exception e) {
      failure = e;
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
    }
    l.jobEnded(failure);
    if (failure != null && rethrow) {
      throw new IllegalStateException("the step loop's job failed: " + failure.getMessage(),
          failure);
    }
  }

  /** Whether a loop's failure is a cancellation of its job (a user's, or the cluster watch's). */
  static boolean cancelled(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("cancelled")) return true;
    }
    return false;
  }

  /** Breaks the connections of a cluster's loop, as a lost executor would; for tests. */
  void dropConnections() {
    if (server != null) server.dropConnections();
  }

  /** Ends the running loop (waiting at most 30 s for its job) and stops the server. */
  @Override
  public void close() {
    end(false);
    if (server != null) server.close();
  }

  /** The cluster's loop channel, started on first use. */
  private LoopServer server() {
    if (server == null) {
      org.apache.spark.SparkConf conf = jsc.getConf();
      String host = conf.get("spark.driver.host");
      server = new LoopServer(conf.get("spark.driver.bindAddress", host), host);
    }
    return server;
  }

  /** The failure of a completed job; null when it succeeded or has not completed. */
  private static Throwable failure(SimpleFutureAction<BoxedUnit> job) {
    if (!job.isCompleted()) return null;
    scala.util.Try<BoxedUnit> t = job.value().get();
    return t.isFailure() ? ((scala.util.Failure<BoxedUnit>) t).exception() : null;
  }
}
