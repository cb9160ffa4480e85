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
import java.util.function.BiFunction;
import org.apache.spark.Partitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
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
 *          sum:      in the tree of Shards.sumGroupSize(P) = g (g = P up to 32 partitions):
 *                    group k = partitions [k g, (k+1) g) summed in partition order, then the
 *                    group sums in group order
 *          depth 1:  one job; the driver receives the P sums and adds them in that tree
 *          depth 2:  a second stage: task p's sum is shuffled to group task k = p / g, which adds
 *                    its group in partition order; the driver adds the group sums in group order
 * </pre>
 *
 * <p>Partition p visits its rows in the order {@code Shards.epochOrder(seed, epoch, p)}, takes
 * rows {@code [s b_p, (s + 1) b_p)} of that order with {@code b_p = Shards.rowsPerStep(p, P, B)},
 * and draws dropout from {@code Shards.dropoutKey(seed, epoch, s, p)}: the rows and masks of shard
 * p of a local run. Nothing depends on the executor, the task attempt or timing, so a retried or
 * speculative task returns the identical gradient.
 *
 * <p>Either depth adds the same partition sums in the same tree, the one {@code LocalGradients}
 * adds its shards in, so the result is bitwise that of a local run with as many shards, at any
 * partition count and whatever the order the tasks finish in. (Spark's treeAggregate, used here
 * before, adds the partial sums in the order tasks finish, which changes the last bits from run to
 * run above two partitions.) The depth only decides where the first level of the tree is added.
 * Depth 1, the default up to {@link #DIRECT_MAX_PARTITIONS} partitions, costs least per step: one
 * job, no shuffle, and the task function is a plain object that Spark's closure cleaner passes
 * over without an ASM scan (measured in local[2]: the step overhead beyond the tasks' compute time
 * fell from about 1.0 to 0.7 times the floor of an empty broadcast-and-aggregate job against
 * treeAggregate). Depth 2, the default above, is for many partitions: the driver receives about
 * sqrt(P) arrays instead of P, at the price of a shuffle of the P partition sums. In local[2] at
 * 64 and 200 partitions that shuffle made a step about twice as slow as depth 1, and about as
 * slow as treeAggregate (docs/ARCHITECTURE.md); on a cluster the driver's link decides.
 *
 * <p>Executors reuse workspaces and epoch orders across steps ({@link ExecutorCache}), so a task
 * allocates only the gradient array it returns.
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
   * @param treeDepth where the sum tree's first level is added: 1 on the driver, 2 on executors
   *     (see the class comment); {@link #AUTO_TREE_DEPTH}: {@link #defaultTreeDepth}
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

  /** Trains on blocks already cached (see {@link FileData}); closing unpersists them. */
  static SparkGradients fromShipped(JavaSparkContext jsc, Network net,
      DataFrameBlocks.Shipped shipped, int batch, long seed, int totalEpochs, int treeDepth) {
    checkArguments(batch, shipped.sizes().length, totalEpochs, treeDepth);
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
            + " group sums added on executors") + ")";
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
    return compute(params, buffers, epoch, step, treeDepth == 1 ? this::direct : this::grouped);
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
      g = combine.apply(blocks, op);
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
   * Depth 1: one job whose tasks each return their partition's sum; the driver adds them in the
   * sum tree. The task function is a plain object, not a Scala lambda, which Spark's closure
   * cleaner passes over without reading class files.
   */
  Gradient direct(JavaRDD<ShardBlock> rdd, StepOp op) {
    Gradient[] parts = new Gradient[partitions];
    jsc.sc().runJob(rdd.rdd(), new PartitionTask(op), new Collect(parts), GRADIENT);
    return Shards.sumInTree(parts);
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
    jsc.sc().runJob(byGroup, new GroupTask(partitions, size), new Collect(groups), GRADIENT);
    return Shards.sumInOrder(groups, 0, groups.length);
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

  /** A map task of the depth-2 job: (its partition index, its partition's gradient). */
  static final class KeyedTask extends AbstractFunction2<Object,
      scala.collection.Iterator<ShardBlock>, scala.collection.Iterator<Tuple2<Integer, Gradient>>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final StepOp op;

    KeyedTask(StepOp op) {
      this.op = op;
    }

    @Override
    public scala.collection.Iterator<Tuple2<Integer, Gradient>> apply(Object partition,
        scala.collection.Iterator<ShardBlock> it) {
      Gradient g = new Gradient();
      while (it.hasNext()) g = op.call(g, it.next());
      return scala.collection.Iterator$.MODULE$.single(new Tuple2<>((Integer) partition, g));
    }
  }

  /** Sends partition p to group p / size: groups of consecutive partitions, as the sum tree. */
  static final class GroupPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;
    private final int size;

    GroupPartitioner(int partitions, int size) {
      this.partitions = partitions;
      this.size = size;
    }

    @Override
    public int numPartitions() {
      return (partitions + size - 1) / size;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key / size;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof GroupPartitioner g && g.partitions == partitions && g.size == size;
    }

    @Override
    public int hashCode() {
      return 31 * partitions + size;
    }
  }

  /**
   * A reduce task of the depth-2 job: group k's partition sums arrive in the order their map
   * tasks finished; each is put in its partition's slot, and the slots are added in partition
   * order.
   */
  static final class GroupTask extends AbstractFunction2<TaskContext,
      scala.collection.Iterator<Tuple2<Integer, Gradient>>, Gradient> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int partitions;
    private final int size;

    GroupTask(int partitions, int size) {
      this.partitions = partitions;
      this.size = size;
    }

    @Override
    public Gradient apply(TaskContext task,
        scala.collection.Iterator<Tuple2<Integer, Gradient>> it) {
      int k = task.partitionId();
      int first = k * size;
      Gradient[] slots = new Gradient[Math.min(partitions, first + size) - first];
      while (it.hasNext()) {
        Tuple2<Integer, Gradient> kv = it.next();
        int at = kv._1() - first;
        if (at < 0 || at >= slots.length || slots[at] != null) {
          throw new IllegalStateException("group " + k + " received the sum of partition "
              + kv._1() + (at >= 0 && at < slots.length ? " twice" : ", not one of its own"));
        }
        slots[at] = kv._2();
      }
      for (int i = 0; i < slots.length; i++) {
        if (slots[i] == null) {
          throw new IllegalStateException(
              "group " + k + " lacks the sum of partition " + (first + i));
        }
      }
      return Shards.sumInOrder(slots, 0, slots.length);
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

  /** One partition's gradient of one step, added into {@code acc}. Modified: acc. */
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
}
