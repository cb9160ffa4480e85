package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.spark.StepTasks.Collect;
import dev.sparkmlp.spark.StepTasks.GroupPartitioner;
import dev.sparkmlp.spark.StepTasks.GroupTask;
import dev.sparkmlp.spark.StepTasks.KeyedTask;
import dev.sparkmlp.spark.StepTasks.PartitionTask;
import dev.sparkmlp.spark.StepTasks.StepOp;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.Shards;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.ShuffledRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Gradients computed by Spark executors. The training rows sit in a cached RDD with one
 * {@link ShardBlock} per partition, laid out by {@link Shards} exactly as {@code LocalGradients}
 * lays out its shards. At depth 1 the steps of an epoch run in one Spark job, a step loop
 * ({@link #looped}), where the task slots and the settings allow it ({@link #loopsPossible});
 * otherwise each step is a job of its own.
 *
 * <pre>
 * once:    ship the shards and cache them; broadcast the network
 * step s:  w_s = (params, buffers) goes to the tasks: in local mode by reference (ExecutorCache),
 *          in a step loop on a cluster over the driver's LoopServer, else in a broadcast (the
 *          previous one destroyed on a background thread)
 *          task p: its rows of (epoch, s) at w_s (micro-batch m at a time when m > 0)
 *          sum:      in the tree of Shards.sumGroupSize(P) = g (g = P up to 32 partitions):
 *                    group k = partitions [k g, (k+1) g) summed in partition order, then the
 *                    group sums in group order
 *          depth 1:  the driver receives the P sums (by reference in local mode) and adds them
 *          depth 2:  a second stage: task p's sum is shuffled to group task k = p / g, which adds
 *                    its group in partition order; the driver adds the group sums in group order
 * </pre>
 *
 * <p>Partition p visits its rows in the order {@code Shards.epochOrder(seed, epoch, p)}, takes
 * rows {@code [s b_p, (s + 1) b_p)} of that order with {@code b_p = Shards.rowsPerStep(p, P, B)},
 * and draws dropout from {@code Shards.dropoutKey(seed, epoch, s, p)}: the rows and masks of shard
 * p of a local run. Nothing depends on the executor, the task attempt, the job or timing, so a
 * retried or speculative task, and a loop's task, return the identical gradient.
 *
 * <p>Every way adds the same partition sums in the same tree, the one {@code LocalGradients}
 * adds its shards in, so the result is bitwise that of a local run with as many shards, at any
 * partition count and whatever the order the tasks finish in. Depth 1, the default up to
 * {@link #DIRECT_MAX_PARTITIONS} partitions, costs least per step: no shuffle, and task functions
 * that are plain objects, which Spark's closure cleaner passes over without an ASM scan. Depth 2,
 * the default above, is for many partitions: the driver receives about sqrt(P) arrays instead of
 * P, at the price of a shuffle of the P partition sums (docs/ARCHITECTURE.md has the figures).
 *
 * <p>Executors reuse workspaces and epoch orders across steps ({@link ExecutorCache}), so a task
 * allocates only the gradient array it returns (in local mode at depth 1, not even that). With a
 * micro-batch, a workspace holds that many rows whatever the global batch. Measured step by step:
 * {@code scripts/bench/spark-step} (README).
 *
 * <p>With the {@link Block} constructors the driver holds the training set ({@code train.Datasets}
 * reads the files through Hadoop paths on the driver) and ships it to the executors once;
 * {@link #fromDataFrame} reads a DataFrame on the executors instead.
 */
public final class SparkGradients implements GradientSource {
  /** Tree depth argument meaning {@link #defaultTreeDepth(int)}. */
  public static final int AUTO_TREE_DEPTH = 0;
  /**
   * Up to this many partitions the default depth is 1: the driver then receives at most 32
   * gradient arrays per step (19 MB for the 151k-parameter MNIST MLP), and the sum tree is one
   * group ({@link Shards#FLAT_SUM_MAX}). Beyond, the default is depth 2.
   */
  public static final int DIRECT_MAX_PARTITIONS = Shards.FLAT_SUM_MAX;
  /** The largest depth: the sum tree has two levels, so a third would have nothing to add. */
  public static final int MAX_TREE_DEPTH = 2;

  private static final ClassTag<Gradient> GRADIENT = ClassTag$.MODULE$.apply(Gradient.class);
  private static final ClassTag<Integer> INTEGER = ClassTag$.MODULE$.apply(Integer.class);
  private static final ClassTag<Tuple2<Integer, Gradient>> KEYED =
      ClassTag$.MODULE$.apply(Tuple2.class);

  /** Spark's local properties for a job's call site (org.apache.spark.util.CallSite). */
  private static final String CALL_SITE_SHORT = "callSite.short";
  private static final String CALL_SITE_LONG = "callSite.long";

  private final JavaSparkContext jsc;
  private final Network net;
  private final JavaRDD<ShardBlock> blocks;
  private final Broadcast<int[]> lookup;
  private final Broadcast<Network> netBroadcast;
  private final int rows;
  private final int partitions;
  private final int batch;
  private final int steps;
  private final int totalEpochs;
  private final int treeDepth;
  private final int microBatch;
  private final int workspaceRows;
  private final long seed;
  private final long runId = ThreadLocalRandom.current().nextLong();
  private Broadcast<StepWeights> weights;
  /** Local mode: the executors are this JVM, and the weights go to them by reference. */
  private boolean handOff;
  private boolean destroyInBackground = true;
  /**
   * Local mode at depth 1, with a task slot for every partition: the steps of an epoch run in one
   * job ({@link StepLoop}) instead of a job each.
   */
  private boolean stepLoops;
  private final BiFunction<JavaRDD<ShardBlock>, StepOp, Gradient> looped = this::looped;
  /** The running loop, its job and a cluster's loop channel. */
  private final LoopJobs loops;
  /** The weights of the step being computed, for a cluster's loop. */
  private StepWeights stepWeights;
  /** Destroys the previous steps' broadcasts off the step's path; created on first use. */
  private ExecutorService cleaner;
  private CollectionAccumulator<long[]> computeNanos;
  private long[] lastComputeNanos = new long[0];
  private long[] lastComputeCpuNanos = new long[0];
  private StepTimes lastTimes = new StepTimes(0, 0, 0, 0);
  private long sumNanos;
  private boolean closed;

  /**
   * Where the driver's time of one step went, in nanoseconds: creating the weights broadcast,
   * destroying the previous one, the Spark job (from submission until every partition's result is
   * on the driver) and adding the partition sums. At depth 2 the executors' group sums are part of
   * the job, and sum covers only the driver's addition of the group sums.
   */
  public record StepTimes(long broadcastNanos, long destroyNanos, long jobNanos, long sumNanos) {}

  /**
   * Ships {@code train} to {@code partitions} cached partitions.
   *
   * @param totalEpochs only for the job descriptions, "sparkmlp epoch e/E step s/S"
   * @param treeDepth where the sum tree's first level is added: 1 on the driver, 2 on executors
   *     (see the class comment); {@link #AUTO_TREE_DEPTH}: {@link #defaultTreeDepth}
   */
  public SparkGradients(JavaSparkContext jsc, Network net, Block train, int batch, int partitions,
      long seed, int totalEpochs, int treeDepth) {
    this(jsc, net, train, batch, partitions, seed, totalEpochs, treeDepth, 0);
  }

  /**
   * As above, each partition accumulating its rows of a step {@code microBatch} at a time when
   * that is positive ({@link Shards#accumulate}, as {@code LocalGradients} with the same
   * micro-batch), so that executor memory is bounded by the micro-batch, not the global batch.
   */
  public SparkGradients(JavaSparkContext jsc, Network net, Block train, int batch, int partitions,
      long seed, int totalEpochs, int treeDepth, int microBatch) {
    this(jsc, net, shipBlock(jsc, net, train, batch, partitions, seed, totalEpochs, treeDepth,
        microBatch), batch, seed, totalEpochs, treeDepth, microBatch);
  }

  public SparkGradients(SparkSession spark, Network net, Block train, int batch, int partitions,
      long seed, int totalEpochs, int treeDepth) {
    this(JavaSparkContext.fromSparkContext(spark.sparkContext()), net, train, batch, partitions,
        seed, totalEpochs, treeDepth);
  }

  /**
   * Trains on a DataFrame with a vector features column and a numeric label column. Every row is
   * checked (vector width, finite values, label range) while the partitions are built, so bad
   * data fails here with a {@link dev.sparkmlp.data.DataException}, before training starts.
   */
  public static SparkGradients fromDataFrame(Dataset<Row> df, String featuresCol,
      String labelCol, Task task, Network net, int batch, int partitions, long seed,
      int totalEpochs, int treeDepth) {
    return fromDataFrame(df, featuresCol, labelCol, DataFrameBlocks.Selection.ALL, task, net,
        batch, partitions, seed, totalEpochs, treeDepth, 0);
  }

  /**
   * Trains on the selected rows of a DataFrame (see {@link DataFrameBlocks.Selection}); they are
   * numbered and laid out in the order they have among the selected rows, and errors name a row
   * by its position in the whole DataFrame. {@code microBatch} as in the Block constructor; a
   * bad one is refused before the rows are laid out, the error naming the ML param microBatch.
   */
  public static SparkGradients fromDataFrame(Dataset<Row> df, String featuresCol,
      String labelCol, DataFrameBlocks.Selection rows, Task task, Network net, int batch,
      int partitions, long seed, int totalEpochs, int treeDepth, int microBatch) {
    checkArguments(batch, partitions, totalEpochs, treeDepth);
    Shards.checkMicroBatch(net, microBatch, Shards.rowsPerStep(0, partitions, batch),
        "param microBatch");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
    DataFrameBlocks.Shipped shipped = DataFrameBlocks.forTraining(df, featuresCol, labelCol, rows,
        task, net, partitions, seed, batch);
    return new SparkGradients(jsc, net, shipped, batch, seed, totalEpochs, treeDepth, microBatch);
  }

  /**
   * Trains on blocks already cached (see {@link FileData}); closing unpersists them.
   * {@code microBatch} as in the Block constructor.
   */
  static SparkGradients fromShipped(JavaSparkContext jsc, Network net,
      DataFrameBlocks.Shipped shipped, int batch, long seed, int totalEpochs, int treeDepth,
      int microBatch) {
    checkArguments(batch, shipped.sizes().length, totalEpochs, treeDepth);
    Shards.checkMicroBatch(net, microBatch, Shards.rowsPerStep(0, shipped.sizes().length, batch));
    return new SparkGradients(jsc, net, shipped, batch, seed, totalEpochs, treeDepth, microBatch);
  }

  private SparkGradients(JavaSparkContext jsc, Network net, DataFrameBlocks.Shipped shipped,
      int batch, long seed, int totalEpochs, int treeDepth, int microBatch) {
    this.jsc = jsc;
    this.net = net;
    this.blocks = shipped.blocks();
    this.lookup = shipped.lookup();
    this.rows = shipped.rows();
    this.partitions = shipped.sizes().length;
    this.batch = batch;
    this.seed = seed;
    this.totalEpochs = totalEpochs;
    this.treeDepth = treeDepth == AUTO_TREE_DEPTH ? defaultTreeDepth(partitions) : treeDepth;
    this.steps = Shards.stepsPerEpoch(shipped.sizes(), batch);
    this.microBatch = microBatch;
    this.workspaceRows = Shards.workspaceRows(Shards.rowsPerStep(0, partitions, batch),
        microBatch);
    this.netBroadcast = jsc.broadcast(net);
    this.handOff = jsc.isLocal();
    this.stepLoops = loopsPossible();
    this.loops = new LoopJobs(jsc, partitions, runId);
  }

  /**
   * Whether an epoch's steps can run in one job: depth 1, {@link #STEP_LOOPS} not false, and
   * <ul>
   *   <li>in local mode a task slot for each partition (the loop's barrier stage runs all its
   *       tasks at once; Spark would wait for slots that never come) on a master that runs each
   *       task once (local[n,f] keeps per-step jobs, whose retries are Spark's own);
   *   <li>on a cluster: no RPC, I/O or SSL encryption (the loop's channel is plain TCP), no
   *       dynamic allocation (barrier stages refuse it). Where Spark retries the barrier stage's
   *       slot check ({@link #BARRIER_CHECK_FAILURES} above 1: its default is 40 times, 15 s
   *       apart, and the CLI sets 1), a loop starts only when the executors have a slot for
   *       every partition ({@link #slotsForLoop}).
   * </ul>
   */
  boolean loopsPossible() {
    org.apache.spark.SparkConf conf = jsc.getConf();
    if (treeDepth != 1 || !conf.getBoolean(STEP_LOOPS, true)) return false;
    if (jsc.isLocal()) {
      return partitions <= SparkMaster.localSlotsWithoutRetries(jsc.master(),
          conf.getInt("spark.task.cpus", 1));
    }
    return !conf.getBoolean("spark.network.crypto.enabled", false)
        && !conf.getBoolean("spark.io.encryption.enabled", false)
        && !conf.getBoolean("spark.ssl.enabled", false)
        && !conf.getBoolean("spark.dynamicAllocation.enabled", false);
  }

  /** Spark property: false keeps a job per step everywhere; default true. */
  public static final String STEP_LOOPS = "spark.sparkmlp.stepLoops";
  /** Spark's retries of a barrier stage's slot check (default 40, every 15 s). */
  public static final String BARRIER_CHECK_FAILURES =
      "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures";
  /** The interval of those retries. */
  public static final String BARRIER_CHECK_INTERVAL =
      "spark.scheduler.barrier.maxConcurrentTasksCheck.interval";

  private static DataFrameBlocks.Shipped shipBlock(JavaSparkContext jsc, Network net, Block train,
      int batch, int partitions, long seed, int totalEpochs, int treeDepth, int microBatch) {
    checkArguments(batch, partitions, totalEpochs, treeDepth);
    Shards.checkMicroBatch(net, microBatch, Shards.rowsPerStep(0, partitions, batch));
    if (train.rows == 0) throw new IllegalArgumentException("the training set is empty");
    net.checkData(train, "training data");
    Shards shards = Shards.assign(train.rows, partitions, seed);
    // Fails on a batch the shards cannot serve before anything is shipped.
    Shards.stepsPerEpoch(shards.sizes(), batch);
    int[][] rowsOf = new int[partitions][];
    for (int p = 0; p < partitions; p++) rowsOf[p] = shards.rows(p);
    JavaRDD<ShardBlock> blocks = Layout.ship(jsc, train, rowsOf,
        "sparkmlp training rows");
    return new DataFrameBlocks.Shipped(blocks, shards.sizes(), train.rows, null);
  }

  private static void checkArguments(int batch, int partitions, int totalEpochs, int treeDepth) {
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive: " + partitions);
    }
    if (batch <= 0) throw new IllegalArgumentException("batch size must be positive: " + batch);
    if (totalEpochs <= 0) {
      throw new IllegalArgumentException("epochs must be positive: " + totalEpochs);
    }
    if (treeDepth < 0 || treeDepth > MAX_TREE_DEPTH) {
      throw new IllegalArgumentException(
          "tree depth must be 0 (automatic), 1 or 2: " + treeDepth);
    }
  }

  /**
   * 1 (partition sums added on the driver) up to DIRECT_MAX_PARTITIONS partitions, else 2 (group
   * sums added on executors).
   */
  public static int defaultTreeDepth(int partitions) {
    return partitions <= DIRECT_MAX_PARTITIONS ? 1 : 2;
  }

  /** The depth in use: 1 (the driver adds every partition sum) or 2 (executors add the groups). */
  public int treeDepth() {
    return treeDepth;
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public int shards() {
    return partitions;
  }

  @Override
  public int batchSize() {
    return batch;
  }

  @Override
  public int stepsPerEpoch() {
    return steps;
  }

  @Override
  public String describe() {
    return "spark " + jsc.master() + " (" + partitions + " partitions, " + (treeDepth == 1
        ? "sums added on the driver" : Shards.sumGroups(partitions)
            + " group sums added on executors") + (!stepLoops ? ""
                : handOff || slotsForLoop() ? ", an epoch's steps in one job"
                : ", a job per step until the executors have a slot per partition") + ")";
  }

  /**
   * From now on each task reports the time of its own computation (forward, backward and the copy
   * into the result), readable after each step from {@link #lastComputeNanos()} and
   * {@link #lastComputeCpuNanos()}.
   */
  public void recordComputeTimes() {
    if (computeNanos == null) computeNanos = jsc.sc().collectionAccumulator("sparkmlp compute ns");
  }

  /** Per-task compute wall times of the last step, in no set order; empty unless recorded. */
  public long[] lastComputeNanos() {
    return lastComputeNanos.clone();
  }

  /** The driver's times of the last step; zeros before the first. */
  public StepTimes lastStepTimes() {
    return lastTimes;
  }

  /**
   * Per-task compute CPU times of the last step, in the order of {@link #lastComputeNanos()}: less
   * than the wall time when other processes share the cores.
   */
  public long[] lastComputeCpuNanos() {
    return lastComputeCpuNanos.clone();
  }

  @Override
  public Gradient compute(float[] params, float[] buffers, int epoch, int step) {
    return compute(params, buffers, epoch, step,
        treeDepth > 1 ? this::grouped : stepLoops ? looped : this::direct);
  }

  /**
   * One step with the partition sums combined by {@code combine}: the public compute passes the
   * sum tree at this source's depth; a benchmark may pass another way of combining.
   */
  Gradient compute(float[] params, float[] buffers, int epoch, int step,
      BiFunction<JavaRDD<ShardBlock>, StepOp, Gradient> combine) {
    if (closed) throw new IllegalStateException("SparkGradients is closed");
    if (step < 0 || step >= steps) {
      throw new IllegalArgumentException("step " + step + " outside [0, " + steps + ")");
    }
    if (params.length != net.paramCount() || buffers.length != net.bufferCount()) {
      throw new IllegalArgumentException("params/buffers do not match the network: "
          + params.length + "/" + buffers.length + " vs " + net.paramCount() + "/"
          + net.bufferCount());
    }
    long t0 = System.nanoTime();
    StepWeights sw = new StepWeights(params, buffers);
    stepWeights = sw;
    boolean looping = combine == looped;
    if (handOff) ExecutorCache.handOff(runId, sw);
    // A loop on a cluster sends the weights with the step.
    Broadcast<StepWeights> w = handOff || looping ? null : jsc.broadcast(sw);
    long t1 = System.nanoTime();
    // No job reads the previous step's weights any more.
    if (weights != null) {
      if (destroyInBackground) {
        destroyLater(weights);
      } else {
        weights.destroy();
      }
    }
    weights = w;
    long t2 = System.nanoTime();
    sumNanos = 0;
    if (!looping) loops.end(true);
    // A loop's tasks time their steps themselves: an accumulator reaches the driver at task end.
    StepOp op = new StepOp(runId, netBroadcast, w, seed, epoch, step, batch,
        partitions, workspaceRows, microBatch, looping ? null : computeNanos);
    String name = "sparkmlp epoch " + (epoch + 1) + "/" + totalEpochs
        + " step " + (step + 1) + "/" + steps;
    jsc.setJobDescription(name);
    // Spark's call site of a job is otherwise found by walking this thread's stack, at every
    // job; given both forms it shows the step instead.
    jsc.setLocalProperty(CALL_SITE_SHORT, "sparkmlp step");
    jsc.setLocalProperty(CALL_SITE_LONG, name);
    Gradient g;
    try {
      g = combine.apply(blocks, op);
    } catch (Exception e) {
      throw new IllegalStateException("the Spark job of epoch " + (epoch + 1) + " step "
          + (step + 1) + " failed: " + e.getMessage(), e);
    } finally {
      jsc.setJobDescription(null);
      jsc.setLocalProperty(CALL_SITE_SHORT, null);
      jsc.setLocalProperty(CALL_SITE_LONG, null);
    }
    lastTimes = new StepTimes(t1 - t0, t2 - t1, System.nanoTime() - t2 - sumNanos, sumNanos);
    if (g.shards != partitions || g.count != batch) {
      throw new IllegalStateException("step " + (step + 1) + " summed " + g.shards
          + " partitions and " + g.count + " rows, expected " + partitions + " and " + batch);
    }
    if (computeNanos != null && !looping) {
      List<long[]> t = computeNanos.value();
      lastComputeNanos = t.stream().mapToLong(a -> a[0]).toArray();
      lastComputeCpuNanos = t.stream().mapToLong(a -> a[1]).toArray();
      computeNanos.reset();
    }
    return g;
  }

  /**
   * Depth 1: one job whose tasks each return their partition's sum; the driver adds them in the
   * sum tree. The task function is a plain object, not a Scala lambda, which Spark's closure
   * cleaner passes over without reading class files.
   */
  Gradient direct(JavaRDD<ShardBlock> rdd, StepOp op) {
    Gradient[] parts = new Gradient[partitions];
    jsc.sc().runJob(rdd.rdd(), new PartitionTask(op, handOff), new Collect<>(parts), GRADIENT);
    if (handOff) {
      for (int p = 0; p < partitions; p++) {
        parts[p] = ExecutorCache.handedBack(runId, p, op.epoch, op.step);
      }
    }
    return timedSum(() -> Shards.sumInTree(parts));
  }

  /**
   * Depth 1, the steps of an epoch in one job ({@link StepLoop}, {@link LoopJobs}): posts the step
   * to the running loop, or starts a loop (a barrier job over the cached blocks) when none runs
   * or the last one ended, and waits for the partition sums, which the driver adds in the sum
   * tree as {@link #direct} does. In local mode the tasks take the step and hand back their sums
   * in this JVM; on a cluster both go through the driver's {@link LoopServer}, the weights with
   * the step. After the epoch's last step the loop ends, so that the job has freed its slots for
   * the evaluation's before this returns.
   *
   * <p>On a cluster a loop that fails for any reason but a cancellation (an executor or its
   * connection lost, no slot for every partition) is not retried: this step and all later ones
   * run as a job each, whose tasks Spark retries where it can, with the same sums.
   */
  Gradient looped(JavaRDD<ShardBlock> rdd, StepOp op) {
    boolean remote = !handOff;
    if (!loops.post(op, stepWeights)) {
      Throwable failed = endLoop(remote);
      if (failed != null) return fallBack(rdd, op, failed);
      if (remote && !slotsForLoop()) return stepJob(rdd, op);
      String name = "sparkmlp epoch " + (op.epoch + 1) + "/" + totalEpochs + " steps "
          + (op.step + 1) + "-" + steps + "/" + steps;
      jsc.setJobDescription(name);
      jsc.setLocalProperty(CALL_SITE_LONG, name);
      try {
        loops.start(rdd, op, stepWeights, remote, computeNanos != null);
      } catch (RuntimeException e) {
        // On a cluster: the driver could not listen for the loop's tasks, say.
        if (remote) return fallBack(rdd, op, e);
        throw e;
      }
    }
    Gradient[] got;
    try {
      got = loops.await();
    } catch (IllegalStateException e) {
      if (remote && !LoopJobs.cancelled(e)) return fallBack(rdd, op, e);
      throw e;
    }
    if (computeNanos != null) {
      long[][] t = loops.lastComputeNanos();
      lastComputeNanos = t[0];
      lastComputeCpuNanos = t[1];
    }
    if (op.step == steps - 1 && endLoop(remote) != null) stepLoops = false;
    return timedSum(() -> Shards.sumInTree(got));
  }

  /**
   * Ends the running loop and waits for its job. Its failure is thrown, except on a cluster
   * ({@code remote}) when it is not a cancellation: it is then returned, and the caller stops
   * looping. Null when the job succeeded or no loop ran.
   */
  private Throwable endLoop(boolean remote) {
    try {
      loops.end(true);
      return null;
    } catch (IllegalStateException e) {
      if (!remote || LoopJobs.cancelled(e)) throw e;
      return e;
    }
  }

  /**
   * On a cluster: whether a loop's barrier stage would start now. Where Spark fails the stage's
   * slot check at once ({@link #BARRIER_CHECK_FAILURES} at most 1), always: a loop without slots
   * fails, and the steps fall back to jobs. Elsewhere (Spark's default, in a session the CLI did
   * not start) that check would hold the loop up to 40 times 15 s while executors are missing,
   * so the loop starts only when the executors have a task slot for every partition, counted as
   * Spark's check counts them. A loop that loses its executors later fails on its connections,
   * and its job, with any retry of its stage, is cancelled.
   */
  private boolean slotsForLoop() {
    if (jsc.getConf().getInt(BARRIER_CHECK_FAILURES, 40) <= 1) return true;
    org.apache.spark.SparkContext sc = jsc.sc();
    return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile())
        >= partitions;
  }

  /**
   * {@code op}'s step as a job of its own, the weights in a broadcast, while a loop cannot start;
   * the next step tries a loop again.
   */
  private Gradient stepJob(JavaRDD<ShardBlock> rdd, StepOp op) {
    weights = jsc.broadcast(stepWeights);
    return direct(rdd, op.withWeights(weights));
  }

  /**
   * A cluster's loop failed: gives it up (its job cancelled), stops looping, and computes
   * {@code op}'s step with a job of its own (the weights in a broadcast).
   */
  private Gradient fallBack(JavaRDD<ShardBlock> rdd, StepOp op, Throwable why) {
    System.err.println("sparkmlp: the step loop failed at epoch " + (op.epoch + 1) + " step "
        + (op.step + 1) + " (" + why.getMessage() + "); the remaining steps run as a Spark job"
        + " each");
    loops.abandon();
    stepLoops = false;
    return stepJob(rdd, op);
  }

  /**
   * Depth 2: task p emits (p, its sum); a shuffle routes it to group task p / g, which adds the
   * sums of its group in partition order; the driver adds the group sums in group order. Both
   * functions are plain objects, as in {@link #direct}.
   */
  Gradient grouped(JavaRDD<ShardBlock> rdd, StepOp op) {
    int size = Shards.sumGroupSize(partitions);
    Gradient[] groups = new Gradient[Shards.sumGroups(partitions)];
    RDD<Tuple2<Integer, Gradient>> keyed =
        rdd.rdd().mapPartitionsWithIndex(new KeyedTask(op), true, KEYED);
    ShuffledRDD<Integer, Gradient, Gradient> byGroup = new ShuffledRDD<>(keyed,
        new GroupPartitioner(partitions, size), INTEGER, GRADIENT, GRADIENT);
    jsc.sc().runJob(byGroup, new GroupTask(partitions, size), new Collect<>(groups), GRADIENT);
    return timedSum(() -> Shards.sumInOrder(groups, 0, groups.length));
  }

  /** The driver's addition of the sums, timed for {@link #lastStepTimes()}. */
  private Gradient timedSum(java.util.function.Supplier<Gradient> sum) {
    long t0 = System.nanoTime();
    Gradient g = sum.get();
    sumNanos = System.nanoTime() - t0;
    return g;
  }

  /**
   * Destroys {@code b} on a background thread: destroying asks the block manager master to drop
   * its blocks, a round trip through Spark's RPC dispatcher that the next job need not wait for.
   */
  private void destroyLater(Broadcast<StepWeights> b) {
    if (cleaner == null) {
      cleaner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sparkmlp broadcast cleaner");
        t.setDaemon(true);
        return t;
      });
    }
    cleaner.execute(() -> Release.broadcast(b));
  }

  /**
   * Destroys the current step's weights broadcast now, if there is one, so that the next step
   * has none to destroy; for the benchmark, which charges this to the step that made it.
   */
  void destroyWeightsNow() {
    if (weights != null) weights.destroy();
    weights = null;
  }

  /** Waits until the broadcasts handed to the cleaner are destroyed; for tests. */
  void awaitCleaner() throws InterruptedException {
    if (cleaner == null) return;
    // The cleaner runs its tasks in order: once this one has run, so have the earlier ones.
    try {
      cleaner.submit(() -> { }).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The Spark context and the cached training blocks, for the benchmark's empty job. */
  JavaSparkContext context() {
    return jsc;
  }

  JavaRDD<ShardBlock> blocks() {
    return blocks;
  }

  /**
   * Whether the weights go to the tasks, and at depth 1 the partition sums back, by reference
   * (possible in local mode only, and the default there), or through a broadcast and serialized
   * task results; for tests and the benchmark, which compare both ways on one source.
   */
  void handOff(boolean byReference) {
    if (byReference && !jsc.isLocal()) {
      throw new IllegalArgumentException("weights go by reference only in local mode, not on "
          + jsc.master());
    }
    if (byReference == handOff) return;
    loops.end(true);
    handOff = byReference;
    if (!byReference) stepLoops = false;
  }

  /**
   * Whether the steps of an epoch run in one job (the default where {@link #loopsPossible}) or a
   * job each; for tests and the benchmark, which compare both on one source.
   */
  void stepLoops(boolean on) {
    if (on && !loopsPossible()) {
      throw new IllegalArgumentException("step loops need depth 1 and, in local mode, a task slot"
          + " per partition; " + jsc.master() + " with " + partitions + " partitions at depth "
          + treeDepth + " has not");
    }
    if (on == stepLoops) return;
    loops.end(true);
    stepLoops = on;
  }

  /** Breaks the connections of a cluster's loop, as a lost executor would; for tests. */
  void dropLoopConnections() {
    loops.dropConnections();
  }

  /** Whether the steps of an epoch run in one job; see {@link #stepLoops(boolean)}. */
  boolean stepLoops() {
    return stepLoops;
  }

  /**
   * Rows of the workspaces this run's tasks have used in this JVM (the driver's, so in local
   * mode every task's); for tests.
   */
  int[] executorWorkspaceRows() {
    return ExecutorCache.workspaceRows(runId);
  }

  /**
   * Whether the previous step's broadcast is destroyed on the cleaner thread (the default) or
   * before the step's job; for the benchmark, which compares both on one source.
   */
  void destroyInBackground(boolean background) {
    destroyInBackground = background;
  }

  /** The current step's weights broadcast, null before the first step; for tests. */
  Broadcast<StepWeights> weightsBroadcast() {
    return weights;
  }

  /** Unpersists the cached rows and destroys the broadcasts. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    loops.close();
    Release.rdd(blocks);
    if (cleaner != null) {
      cleaner.shutdown();
      try {
        cleaner.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (weights != null) Release.broadcast(weights);
    ExecutorCache.handOff(runId, null);
    Release.broadcast(netBroadcast);
    if (lookup != null) Release.broadcast(lookup);
    ExecutorCache.forget(runId);
  }

}
