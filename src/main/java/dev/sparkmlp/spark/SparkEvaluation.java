package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.nn.Workspace;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.Metrics;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;

/**
 * A distributed inference pass (no dropout, running batch-norm statistics) over a cached RDD of
 * blocks, one contiguous row range per partition. Each evaluation broadcasts the weights, sums
 * loss, correct, count and each {@link OutputMetric} per partition, and adds the partition sums in
 * partition order on the driver, so the result does not depend on task timing. The metrics travel
 * to the executors inside the task closure.
 */
public final class SparkEvaluation implements Evaluator {
  /** Rows per forward pass inside a task, as in {@code train.LocalEvaluator}. */
  static final int CHUNK = 512;

  private final JavaSparkContext jsc;
  private final Network net;
  private final String what;
  private final JavaRDD<ShardBlock> blocks;
  private final Broadcast<Network> netBroadcast;
  private final long rows;
  private final OutputMetric[] metrics;
  private final long runId = ThreadLocalRandom.current().nextLong();
  private boolean closed;

  /**
   * Ships {@code data}, which the driver holds, to at most {@code partitions} cached partitions.
   *
   * @param what names the set in errors and job descriptions, e.g. "validation set"
   */
  public SparkEvaluation(JavaSparkContext jsc, Network net, Block data, int partitions,
      String what) {
    this(jsc, net, data, partitions, what, List.of());
  }

  /** @param metrics summed beside the loss; their means are the {@link Metrics#extras()} */
  public SparkEvaluation(JavaSparkContext jsc, Network net, Block data, int partitions,
      String what, List<? extends OutputMetric> metrics) {
    checkPartitions(partitions);
    this.metrics = Metrics.checked(metrics);
    net.checkData(data, what);
    this.jsc = jsc;
    this.net = net;
    this.what = what;
    this.rows = data.rows;
    int p = Math.max(1, Math.min(partitions, data.rows));
    if (data.rows == 0) {
      this.blocks = null;
      this.netBroadcast = null;
    } else {
      this.blocks = Layout.ship(jsc, data, Layout.contiguous(data.rows, p), "sparkmlp " + what);
      this.netBroadcast = jsc.broadcast(net);
    }
  }

  public SparkEvaluation(SparkSession spark, Network net, Block data, int partitions,
      String what) {
    this(JavaSparkContext.fromSparkContext(spark.sparkContext()), net, data, partitions, what);
  }

  /** Evaluates on blocks already cached (see {@link FileData}); closing unpersists them. */
  SparkEvaluation(JavaSparkContext jsc, Network net, DataFrameBlocks.Shipped shipped,
      String what, List<? extends OutputMetric> metrics) {
    this.metrics = Metrics.checked(metrics);
    this.jsc = jsc;
    this.net = net;
    this.what = what;
    this.rows = shipped.rows();
    this.blocks = shipped.blocks();
    this.netBroadcast = jsc.broadcast(net);
  }

  private SparkEvaluation(JavaSparkContext jsc, Network net, DataFrameBlocks.Shipped shipped,
      String what) {
    this(jsc, net, shipped, what, List.of());
  }

  /**
   * Evaluates on a DataFrame with a vector features column and a numeric label column, checked
   * row by row as {@link SparkGradients#fromDataFrame} does.
   */
  public static SparkEvaluation fromDataFrame(Dataset<Row> df, String featuresCol,
      String labelCol, Task task, Network net, int partitions, String what) {
    return fromDataFrame(df, featuresCol, labelCol, DataFrameBlocks.Selection.ALL, task, net,
        partitions, what);
  }

  /** Evaluates on the selected rows of a DataFrame (see {@link DataFrameBlocks.Selection}). */
  public static SparkEvaluation fromDataFrame(Dataset<Row> df, String featuresCol,
      String labelCol, DataFrameBlocks.Selection rows, Task task, Network net, int partitions,
      String what) {
    checkPartitions(partitions);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
    DataFrameBlocks.Shipped shipped =
        DataFrameBlocks.forEvaluation(df, featuresCol, labelCol, rows, task, net, partitions);
    return new SparkEvaluation(jsc, net, shipped, what);
  }

  private static void checkPartitions(int partitions) {
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive: " + partitions);
    }
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public Metrics evaluate(float[] params, float[] buffers) {
    if (closed) throw new IllegalStateException("SparkEvaluation of the " + what + " is closed");
    if (params.length != net.paramCount() || buffers.length != net.bufferCount()) {
      throw new IllegalArgumentException("params/buffers do not match the network: "
          + params.length + "/" + buffers.length + " vs " + net.paramCount() + "/"
          + net.bufferCount());
    }
    if (blocks == null) return Metrics.of(0, 0, 0, metrics, new double[metrics.length]);
    Broadcast<StepWeights> w = jsc.broadcast(new StepWeights(params, buffers));
    jsc.setJobDescription("sparkmlp evaluate " + what);
    EvalSums[] parts = new EvalSums[blocks.getNumPartitions()];
    try {
      // Plain objects, not Scala lambdas: Spark's closure cleaner passes over them without
      // reading class files, as it does for the steps' jobs (StepTasks).
      jsc.sc().runJob(blocks.rdd(), new EvalOp(runId, netBroadcast, w, metrics),
          new StepTasks.Collect<>(parts), SUMS);
    } catch (Exception e) {
      throw new IllegalStateException("evaluating the " + what + " failed: " + e.getMessage(), e);
    } finally {
      jsc.setJobDescription(null);
      Release.broadcast(w);
    }
    EvalSums total = new EvalSums(metrics.length);
    for (EvalSums s : parts) total.add(s);
    return Metrics.of(total.loss, total.correct, total.count, metrics, total.extras);
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    if (blocks != null) {
      Release.rdd(blocks);
      Release.broadcast(netBroadcast);
    }
    ExecutorCache.forget(runId);
  }

  private static final ClassTag<EvalSums> SUMS = ClassTag$.MODULE$.apply(EvalSums.class);

  /** One partition's inference sums. */
  static final class EvalOp
      extends AbstractFunction2<TaskContext, scala.collection.Iterator<ShardBlock>, EvalSums>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long runId;
    private final Broadcast<Network> net;
    private final Broadcast<StepWeights> weights;
    private final OutputMetric[] metrics;

    EvalOp(long runId, Broadcast<Network> net, Broadcast<StepWeights> weights,
        OutputMetric[] metrics) {
      this.runId = runId;
      this.net = net;
      this.weights = weights;
      this.metrics = metrics;
    }

    @Override
    public EvalSums apply(TaskContext task, scala.collection.Iterator<ShardBlock> it) {
      ExecutorCache.Run run = ExecutorCache.run(runId, net::value);
      StepWeights w = weights.value();
      EvalSums sums = new EvalSums(metrics.length);
      double[] blockSums = new double[metrics.length];
      Workspace ws = run.acquire(CHUNK);
      try {
        while (it.hasNext()) {
          Block b = it.next().block;
          ws.reset();
          java.util.Arrays.fill(blockSums, 0);
          run.net.evaluate(w.params, w.buffers, b, 0, b.rows, ws, metrics, blockSums);
          sums.add(new EvalSums(ws.lossSum(), ws.correct(), ws.count(), blockSums));
        }
      } finally {
        run.release(ws);
      }
      return sums;
    }
  }
}
