package dev.sparkmlp.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params shared by {@link MlpClassifier}, {@link MlpRegressor} and their models: each a typed
 * Spark param with a getter, its default taken from {@code conf/reference.conf} (the key is named
 * in each param's doc, see {@code explainParams()}). The estimators add the setters
 * ({@link MlpSetters}). Spark finds the params by reflection on these public no-argument methods.
 */
public interface MlpParams extends Params {
  /** The Param objects of this instance; the accessors below are the API. */
  MlpParamSet mlpParamSet();

  default IntArrayParam hiddenLayers() {
    return mlpParamSet().hiddenLayers;
  }

  default Param<String> activation() {
    return mlpParamSet().activation;
  }

  default DoubleParam alpha() {
    return mlpParamSet().alpha;
  }

  default Param<String> init() {
    return mlpParamSet().init;
  }

  default Param<String> optimizer() {
    return mlpParamSet().optimizer;
  }

  default DoubleParam stepSize() {
    return mlpParamSet().stepSize;
  }

  default IntParam maxIter() {
    return mlpParamSet().maxIter;
  }

  default IntParam batchSize() {
    return mlpParamSet().batchSize;
  }

  default IntParam microBatch() {
    return mlpParamSet().microBatch;
  }

  default LongParam seed() {
    return mlpParamSet().seed;
  }

  default DoubleParam l1() {
    return mlpParamSet().l1;
  }

  default DoubleParam l2() {
    return mlpParamSet().l2;
  }

  default DoubleParam weightDecay() {
    return mlpParamSet().weightDecay;
  }

  default DoubleParam dropout() {
    return mlpParamSet().dropout;
  }

  default Param<String> normalization() {
    return mlpParamSet().normalization;
  }

  default DoubleParam clipNorm() {
    return mlpParamSet().clipNorm;
  }

  default Param<String> lrSchedule() {
    return mlpParamSet().lrSchedule;
  }

  default Param<String> validationIndicatorCol() {
    return mlpParamSet().validationIndicatorCol;
  }

  default IntParam patience() {
    return mlpParamSet().patience;
  }

  default IntParam numPartitions() {
    return mlpParamSet().numPartitions;
  }

  default Param<String> checkpointDir() {
    return mlpParamSet().checkpointDir;
  }

  default IntParam checkpointInterval() {
    return mlpParamSet().checkpointInterval;
  }

  default IntParam checkpointStepInterval() {
    return mlpParamSet().checkpointStepInterval;
  }

  default int[] getHiddenLayers() {
    return getOrDefault(hiddenLayers()).clone();
  }

  default String getActivation() {
    return getOrDefault(activation());
  }

  default double getAlpha() {
    return (Double) getOrDefault(alpha());
  }

  default String getInit() {
    return getOrDefault(init());
  }

  default String getOptimizer() {
    return getOrDefault(optimizer());
  }

  default double getStepSize() {
    return (Double) getOrDefault(stepSize());
  }

  default int getMaxIter() {
    return (Integer) getOrDefault(maxIter());
  }

  default int getBatchSize() {
    return (Integer) getOrDefault(batchSize());
  }

  default int getMicroBatch() {
    return (Integer) getOrDefault(microBatch());
  }

  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  default double getL1() {
    return (Double) getOrDefault(l1());
  }

  default double getL2() {
    return (Double) getOrDefault(l2());
  }

  default double getWeightDecay() {
    return (Double) getOrDefault(weightDecay());
  }

  default double getDropout() {
    return (Double) getOrDefault(dropout());
  }

  default String getNormalization() {
    return getOrDefault(normalization());
  }

  default double getClipNorm() {
    return (Double) getOrDefault(clipNorm());
  }

  default String getLrSchedule() {
    return getOrDefault(lrSchedule());
  }

  /** The validation indicator column, or null when unset (no validation rows). */
  default String getValidationIndicatorCol() {
    return isDefined(validationIndicatorCol()) ? getOrDefault(validationIndicatorCol()) : null;
  }

  default int getPatience() {
    return (Integer) getOrDefault(patience());
  }

  default int getNumPartitions() {
    return (Integer) getOrDefault(numPartitions());
  }

  default String getCheckpointDir() {
    return getOrDefault(checkpointDir());
  }

  default int getCheckpointInterval() {
    return (Integer) getOrDefault(checkpointInterval());
  }

  default int getCheckpointStepInterval() {
    return (Integer) getOrDefault(checkpointStepInterval());
  }
}
