package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.Shards;
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

/**
 * Gradients computed by Spark executors. The training rows sit in a cached RDD with one
 * {@link ShardBlock} per partition, laid out by {@link Shards} exactly as {@code LocalGradients}
 * lays out its shards, and each step is one {@code treeAggregate} job.
 *
 * <pre>
 * once:    ship the shards (one shuffle) and cache them; broadcast the network
 * step s:  w_s = broadcast(params, buffers); destroy w_(s-1)
 *          treeAggregate(zero  = empty Gradient,
 *                        seqOp = partition p accumulates its rows of (epoch, s) at w_s,
 *                        combOp = Gradient.merge, in place)
 * </pre>
 *
 * <p>Partition p visits its rows in the order {@code Shards.epochOrder(seed, epoch, p)}, takes
 * rows {@code [s b_p, (s + 1) b_p)} of that order with {@code b_p = Shards.rowsPerStep(p, P, B)},
 * and draws dropout from {@code Shards.dropoutKey(seed, epoch, s, p)}: the rows and masks of shard
 * p of a local run. Nothing depends on the executor, the task attempt or timing, so a retried or
 * speculative task returns the identical gradient. The partition sums are added in the order
 * their tasks finish: with two partitions that is exact (float addition is commutative), with
 * more the sum may differ between runs in the last bits.
 *
 * <p>The zero value is empty on purpose: a full-size one would be serialized into every task.
 * Executors reuse workspaces and epoch orders across steps ({@link ExecutorCache}), so a task
 * allocates only the gradient array it returns.
 *
 * <p>With the {@link Block} constructors the driver holds the training set ({@code train.Datasets}
 * reads the files through Hadoop paths on the driver) and ships it to the executors once;
 * {@link #fromDataFrame} reads a DataFrame on the executors instead.
 */
public final class SparkGradients implements GradientSource {
  public static final int DEFAULT_TREE_DEPTH = 2;

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
   * @param treeDepth depth of the treeAggregate ({@link #DEFAULT_TREE_DEPTH}); with few partitions
   *     every depth sends the partition sums straight to the driver
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
    checkArguments(batch, partitions, totalEpochs, treeDepth);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
    DataFrameBlocks.Shipped shipped = DataFrameBlocks.forTraining(df, featuresCol, labelCol, task,
        net, partitions, seed, batch);
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
    this.treeDepth = treeDepth;
    this.steps = Shards.stepsPerEpoch(shipped.sizes(), batch);
    this.maxRows = Shards.rowsPerStep(0, partitions, batch);
    this.netBroadcast = jsc.broadcast(net);
  }

  private static DataFrameBlocks.Shipped shipBlock(JavaSparkContext jsc, Network net, Block train,
      int batch, int partitions, long seed, int totalEpochs, int treeDepth) {
    checkArguments(batch, partitions, totalEpochs, treeDepth);
    if (train.rows == 0) throw new IllegalArgumentException("the training set is empty");
    if (train.features != net.inputs()) {
      throw new IllegalArgumentException("the network expects " + net.inputs()
          + " inputs but the training data has " + train.features + " features");
    }
    if (train.targetWidth != net.outputs()) {
      throw new IllegalArgumentException("the network has " + net.outputs()
          + " outputs but the training data has " + train.targetWidth + " target columns");
    }
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
    if (treeDepth < 1) {
      throw new IllegalArgumentException("treeAggregate depth must be at least 1: " + treeDepth);
    }
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
    return "spark " + jsc.master() + " (" + partitions + " partitions, treeAggregate depth "
        + treeDepth + ")";
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
      g = blocks.treeAggregate(new Gradient(), op, Merge.INSTANCE, treeDepth);
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
