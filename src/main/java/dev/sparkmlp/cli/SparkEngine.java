package dev.sparkmlp.cli;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.ml.Logs;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.spark.ClusterWatch;
import dev.sparkmlp.spark.FileData;
import dev.sparkmlp.spark.JobWarmup;
import dev.sparkmlp.spark.SparkEvaluation;
import dev.sparkmlp.spark.SparkGradients;
import dev.sparkmlp.spark.SparkMaster;
import dev.sparkmlp.spark.SparkMlpKryoRegistrator;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark cluster, or local[n], as the engine: {@link SparkGradients} and {@link SparkEvaluation}
 * on one SparkSession. csv, libsvm, parquet and orc data are read by the executors
 * ({@link FileData}), and so is idx on a cluster whose executors see the files; otherwise idx and
 * cifar are read on the driver and shipped to the executors once.
 *
 * <p>Session settings: the master comes from {@code train.master} unless {@code spark.master} is
 * already set (spark-submit sets it as a system property, and it wins); the app name is
 * "sparkmlp"; Kryo with {@link SparkMlpKryoRegistrator}; no web UI for local masters; task
 * results up to the RPC message limit sent directly ({@code spark.task.maxDirectResultSize});
 * logs at WARN. A session that already exists (a notebook, spark-shell) is used as it is and
 * left running.
 * Partitions: {@code train.partitions}, or when 0 Spark's default parallelism (the executor cores).
 *
 * <p>Spark properties read here, settable with {@code --conf} or {@code -D}:
 * {@code spark.sparkmlp.treeDepth} (where the fixed sum tree's first level is added: 1 on the
 * driver, 2 on executors; default 0: 1 up to 32 partitions, else 2; the sums are bitwise the same
 * either way, see SparkGradients) and
 * {@code spark.sparkmlp.idxOnExecutors} (false: idx files are read on the driver and shipped even
 * when a cluster's executors could read them; default true) and
 * {@code spark.sparkmlp.executorWaitSeconds} (how long to wait for the first executor of a
 * cluster, and later how long the application may have none, default 60) and
 * {@code spark.sparkmlp.masterTimeoutSeconds} (how long a standalone master may be unreachable,
 * default 60). Past either bound the {@link ClusterWatch} cancels the step and training stops
 * with a one-line {@link dev.sparkmlp.spark.ClusterLostException}.
 */
final class SparkEngine implements Engine {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** How long closing waits for Spark to stop after the cluster was lost. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  static final String IDX_ON_EXECUTORS = "spark.sparkmlp.idxOnExecutors";

  private final SparkSession spark;
  private final JavaSparkContext jsc;
  private final boolean ownSession;
  private final int partitions;
  private final int treeDepth;
  private final int microBatch;
  private final ClusterWatch watch;
  /** train.warm-up: Spark's job path is warmed while the driver reads the files. */
  private final boolean warmUp;
  /** spark.sparkmlp.idxOnExecutors: idx files read by a cluster's executors when they can. */
  private final boolean idxOnExecutors;
  /** On a cluster, the network whose training passes the warm-up jobs run on the executors. */
  private NetworkSpec executorWarmUp;
  private final List<AutoCloseable> open = new ArrayList<>();

  private SparkEngine(SparkSession spark, boolean ownSession, int partitions, int treeDepth,
      int microBatch, ClusterWatch watch, boolean warmUp, boolean idxOnExecutors) {
    this.spark = spark;
    this.idxOnExecutors = idxOnExecutors;
    this.warmUp = warmUp;
    this.watch = watch;
    this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.ownSession = ownSession;
    this.partitions = partitions;
    this.treeDepth = treeDepth;
    this.microBatch = microBatch;
  }

  /**
   * The master the engine starts with: {@code spark.master} when spark-submit (or a system
   * property) gives it, else {@code train.master}. Modified: conf, which gets it.
   */
  static String master(SparkConf conf, Settings s) {
    if (!conf.contains("spark.master")) conf.setMaster(s.str("train.master"));
    return conf.get("spark.master");
  }

  static SparkEngine start(Settings s) {
    Logs.quiet();
    int microBatch = s.microBatch();
    SparkConf conf = new SparkConf();
    String master = master(conf, s);
    conf.setIfMissing("spark.app.name", "sparkmlp");
    SparkMlpKryoRegistrator.configure(conf);
    if (SparkMaster.isLocal(master)) conf.setIfMissing("spark.ui.enabled", "false");
    // A task result over spark.task.maxDirectResultSize (1 MiB by default: a gradient of 262,144
    // floats) is stored in the executor's block manager, and the driver fetches it and has it
    // removed, two more round trips per task and step; up to the RPC message limit it can
    // travel in the task's status update instead.
    conf.setIfMissing("spark.task.maxDirectResultSize",
        conf.get("spark.rpc.message.maxSize", "128") + "m");
    // A step loop's barrier stage without a slot for each partition (a lost Worker) should fail
    // at once, so that the steps fall back to a job each, not after Spark's 40 checks 15 s apart.
    conf.setIfMissing(SparkGradients.BARRIER_CHECK_FAILURES, "1");
    conf.setIfMissing(SparkGradients.BARRIER_CHECK_INTERVAL, "1s");
    int treeDepth = conf.getInt("spark.sparkmlp.treeDepth", SparkGradients.AUTO_TREE_DEPTH);
    if (treeDepth < 0 || treeDepth > SparkGradients.MAX_TREE_DEPTH) {
      throw new ConfigLoader.ConfigError(
          "spark.sparkmlp.treeDepth must be 0 (automatic), 1 or 2: " + treeDepth);
    }
    Duration wait = seconds(conf, ClusterWatch.EXECUTOR_WAIT);
    Duration masterTimeout = seconds(conf, ClusterWatch.MASTER_TIMEOUT);
    try {
      SparkMaster.checkReachable(master, CONNECT_TIMEOUT);
    } catch (IllegalArgumentException e) {
      throw new ConfigLoader.ConfigError(e.getMessage() + " (train.master, --master)");
    }

    boolean existed = SparkSession.getActiveSession().isDefined()
        || SparkSession.getDefaultSession().isDefined();
    SparkSession spark;
    try {
      spark = SparkSession.builder().config(conf).getOrCreate();
    } catch (RuntimeException e) {
      throw new ConfigLoader.ConfigError(
          "cannot start Spark with master " + master + ": " + e.getMessage());
    }
    spark.sparkContext().setLogLevel("WARN");
    // The driver's own reads and writes (idx and cifar files, headers, outputs, checkpoints) use
    // Spark's Hadoop configuration, with the application's spark.hadoop.* settings (an S3
    // endpoint or credentials, say), as Spark's readers and the executors do.
    Fs.setConfiguration(spark.sparkContext().hadoopConfiguration());
    try {
      SparkMaster.awaitExecutors(spark.sparkContext(), wait);
    } catch (IllegalStateException e) {
      if (!existed) spark.stop();
      throw new ConfigLoader.ConfigError(e.getMessage());
    }
    int p = s.integer("train.partitions");
    if (p <= 0) p = spark.sparkContext().defaultParallelism();
    return new SparkEngine(spark, !existed, p, treeDepth, microBatch,
        ClusterWatch.start(spark.sparkContext(), masterTimeout, wait),
        s.config().getBoolean("train.warm-up"),
        spark.sparkContext().getConf().getBoolean(IDX_ON_EXECUTORS, true));
  }

  /** A positive number of seconds from a Spark property, 60 when unset. */
  private static Duration seconds(SparkConf conf, String key) {
    long v;
    try {
      v = conf.getLong(key, 60);
    } catch (NumberFormatException e) {
      throw new ConfigLoader.ConfigError(key + " must be a whole number of seconds: "
          + conf.get(key));
    }
    if (v <= 0) throw new ConfigLoader.ConfigError(key + " must be positive: " + v);
    return Duration.ofSeconds(v);
  }

  /**
   * On a cluster: the warm-up jobs of {@link #load} (train.warm-up) also run training passes of
   * {@code spec}'s network on the executors, a shard's share of the batch at a time, so that
   * their JIT has compiled the kernels by the first step. The driver's own warm-up
   * ({@code train.Warmup}) cannot reach them.
   */
  void warmExecutorsWith(NetworkSpec spec) {
    executorWarmUp = spec;
  }

  /**
   * csv, libsvm, parquet and orc are read by the executors ({@link FileData}); idx on a cluster
   * too when they see the files ({@link FileData#loadIdx}); otherwise idx and cifar on the driver,
   * then shipped.
   */
  @Override
  public RunData load(DataSpec spec, long seed, int batch, boolean evaluateTrain) {
    FileData data = null;
    if (spec.executorRead()) {
      data = FileData.load(spark, spec, seed, partitions, batch, evaluateTrain);
    } else if (idxOnExecutors && !jsc.isLocal() && spec.format().equals("idx")
        && spec.task() == dev.sparkmlp.data.Task.CLASSIFICATION) {
      data = FileData.loadIdx(spark, spec, seed, partitions, batch, evaluateTrain,
          warmUp ? executorWarmUp : null);
    }
    if (data == null) {
      // Spark's first jobs are its slowest: warm-up jobs run while the driver reads the files
      // (on a cluster their tasks also run training passes), so that shipping the rows and the
      // first steps find the job path and a cluster's executors warm. None starts after the read;
      // one still running holds its cores until it ends.
      try (JobWarmup w = warmUp ? JobWarmup.start(jsc, partitions, executorWarmUp,
          Math.max(1, batch / partitions)) : null) {
        return Engine.super.load(spec, seed, batch, evaluateTrain);
      }
    }
    open.add(data);
    return new ExecutorData(data);
  }

  /** Rows the executors read and cached; evaluators and the gradient source close with the engine. */
  private final class ExecutorData implements RunData {
    private final FileData data;

    ExecutorData(FileData data) {
      this.data = data;
    }

    @Override
    public int features() {
      return data.features();
    }

    @Override
    public int targetWidth() {
      return data.targetWidth();
    }

    @Override
    public boolean classification() {
      return data.classification();
    }

    @Override
    public Scaler scaler() {
      return data.scaler();
    }

    @Override
    public long trainRows() {
      return data.trainRows();
    }

    @Override
    public long validationRows() {
      return data.validationRows();
    }

    @Override
    public long testRows() {
      return data.testRows();
    }

    @Override
    public boolean readByExecutors() {
      return true;
    }

    @Override
    public GradientSource gradients(Network net, int batch, long seed, int epochs) {
      SparkGradients g = data.gradients(net, batch, seed, epochs, treeDepth, microBatch);
      open.add(0, g);
      return watch.guard(g);
    }

    @Override
    public Evaluator validation(Network net) {
      return keep(data.validation(net, List.of()), "validation set");
    }

    @Override
    public Evaluator trainEvaluation(Network net) {
      return keep(data.trainEvaluation(net, List.of()), "training set");
    }

    @Override
    public Evaluator test(Network net) {
      return keep(data.test(net, List.of()), "test set");
    }

    /** Closed with the engine, before the FileData; guarded like every evaluation. */
    private Evaluator keep(SparkEvaluation e, String what) {
      if (e == null) return null;
      open.add(0, e);
      return watch.guard(e, what);
    }

    @Override
    public void close() {
      data.close();
    }
  }

  @Override
  public GradientSource gradients(Network net, Block train, int batch, long seed, int epochs) {
    SparkGradients g =
        new SparkGradients(jsc, net, train, batch, partitions, seed, epochs, treeDepth,
            microBatch);
    open.add(g);
    return watch.guard(g);
  }

  @Override
  public Evaluator evaluator(Network net, Block data, String what,
      List<? extends OutputMetric> metrics) {
    SparkEvaluation e = new SparkEvaluation(jsc, net, data, partitions, what, metrics);
    open.add(e);
    return watch.guard(e, what);
  }

  SparkSession session() {
    return spark;
  }

  int partitions() {
    return partitions;
  }

  @Override
  public String describe() {
    return "spark " + jsc.master() + " (" + partitions + " partitions)";
  }

  @Override
  public void close() {
    watch.close();
    if (watch.lost() == null) {
      Engine.closeAll(open);
      if (ownSession) spark.stop();
      return;
    }
    // The cluster is gone: freeing the cached rows (which waits for the executors to drop them)
    // and stopping may wait on it, and must not keep the error from the user.
    Thread stop = new Thread(() -> {
      Engine.closeAll(open);
      if (ownSession) spark.stop();
    }, "sparkmlp-stop");
    stop.setDaemon(true);
    stop.start();
    try {
      stop.join(STOP_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
