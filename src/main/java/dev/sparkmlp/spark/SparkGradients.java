package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.Shards;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * Gradients computed by Spark executors. The training rows sit in a cached RDD with one
 * {@link ShardBlock} per partition, laid out by {@link Shards} exactly as {@code LocalGradients}
 * lays out its shards, and each step is one Spark job.
 *
 * <pre>
 * once:    ship the shards (one shuffle) and cache them; broadcast the network
 * step s:  w_s = broadcast(params, buffers); destroy w_(s-1)
 *          task p: its rows of (epoch, s) at w_s, accumulated into a new Gradient
 *          depth 1:  the driver adds the P task results in partition order
 *          depth 2+: treeAggregate(zero = empty Gradient, combOp = Gradient.merge in place)
 * </pre>
 *
 * <p>Partition p visits its rows in the order {@code Shards.epochOrder(seed, epoch, p)}, takes
 * rows {@code [s b_p, (s + 1) b_p)} of that order with {@code b_p = Shards.rowsPerStep(p, P, B)},
 * and draws dropout from {@code Shards.dropoutKey(seed, epoch, s, p)}: the rows and masks of shard
 * p of a local run. Nothing depends on the executor, the task attempt or timing, so a retried or
 * speculative task returns the identical gradient.
 *
 * <p>Depth 1, the default up to {@link #DIRECT_MAX_PARTITIONS} partitions, adds the partition
 * sums in partition order, as {@code LocalGradients} adds its shards: the result is bitwise that
 * of a local run with as many shards, whatever the order the tasks finish in. It also costs less
 * per step than treeAggregate, which creates an RDD per step and runs Spark's closure cleaner (an
 * ASM scan of Spark's own classes) on several Scala lambdas per job: measured in local[2], the
 * step overhead beyond the tasks' compute time fell from about 1.0 to 0.7 times the floor of an
 * empty broadcast-and-aggregate job. Depth 2 and more use treeAggregate, meant for many
 * partitions: it combines partial sums on executors, so the driver does not receive P arrays.
 * Its sums are added in the order tasks finish: exact with two partitions (float addition is
 * commutative), possibly different in the last bits from run to run with more.
 *
 * <p>The treeAggregate zero value is empty on purpose: a full-size one would be serialized into
 * every task. Executors reuse workspaces and epoch orders across steps ({@link ExecutorCache}), so
 * a task allocates only the gradient array it returns.
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
   * gradient arrays per step (19 MB for the 151k-parameter MNIST MLP). Beyond, combining on
   * executors first is expected to pay off; that bound is a judgement, measured only up to 8
   * partitions on 2 cores.
   */
  public static final int DIRECT_MAX_PARTITIONS = 32;

  private static final ClassTag<Gradient> GRADIENT = ClassTag$.MODULE$.apply(Gradient.class);

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
  private final int maxRows;
  private final long seed;
  private final long runId = ThreadLocalRandom.current().nextLong();
  private Broadcast<StepWeights> weights;
  private CollectionAccumulator<long[]> computeNanos;
  private long[] lastComputeNanos = new long[0];
  private long[] lastComputeCpuNanos = new long[0];
  private boolean closed;

  /**
   * Ships {@code train} to {@code partitions} cached partitions.
   *
   * @param totalEpochs only for the job descriptions, "sparkmlp epoch e/E step s/S"
   * @param treeDepth 1: the driver adds the partition sums in partition order; 2 or more:
   *     treeAggregate of that depth; {@link #AUTO_TREE_DEPTH}: {@link #defaultTreeDepth}
   */
  public SparkGradients(JavaSparkContext jsc, Network net, Block train, int batch, int partitions,
      long seed, int totalEpochs, int treeDepth) {
    this(jsc, net, shipBlock(jsc, net, train, batch, partitions, seed, totalEpochs, treeDepth),
        batch, seed, totalEpochs, treeDepth);
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
        batch, partitions, seed, totalEpochs, treeDepth);
  }

  /**
   * Trains on the selected rows of a DataFrame (see {@link DataFrameBlocks.Selection}); they are
   * numbered and laid out in the order they have among the selected rows, and errors name a row
   * by its position in the whole DataFrame.
   */
  public static SparkGradients fromDataFrame(Dataset<Row> df, String featuresCol,
      String labelCol, DataFrameBlocks.Selection rows, Task task, Network net, int batch,
      int partitions, long seed, int totalEpochs, int treeDepth) {
    checkArguments(batch, partitions, totalEpochs, treeDepth);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
    DataFrameBlocks.Shipped shipped = DataFrameBlocks.forTraining(df, featuresCol, labelCol, rows,
        task, net, partitions, seed, batch);
    return new SparkGradients(jsc, net, shipped, batch, seed, totalEpochs, treeDepth);
  }

  private SparkGradients(JavaSparkContext jsc, Network net, DataFrameBlocks.Shipped shipped,
      int batch, long seed, int totalEpochs, int treeDepth) {
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
    this.maxRows = Shards.rowsPerStep(0, partitions, batch);
    this.netBroadcast = jsc.broadcast(net);
  }

  private static DataFrameBlocks.Shipped shipBlock(JavaSparkContext jsc, Network net, Block train,
      int batch, int partitions, long seed, int totalEpochs, int treeDepth) {
    checkArguments(batch, partitions, totalEpochs, treeDepth);
    if (train.rows == 0) throw new IllegalArgumentException("the training set is empty");
    net.checkData(train, "training data");
    Shards shards = Shards.assign(train.rows, partitions, seed);
    // Fails on a batch the shards cannot serve before anything is shipped.
    Shards.stepsPerEpoch(shards.sizes(), batch);
    int[][] rowsOf = new int[partitions][];
    for (int p = 0; p < partitions; p++) rowsOf[p] = shards.rows(p);
    JavaRDD<ShardBlock> blocks = Layout.ship(jsc, Layout.chunks(train, rowsOf), partitions,
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
    if (treeDepth < 0) {
      throw new IllegalArgumentException(
          "tree depth must be 0 (automatic) or positive: " + treeDepth);
    }
  }

  /** 1 (partition sums added on the driver) up to DIRECT_MAX_PARTITIONS partitions, else 2. */
  public static int defaultTreeDepth(int partitions) {
    return partitions <= DIRECT_MAX_PARTITIONS ? 1 : 2;
  }

  /** The aggregation depth in use: 1, or the depth of the treeAggregate. */
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
        ? "sums added on the driver" : "treeAggregate depth " + treeDepth) + ")";
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

  /**
   * Per-task compute CPU times of the last step, in the order of {@link #lastComputeNanos()}: less
   * than the wall time when other processes share the cores.
   */
  public long[] lastComputeCpuNanos() {
    return lastComputeCpuNanos.clone();
  }

  @Override
  public Gradient compute(float[] params, float[] buffers, int epoch, int step) {
    if (closed) throw new IllegalStateException("SparkGradients is closed");
    if (step < 0 || step >= steps) {
      throw new IllegalArgumentException("step " + step + " outside [0, " + steps + ")");
    }
    if (params.length != net.paramCount() || buffers.length != net.bufferCount()) {
      throw new IllegalArgumentException("params/buffers do not match the network: "
          + params.length + "/" + buffers.length + " vs " + net.paramCount() + "/"
          + net.bufferCount());
    }
    Broadcast<StepWeights> w = jsc.broadcast(new StepWeights(params, buffers));
    // No job reads the previous step's weights any more.
    if (weights != null) weights.destroy();
    weights = w;
    StepOp op = new StepOp(runId, netBroadcast, w, seed, epoch, step, batch, partitions, maxRows,
        computeNanos);
    jsc.setJobDescription("sparkmlp epoch " + (epoch + 1) + "/" + totalEpochs
        + " step " + (step + 1) + "/" + steps);
    Gradient g;
    try {
      g = treeDepth == 1
          ? direct(op)
          : blocks.treeAggregate(new Gradient(), op, Merge.INSTANCE, treeDepth);
    } catch (Exception e) {
      throw new IllegalStateException("the Spark job of epoch " + (epoch + 1) + " step "
          + (step + 1) + " failed: " + e.getMessage(), e);
    } finally {
      jsc.setJobDescription(null);
    }
    if (g.shards != partitions || g.count != batch) {
      throw new IllegalStateException("step " + (step + 1) + " summed " + g.shards
          + " partitions and " + g.count + " rows, expected " + partitions + " and " + batch);
    }
    if (computeNanos != null) {
      List<long[]> t = computeNanos.value();
      lastComputeNanos = t.stream().mapToLong(a -> a[0]).toArray();
      lastComputeCpuNanos = t.stream().mapToLong(a -> a[1]).toArray();
      computeNanos.reset();
    }
    return g;
  }

  /**
   * Depth 1: one job whose tasks each return their partition's sum; the driver adds them in
   * partition order. The task function is a plain object, not a Scala lambda, which Spark's
   * closure cleaner passes over without reading class files.
   */
  private Gradient direct(StepOp op) {
    Gradient[] parts = new Gradient[partitions];
    jsc.sc().runJob(blocks.rdd(), new PartitionTask(op), new Collect(parts), GRADIENT);
    Gradient g = parts[0];
    for (int p = 1; p < partitions; p++) g = g.merge(parts[p]);
    return g;
  }

  /** A task of the depth-1 job: its partition's gradient. */
  static final class PartitionTask
      extends AbstractFunction2<TaskContext, scala.collection.Iterator<ShardBlock>, Gradient>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final StepOp op;

    PartitionTask(StepOp op) {
      this.op = op;
    }

    @Override
    public Gradient apply(TaskContext task, scala.collection.Iterator<ShardBlock> it) {
      Gradient g = new Gradient();
      while (it.hasNext()) g = op.call(g, it.next());
      return g;
    }
  }

  /** Stores each task's result at its partition index; runs on the driver. */
  private static final class Collect extends AbstractFunction2<Object, Gradient, BoxedUnit> {
    private final Gradient[] parts;

    Collect(Gradient[] parts) {
      this.parts = parts;
    }

    @Override
    public BoxedUnit apply(Object partition, Gradient g) {
      parts[(Integer) partition] = g;
      return BoxedUnit.UNIT;
    }
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
    blocks.unpersist(false);
    if (weights != null) weights.destroy();
    netBroadcast.destroy();
    if (lookup != null) lookup.destroy();
    ExecutorCache.forget(runId);
  }

  /** The seqOp: one partition's gradient of one step, added into the (empty) aggregate. */
  static final class StepOp implements Function2<Gradient, ShardBlock, Gradient> {
    private static final long serialVersionUID = 1L;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private final long runId;
    private final Broadcast<Network> net;
    private final Broadcast<StepWeights> weights;
    private final long seed;
    private final int epoch;
    private final int step;
    private final int batch;
    private final int partitions;
    private final int maxRows;
    private final CollectionAccumulator<long[]> computeNanos;

    StepOp(long runId, Broadcast<Network> net, Broadcast<StepWeights> weights, long seed,
        int epoch, int step, int batch, int partitions, int maxRows,
        CollectionAccumulator<long[]> computeNanos) {
      this.runId = runId;
      this.net = net;
      this.weights = weights;
      this.seed = seed;
      this.epoch = epoch;
      this.step = step;
      this.batch = batch;
      this.partitions = partitions;
      this.maxRows = maxRows;
      this.computeNanos = computeNanos;
    }

    @Override
    public Gradient call(Gradient acc, ShardBlock shard) {
      ExecutorCache.Run run = ExecutorCache.run(runId, net::value);
      StepWeights w = weights.value();
      long t0 = System.nanoTime();
      long cpu0 = computeNanos == null ? 0 : CPU.getCurrentThreadCpuTime();
      int p = shard.partition;
      TaskContext task = TaskContext.get();
      if (task != null && task.partitionId() != p) {
        throw new IllegalStateException("shard " + p + " found in partition " + task.partitionId());
      }
      Block b = shard.block;
      int[] order = run.order(seed, epoch, p, b.rows);
      int rows = Shards.rowsPerStep(p, partitions, batch);
      Workspace ws = run.acquire(maxRows);
      try {
        ws.reset();
        run.net.accumulate(w.params, w.buffers, b, order, step * rows, step * rows + rows,
            Shards.dropoutKey(seed, epoch, step, p), ws);
        acc.add(ws.grad(), ws.batchStats(), ws.lossSum(), ws.count(), ws.correct());
      } finally {
        run.release(ws);
      }
      if (computeNanos != null) {
        computeNanos.add(new long[] {System.nanoTime() - t0, CPU.getCurrentThreadCpuTime() - cpu0});
      }
      return acc;
    }
  }

  /** The combOp: in place. */
  static final class Merge implements Function2<Gradient, Gradient, Gradient> {
    private static final long serialVersionUID = 1L;
    static final Merge INSTANCE = new Merge();

    @Override
    public Gradient call(Gradient a, Gradient b) {
      return a.merge(b);
    }
  }
}
