package dev.sparkmlp.ml;

import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.optim.LrScaling;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.optim.Regularization;
import dev.sparkmlp.optim.ScheduleSpec;
import dev.sparkmlp.spark.DataFrameBlocks;
import dev.sparkmlp.spark.SparkEvaluation;
import dev.sparkmlp.spark.SparkGradients;
import dev.sparkmlp.train.Checkpointer;
import dev.sparkmlp.train.StopAt;
import dev.sparkmlp.train.TrainConfig;
import dev.sparkmlp.train.TrainResult;
import dev.sparkmlp.train.Trainer;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;

/**
 * One fit of {@link MlpClassifier} or {@link MlpRegressor}: the Spark engine of the CLI, fed from
 * a DataFrame instead of files. The rows are checked and cached as partition blocks on the
 * executors ({@link SparkGradients#fromDataFrame}); only one aggregate row (row count, largest
 * label) and at most one features vector (when the column has no size metadata) reach the driver.
 *
 * <pre>
 * network:   inputs = width of featuresCol, outputs = classes (softmax + CCE) or 1 (identity + MSE),
 *            hidden = hiddenLayers, as NetworkSpec.mlp builds it for the CLI
 * training:  Trainer.fit(SparkGradients, SparkEvaluation of the validation rows or null)
 *            with the TrainConfig the CLI builds from the same values
 * </pre>
 *
 * With the same rows in the same order, the same seed, partition count and settings, the weights
 * are bitwise those of {@code sparkmlp train --engine spark}.
 */
final class MlpTraining {
  /** Classes beyond this are refused: the label is then more likely an id than a class. */
  static final int MAX_CLASSES = 100_000;

  private MlpTraining() {}

  /** What a fit produces. {@code classes} is 0 for regression. */
  record Fitted(NetworkSpec spec, float[] params, float[] buffers, int classes,
      TrainResult result) {}

