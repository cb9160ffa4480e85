package dev.sparkmlp.ml;

import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.optim.ScheduleSpec;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import scala.runtime.AbstractFunction1;

/**
 * The Param objects of one estimator or model, created for their owner (the parent uid Spark
 * checks) with their defaults from {@code conf/reference.conf}. Every value is validated when it
 * is set, through a setter, a ParamMap or a ParamGridBuilder: a bad value throws an
 * IllegalArgumentException whose message starts with {@code param NAME}.
 *
 * <p>Java classes cannot inherit fields from two places, so the estimators and models each hold
 * one of these and expose its members through the default methods of {@link MlpParams}.
 */
public final class MlpParamSet implements Serializable {
  private static final long serialVersionUID = 1L;

  static final List<String> ACTIVATIONS =
      List.of("relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "identity");
  static final List<String> INITS = List.of("zeros", "uniform", "xavier_normal", "xavier_uniform",
      "he_normal", "he_uniform");
  static final List<String> NORMALIZATIONS = List.of("none", "batch", "layer");

  final IntArrayParam hiddenLayers;
  final Param<String> activation;
  final DoubleParam alpha;
  final Param<String> init;
  final Param<String> optimizer;
  final DoubleParam stepSize;
  final IntParam maxIter;
  final IntParam batchSize;
  final IntParam microBatch;
  final LongParam seed;
  final DoubleParam l1;
  final DoubleParam l2;
  final DoubleParam weightDecay;
  final DoubleParam dropout;
  final Param<String> normalization;
  final DoubleParam clipNorm;
  final Param<String> lrSchedule;
  final Param<String> validationIndicatorCol;
  final IntParam patience;
  final IntParam numPartitions;
  final Param<String> checkpointDir;
  final IntParam checkpointInterval;
  final IntParam checkpointStepInterval;

  MlpParamSet(Params owner) {
    hiddenLayers = new IntArrayParam(owner, "hiddenLayers", "widths of the hidden layers, input"
        + " side first; the input width comes from the features vector, the output width from the"
        + " number of classes (1 for regression) (model.layers)",
        check("hiddenLayers", "must list positive widths", (int[] v) -> positive(v)));
    activation = new Param<>(owner, "activation", "hidden activation: "
        + String.join(", ", ACTIVATIONS) + " (model.activation)",
        check("activation", "must be one of " + String.join(", ", ACTIVATIONS),
            (String v) -> hiddenActivation(v)));
    alpha = new DoubleParam(owner, "alpha", "negative slope of leaky_relu, or the alpha of elu"
        + " (model.alpha)", check("alpha", "must be finite", (Object v) -> finite(v)));
    init = new Param<>(owner, "init", "weight initialiser: " + String.join(", ", INITS)
        + " (model.init)",
        check("init", "must be one of " + String.join(", ", INITS), (String v) -> initialiser(v)));
    optimizer = new Param<>(owner, "optimizer", "optimizer: "
        + String.join(", ", OptimizerSpec.NAMES) + " (train.optimizer.name)",
        check("optimizer", "must be one of " + String.join(", ", OptimizerSpec.NAMES),
            (String v) -> v != null && OptimizerSpec.NAMES.contains(v)));
    stepSize = new DoubleParam(owner, "stepSize", "learning rate, the base of lrSchedule"
        + " (train.optimizer.lr)",
        check("stepSize", "must be positive and finite", (Object v) -> positiveFinite(v)));
    maxIter = new IntParam(owner, "maxIter", "epochs: passes over the training rows"
        + " (train.epochs)", check("maxIter", "must be positive", (Object v) -> (Integer) v > 0));
    batchSize = new IntParam(owner, "batchSize", "global mini-batch size, split over the"
        + " partitions (train.batch-size)",
        check("batchSize", "must be positive", (Object v) -> (Integer) v > 0));
    microBatch = new IntParam(owner, "microBatch", "each partition adds up its rows of a step"
        + " this many at a time, so that executor memory is bounded by the micro-batch rather"
        + " than the batch; the same rows and dropout masks, the sum equal up to float rounding;"
        + " not with batch normalization when it would split a partition's rows of a step;"
        + " 0 = off (train.micro-batch)",
        check("microBatch", "must be >= 0", (Object v) -> (Integer) v >= 0));
    seed = new LongParam(owner, "seed", "fixes the initialisation, the partition layout, the"
        + " shuffling and the dropout masks (train.seed)",
        check("seed", "must be a long", (Object v) -> v instanceof Long));
    l1 = new DoubleParam(owner, "l1", "L1 penalty (l1/n) sum |w| on the weights, n the"
        + " mini-batch size (train.l1)",
        check("l1", "must be >= 0 and finite", (Object v) -> nonNegativeFinite(v)));
    l2 = new DoubleParam(owner, "l2", "L2 penalty (l2/(2n)) sum w^2 on the weights, n the"
        + " mini-batch size (train.l2)",
        check("l2", "must be >= 0 and finite", (Object v) -> nonNegativeFinite(v)));
    weightDecay = new DoubleParam(owner, "weightDecay", "weight decay of the adamw, lamb and lars"
        + " optimizers on the weight matrices (adamw: w -= stepSize * weightDecay * w); other"
        + " optimizers ignore it"
        + " (train.optimizer.weight-decay)",
        check("weightDecay", "must be >= 0 and finite", (Object v) -> nonNegativeFinite(v)));
    dropout = new DoubleParam(owner, "dropout", "inverted dropout rate after each hidden"
        + " activation, in [0, 1) (model.dropout)",
        check("dropout", "must be in [0, 1)", (Object v) -> (Double) v >= 0 && (Double) v < 1));
    normalization = new Param<>(owner, "normalization", "normalization after each hidden Dense"
        + " layer: none, batch or layer (model.batch-norm, model.layer-norm)",
        check("normalization", "must be one of none, batch, layer",
            (String v) -> NORMALIZATIONS.contains(v)));
    clipNorm = new DoubleParam(owner, "clipNorm", "clip the gradient to this global L2 norm;"
        + " 0 = off (train.clip-norm)",
        check("clipNorm", "must be >= 0 and finite", (Object v) -> nonNegativeFinite(v)));
    lrSchedule = new Param<>(owner, "lrSchedule", "learning-rate schedule: "
        + String.join(", ", ScheduleSpec.KINDS) + " (train.schedule.kind)",
        check("lrSchedule", "must be one of " + String.join(", ", ScheduleSpec.KINDS),
            (String v) -> v != null && ScheduleSpec.KINDS.contains(v)));
    validationIndicatorCol = new Param<>(owner, "validationIndicatorCol", "name of a boolean"
        + " column: true marks a validation row, false a training row; unset = no validation",
        check("validationIndicatorCol", "must be a non-empty column name",
            (String v) -> v != null && !v.isEmpty()));
    patience = new IntParam(owner, "patience", "early stopping after this many epochs without a"
        + " lower validation loss, restoring the best weights; 0 = off; needs"
        + " validationIndicatorCol (train.early-stopping.patience)",
        check("patience", "must be >= 0", (Object v) -> (Integer) v >= 0));
    numPartitions = new IntParam(owner, "numPartitions", "partitions the training rows are"
        + " spread over, one gradient task each per step; 0 = Spark's default parallelism"
        + " (train.partitions)",
        check("numPartitions", "must be >= 0", (Object v) -> (Integer) v >= 0));
    checkpointDir = new Param<>(owner, "checkpointDir", "directory (any Hadoop path) for"
        + " training checkpoints; empty = none",
        check("checkpointDir", "must not be null", (String v) -> v != null));
    checkpointInterval = new IntParam(owner, "checkpointInterval", "write a checkpoint to"
        + " checkpointDir every this many epochs; 0 = never (train.checkpoint-every)",
        check("checkpointInterval", "must be >= 0", (Object v) -> (Integer) v >= 0));
    checkpointStepInterval = new IntParam(owner, "checkpointStepInterval", "write a checkpoint"
        + " to checkpointDir every this many optimizer steps, mid-epoch included; a later fit"
        + " resumes it bitwise; 0 = never (train.checkpoint-every-steps)",
        check("checkpointStepInterval", "must be >= 0", (Object v) -> (Integer) v >= 0));

    owner.setDefault(hiddenLayers, Defaults.hiddenLayers());
    owner.setDefault(activation, Defaults.str("model.activation"));
    owner.setDefault(alpha, Defaults.dbl("model.alpha"));
    owner.setDefault(init, Defaults.str("model.init"));
    owner.setDefault(optimizer, Defaults.str("train.optimizer.name"));
    owner.setDefault(stepSize, Defaults.dbl("train.optimizer.lr"));
    owner.setDefault(maxIter, Defaults.integer("train.epochs"));
    owner.setDefault(batchSize, Defaults.integer("train.batch-size"));
    owner.setDefault(microBatch, Defaults.integer("train.micro-batch"));
    owner.setDefault(seed, Defaults.lng("train.seed"));
    owner.setDefault(l1, Defaults.dbl("train.l1"));
    owner.setDefault(l2, Defaults.dbl("train.l2"));
    owner.setDefault(weightDecay, Defaults.dbl("train.optimizer.weight-decay"));
    owner.setDefault(dropout, Defaults.dbl("model.dropout"));
    owner.setDefault(normalization, Defaults.normalization());
    owner.setDefault(clipNorm, Defaults.dbl("train.clip-norm"));
    owner.setDefault(lrSchedule, Defaults.str("train.schedule.kind"));
    owner.setDefault(patience, Defaults.integer("train.early-stopping.patience"));
    owner.setDefault(numPartitions, Defaults.integer("train.partitions"));
    owner.setDefault(checkpointDir, "");
    owner.setDefault(checkpointInterval, Defaults.integer("train.checkpoint-every"));
    owner.setDefault(checkpointStepInterval, Defaults.integer("train.checkpoint-every-steps"));
  }

  /** A validity test that can travel with its param. */
  @FunctionalInterface
  interface Test<T> extends Serializable {
    boolean ok(T value);
  }

  /**
   * A Spark param validator that, instead of returning false (Spark's message would not say what
   * is valid), throws an IllegalArgumentException: "param NAME REQUIREMENT, not VALUE".
   */
  static <T> AbstractFunction1<T, Object> check(String name, String requirement, Test<T> test) {
    return new Check<>(name, requirement, test);
  }

  private static final class Check<T> extends AbstractFunction1<T, Object>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String requirement;
    private final Test<T> test;

    Check(String name, String requirement, Test<T> test) {
      this.name = name;
      this.requirement = requirement;
      this.test = test;
    }

    @Override
    public Object apply(T value) {
      boolean ok;
      try {
        ok = value != null && test.ok(value);
      } catch (ClassCastException e) {
        ok = false;
      }
      if (!ok) {
        throw new IllegalArgumentException("param " + name + " " + requirement + ", not "
            + show(value));
      }
      return Boolean.TRUE;
    }
  }

  static String show(Object v) {
    if (v instanceof int[] a) return Arrays.toString(a);
    if (v instanceof String s) return "'" + s + "'";
    return String.valueOf(v);
  }

  private static boolean positive(int[] widths) {
    for (int w : widths) if (w <= 0) return false;
    return true;
  }

  private static boolean finite(Object v) {
    return Double.isFinite((Double) v);
  }

  private static boolean positiveFinite(Object v) {
    double d = (Double) v;
    return d > 0 && Double.isFinite(d) && (float) d > 0 && Float.isFinite((float) d);
  }

  private static boolean nonNegativeFinite(Object v) {
    double d = (Double) v;
    return d >= 0 && Double.isFinite(d);
  }

  /** Only the canonical lower-case names, so that a saved value reads the same everywhere. */
  private static boolean hiddenActivation(String v) {
    if (v == null || !ACTIVATIONS.contains(v)) return false;
    return Activation.parse(v) != Activation.SOFTMAX;
  }

  private static boolean initialiser(String v) {
    if (v == null || !INITS.contains(v)) return false;
    return Init.parse(v).name().toLowerCase(Locale.ROOT).equals(v);
  }
}
