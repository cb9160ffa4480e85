package dev.sparkmlp.ml;

/**
 * The setters of {@link MlpParams}, for the estimators; each returns the estimator itself. A bad
 * value throws an IllegalArgumentException naming the param.
 *
 * @param <T> the estimator class
 */
public interface MlpSetters<T extends MlpSetters<T>> extends MlpParams {
  @SuppressWarnings("unchecked")
  private T self() {
    return (T) this;
  }

  /** Hidden widths, input side first; none = a linear model. */
  default T setHiddenLayers(int... widths) {
    set(hiddenLayers(), widths.clone());
    return self();
  }

  default T setActivation(String value) {
    set(activation(), value);
    return self();
  }

  default T setAlpha(double value) {
    set(alpha(), value);
    return self();
  }

  default T setInit(String value) {
    set(init(), value);
    return self();
  }

  default T setOptimizer(String value) {
    set(optimizer(), value);
    return self();
  }

  /** The learning rate. */
  default T setStepSize(double value) {
    set(stepSize(), value);
    return self();
  }

  /** Epochs. */
  default T setMaxIter(int value) {
    set(maxIter(), value);
    return self();
  }

  default T setBatchSize(int value) {
    set(batchSize(), value);
    return self();
  }

  default T setMicroBatch(int value) {
    set(microBatch(), value);
    return self();
  }

  default T setSeed(long value) {
    set(seed(), value);
    return self();
  }

  default T setL1(double value) {
    set(l1(), value);
    return self();
  }

  default T setL2(double value) {
    set(l2(), value);
    return self();
  }

  default T setWeightDecay(double value) {
    set(weightDecay(), value);
    return self();
  }

  default T setDropout(double value) {
    set(dropout(), value);
    return self();
  }

  default T setNormalization(String value) {
    set(normalization(), value);
    return self();
  }

  default T setClipNorm(double value) {
    set(clipNorm(), value);
    return self();
  }

  default T setLrSchedule(String value) {
    set(lrSchedule(), value);
    return self();
  }

  default T setValidationIndicatorCol(String value) {
    set(validationIndicatorCol(), value);
    return self();
  }

  default T setPatience(int value) {
    set(patience(), value);
    return self();
  }

  default T setNumPartitions(int value) {
    set(numPartitions(), value);
    return self();
  }

  default T setCheckpointDir(String value) {
    set(checkpointDir(), value);
    return self();
  }

  default T setCheckpointInterval(int value) {
    set(checkpointInterval(), value);
    return self();
  }

  default T setCheckpointStepInterval(int value) {
    set(checkpointStepInterval(), value);
    return self();
  }
}