  /**
   * Fits. The preparation reads the input several times (statistics, row numbering, count,
   * conversion); as MLlib's algorithms do, an input that is not cached is persisted
   * (MEMORY_AND_DISK) for that and released once the partition blocks are cached.
   */
  static Fitted fit(MlpParams p, Dataset<?> dataset, String featuresCol, String labelCol,
      Task task) {
    Dataset<Row> all = dataset.toDF();
    SparkSession spark = all.sparkSession();
    Fs.setConfiguration(spark.sparkContext().hadoopConfiguration());
    DataFrameBlocks.checkSchema(all.schema(), featuresCol, labelCol);
    String indicator = p.getValidationIndicatorCol();
    checkParams(p, indicator);
    Dataset<Row> df = indicator == null
        ? all.select(quoted(featuresCol), quoted(labelCol))
        : all.select(quoted(featuresCol), quoted(labelCol), quoted(indicator));
    boolean persist = dataset.storageLevel().equals(StorageLevel.NONE());
    if (persist) df = df.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return fit(p, df, spark, featuresCol, labelCol, indicator, task, persist);
    } finally {
      if (persist) df.unpersist(false);
    }
  }

  private static Fitted fit(MlpParams p, Dataset<Row> df, SparkSession spark, String featuresCol,
      String labelCol, String indicator, Task task, boolean persisted) {
    DataFrameBlocks.Selection trainRows = indicator == null
        ? DataFrameBlocks.Selection.ALL : DataFrameBlocks.Selection.where(indicator, false);

    spark.sparkContext().setJobDescription("sparkmlp: counting rows and labels");
    Stats stats;
    int inputs;
    try {
      stats = stats(df, labelCol, indicator);
      inputs = featureWidth(df, featuresCol);
    } finally {
      spark.sparkContext().setJobDescription(null);
    }
    int outputs = task == Task.CLASSIFICATION ? classes(df.schema().apply(labelCol), labelCol,
        stats) : 1;
    NetworkSpec spec = spec(p, inputs, outputs, task);
    Network net = Network.build(spec);

    int partitions = p.getNumPartitions() > 0
        ? p.getNumPartitions() : spark.sparkContext().defaultParallelism();
    int treeDepth = spark.sparkContext().getConf()
        .getInt("spark.sparkmlp.treeDepth", SparkGradients.AUTO_TREE_DEPTH);
    long seed = p.getSeed();
    int epochs = p.getMaxIter();
    int batch = p.getBatchSize();
    if (stats.trainRows < partitions) {
      throw new IllegalArgumentException("param numPartitions: " + partitions + " partitions for "
          + stats.trainRows + " training rows; use at most " + stats.trainRows);
    }
    SparkGradients source = null;
    SparkEvaluation validation = null;
    try {
      spark.sparkContext().setJobDescription("sparkmlp: checking and caching the training rows");
      source = SparkGradients.fromDataFrame(df, featuresCol, labelCol, trainRows, task, net,
          batch, partitions, seed, epochs, treeDepth, p.getMicroBatch());
      if (indicator != null) {
        spark.sparkContext().setJobDescription(
            "sparkmlp: checking and caching the validation rows");
        validation = SparkEvaluation.fromDataFrame(df, featuresCol, labelCol,
            DataFrameBlocks.Selection.where(indicator, true), task, net, partitions,
            "validation rows");
      }
      spark.sparkContext().setJobDescription(null);
      // The blocks are cached now: the rows are no longer needed.
      if (persisted) df.unpersist(false);
      TrainConfig cfg = config(p, source.stepsPerEpoch());
      float[] params = new float[net.paramCount()];
      float[] buffers = new float[net.bufferCount()];
      net.initialize(params, buffers, seed);
      Trainer trainer = new Trainer(net, cfg, params, buffers);
      Trainer.Listener checkpoints = checkpoints(p, net, trainer, spec, outputs, task, stats,
          partitions);
      TrainResult result = trainer.fit(source, validation, null, checkpoints);
      return new Fitted(spec, params, buffers, task == Task.CLASSIFICATION ? outputs : 0, result);
    } finally {
      spark.sparkContext().setJobDescription(null);
      if (validation != null) validation.close();
      if (source != null) source.close();
    }
  }

  /** Checks between params, before any job runs. */
  static void checkParams(MlpParams p, String indicator) {
    if (p.getPatience() > 0 && indicator == null) {
      throw new IllegalArgumentException("param patience: early stopping (patience "
          + p.getPatience() + ") needs validation rows: set validationIndicatorCol");
    }
    if (p.getCheckpointInterval() > 0 && p.getCheckpointDir().isEmpty()) {
      throw new IllegalArgumentException("param checkpointDir: checkpointInterval is "
          + p.getCheckpointInterval() + " but checkpointDir is empty");
    }
    if (p.getCheckpointStepInterval() > 0 && p.getCheckpointDir().isEmpty()) {
      throw new IllegalArgumentException("param checkpointDir: checkpointStepInterval is "
          + p.getCheckpointStepInterval() + " but checkpointDir is empty");
    }
  }

  /** Training rows, validation rows and the largest finite label, from one aggregation. */
  record Stats(long trainRows, long validationRows, Double maxLabel) {}

  private static Stats stats(Dataset<Row> df, String labelCol, String indicator) {
    Column label = quoted(labelCol).cast("double");
    Column finite = functions.when(functions.not(functions.isnan(label)), label);
    Column isTrain = indicator == null ? functions.lit(true)
        : functions.coalesce(functions.not(quoted(indicator)), functions.lit(true));
    Row r = df.agg(
        functions.sum(functions.when(isTrain, 1L).otherwise(0L)),
        functions.count(functions.lit(1)),
        functions.max(finite)).first();
    long train = r.isNullAt(0) ? 0 : r.getLong(0);
    long all = r.getLong(1);
    Double max = r.isNullAt(2) ? null : r.getDouble(2);
    if (all == 0) throw new DataException(DataFrameBlocks.SOURCE, null, "no data rows");
    if (train == 0) {
      throw new DataException(DataFrameBlocks.SOURCE, "column '" + indicator + "'",
          "every row is a validation row; no training rows are left");
    }
    if (indicator != null && train == all) {
      throw new DataException(DataFrameBlocks.SOURCE, "column '" + indicator + "'",
          "no row is a validation row (validationIndicatorCol is set)");
    }
    return new Stats(train, all - train, max);
  }

  /**
   * The width of the features vectors: from the column's ML attribute metadata when it has a
   * size (VectorAssembler and StandardScaler write it), else from the first non-null vector.
   * Every row is checked against it while the blocks are built.
   */
  static int featureWidth(Dataset<Row> df, String featuresCol) {
    StructField field = df.schema().apply(featuresCol);
    int size = AttributeGroup.fromStructField(field).size();
    if (size > 0) return size;
    List<Row> first = df.select(quoted(featuresCol)).where(quoted(featuresCol).isNotNull())
        .takeAsList(1);
    if (first.isEmpty()) {
      throw new DataException(DataFrameBlocks.SOURCE, "column '" + featuresCol + "'",
          "every features vector is null");
    }
    int width = ((Vector) first.get(0).get(0)).size();
    if (width == 0) {
      throw new DataException(DataFrameBlocks.SOURCE, "column '" + featuresCol + "'",
          "the features vectors are empty");
    }
    return width;
  }

  /**
   * Classes: the number of values of a nominal label attribute (StringIndexer writes one), else
   * the largest label + 1. Rows with labels outside [0, classes) are reported, by row, when the
   * blocks are built.
   */
  static int classes(StructField label, String labelCol, Stats stats) {
    Attribute a = Attribute.fromStructField(label);
    if (a instanceof NominalAttribute n && n.getNumValues().isDefined()) {
      int k = (Integer) n.getNumValues().get();
      if (k >= 2) return k;
    }
    if (stats.maxLabel() == null) return 2;
    double max = stats.maxLabel();
    if (max + 1 > MAX_CLASSES) {
      throw new DataException(DataFrameBlocks.SOURCE, "column '" + labelCol + "'", "the largest"
          + " label is " + max + "; labels must be class indices 0, 1, ..., K - 1 with K <= "
          + MAX_CLASSES);
    }
    int k = (int) Math.floor(max) + 1;
    if (k < 2) {
      throw new DataException(DataFrameBlocks.SOURCE, "column '" + labelCol + "'", "the largest"
          + " label is " + max + "; a classifier needs at least two classes, 0 and 1");
    }
    return k;
  }

  /** The network, as the CLI's Settings.network builds it from the same values. */
  static NetworkSpec spec(MlpParams p, int inputs, int outputs, Task task) {
    String norm = p.getNormalization();
    boolean classification = task == Task.CLASSIFICATION;
    NetworkSpec spec = NetworkSpec.mlp(inputs, p.getHiddenLayers(), outputs,
        Activation.parse(p.getActivation()), (float) p.getAlpha(), Init.parse(p.getInit()),
        classification ? Activation.SOFTMAX : Activation.IDENTITY,
        classification ? Loss.CCE : Loss.MSE, (float) p.getDropout(), norm.equals("batch"),
        norm.equals("layer"));
    return spec.withBatchNormMomentum((float) Defaults.dbl("model.batch-norm-momentum"));
  }

  /**
   * The training configuration, as the CLI's Settings.train builds it: the params where there is
   * one, reference.conf for the rest (optimizer constants, schedule shape, early-stopping monitor).
   */
  static TrainConfig config(MlpParams p, int stepsPerEpoch) {
    String name = p.getOptimizer();
    OptimizerSpec base = OptimizerSpec.defaults(name);
    OptimizerSpec opt = new OptimizerSpec(base.name(), Defaults.dbl("train.optimizer.beta1"),
        Defaults.dbl("train.optimizer.beta2"), Defaults.dbl("train.optimizer.eps"),
        Defaults.dbl("train.optimizer.momentum"), Defaults.dbl("train.optimizer.rho"),
        Defaults.bool("train.optimizer.bias-correction"),
        OptimizerSpec.WEIGHT_DECAY_NAMES.contains(base.name()) ? p.getWeightDecay() : 0,
        Defaults.dbl("train.optimizer.trust-coefficient"));
    int epochs = p.getMaxIter();
    ScheduleSpec schedule = new ScheduleSpec(p.getLrSchedule(), (float) p.getStepSize(),
        Defaults.lng("train.schedule.warmup-steps"), Defaults.integer("train.schedule.step-epochs"),
        (float) Defaults.dbl("train.schedule.gamma"), (float) Defaults.dbl("train.schedule.min-lr"),
        (long) epochs * stepsPerEpoch);
    schedule = new LrScaling(Defaults.str("train.schedule.scaling"),
        Defaults.integer("train.schedule.base-batch-size")).apply(schedule, p.getBatchSize());
    Regularization reg = new Regularization((float) p.getL1(), (float) p.getL2(),
        Defaults.str("train.regularization-n").equals("dataset"));
    return new TrainConfig(epochs, p.getBatchSize(), p.getSeed(), opt, schedule, reg,
        p.getClipNorm(), p.getPatience(), Defaults.str("train.early-stopping.monitor"),
        Defaults.dbl("train.early-stopping.min-delta"),
        Defaults.bool("train.early-stopping.restore-best"),
        new StopAt(Defaults.str("train.stop-at.metric"), Defaults.dbl("train.stop-at.value")));
  }

  /**
   * With checkpointInterval or checkpointStepInterval > 0: resumes from the checkpoint in
   * checkpointDir when there is one (mid-epoch included, bitwise), and returns the listener that
   * writes one every checkpointInterval epochs, every checkpointStepInterval steps and after the
   * last epoch.
   * A checkpoint is taken only if it was written by a fit with the same params (maxIter and the
   * checkpoint params aside, so that a longer fit can continue a shorter one) on as many rows and
   * partitions; a checkpoint of any other fit (another grid point or fold of a CrossValidator
   * sharing the directory, say) is an error, never silently resumed.
   */
  private static Trainer.Listener checkpoints(MlpParams p, Network net, Trainer trainer,
      NetworkSpec spec, int outputs, Task task, Stats stats, int partitions) {
    int every = p.getCheckpointInterval();
    int everySteps = p.getCheckpointStepInterval();
    if (every <= 0 && everySteps <= 0) return null;
    String dir = p.getCheckpointDir();
    String fit = fingerprint(p, stats, partitions);
    if (Checkpointer.exists(dir)) {
      try {
        Checkpointer.resume(dir, net, p.getSeed(), fit, trainer);
      } catch (dev.sparkmlp.io.ModelFormatException e) {
        throw new IllegalArgumentException("param checkpointDir: " + e.getMessage(), e);
      }
    }
    boolean classification = task == Task.CLASSIFICATION;
    SavedModel model = new SavedModel(spec, new float[net.paramCount()],
        new float[net.bufferCount()], null,
        classification ? SavedModel.CLASSIFICATION : SavedModel.REGRESSION,
        classification ? outputs : 0, Map.of("estimator", p.getClass().getSimpleName()));
    return new Checkpointer(dir, every, everySteps, model, p.getSeed(), fit);
  }

  /**
   * What identifies a fit for its checkpoints: one "name = value" line per param in name order,
   * without maxIter and the checkpoint params, then the row and partition counts.
   */
  static String fingerprint(MlpParams p, Stats stats, int partitions) {
    java.util.TreeMap<String, String> lines = new java.util.TreeMap<>();
    for (org.apache.spark.ml.param.Param<?> param : p.params()) {
      String name = param.name();
      if (name.equals("maxIter") || name.startsWith("checkpoint") || !p.isDefined(param)) continue;
      Object v = p.getOrDefault(param);
      lines.put(name, v instanceof int[] a ? java.util.Arrays.toString(a) : String.valueOf(v));
    }
    StringBuilder sb = new StringBuilder();
    lines.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
    sb.append("training rows = ").append(stats.trainRows()).append('\n');
    sb.append("validation rows = ").append(stats.validationRows()).append('\n');
    sb.append("partitions = ").append(partitions).append('\n');
    return sb.toString();
  }

  /** A column by its exact name: dots and spaces in it are not parsed. */
  static Column quoted(String name) {
    return functions.col("`" + name.replace("`", "``") + "`");
  }
}
