package dev.sparkmlp.ml;

import dev.sparkmlp.train.EpochMetrics;
import dev.sparkmlp.train.TrainResult;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What a fit did, epoch by epoch: training loss and accuracy, validation loss and accuracy (NaN
 * without validation rows), samples per second. Only a model fresh from {@code fit} has one; a
 * loaded model does not (as with MLlib's models).
 */
public final class MlpTrainingSummary {
  private final TrainResult result;

  MlpTrainingSummary(TrainResult result) {
    this.result = result;
  }

  /** One entry per epoch trained, in order. */
  public List<EpochMetrics> history() {
    return result.history();
  }

  /**
   * The training objective per epoch: the mean loss over the epoch's mini-batches, regularization
   * included (as MLlib's MultilayerPerceptronClassifier summary reports its objective).
   */
  public double[] objectiveHistory() {
    return column(EpochMetrics::trainLoss);
  }

  /** Training accuracy per epoch, the running mean over its mini-batches (NaN for regression). */
  public double[] accuracyHistory() {
    return column(m -> m.train().accuracy());
  }

  /** Validation loss per epoch; NaN without validation rows. */
  public double[] validationLossHistory() {
    return column(m -> m.validation() == null ? Double.NaN : m.validation().loss());
  }

  /** Validation accuracy per epoch; NaN without validation rows or for regression. */
  public double[] validationAccuracyHistory() {
    return column(m -> m.validation() == null ? Double.NaN : m.validation().accuracy());
  }

  /** Training rows per second of step time, per epoch. */
  public double[] samplesPerSecondHistory() {
    return column(EpochMetrics::samplesPerSecond);
  }

  /** Epochs trained (fewer than maxIter after early stopping). */
  public int totalIterations() {
    return result.history().size();
  }

  public boolean stoppedEarly() {
    return result.stoppedEarly();
  }

  /** With early stopping, the epoch whose weights the model holds (1-based); else 0. */
  public int bestEpoch() {
    return result.bestEpoch();
  }

  /** Wall time of the training loop, seconds. */
  public double seconds() {
    return result.seconds();
  }

  /** Training rows per second over all epochs, evaluation excluded. */
  public double samplesPerSecond() {
    return result.samplesPerSecond();
  }

  private double[] column(ToDoubleFunction<EpochMetrics> f) {
    return result.history().stream().mapToDouble(f).toArray();
  }
}
