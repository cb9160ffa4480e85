package dev.sparkmlp.train;

import java.util.List;

/**
 * @param bestEpoch the epoch with the best monitored validation value (1-based; 0 when early
 *     stopping was off)
 * @param samplesPerSecond training rows per second of step time, evaluation excluded
 * @param targetEpoch the first epoch (1-based) that reached the target of
 *     {@link TrainConfig#stopAt()}; 0 when there was none or no epoch reached it
 */
public record TrainResult(List<EpochMetrics> history, boolean stoppedEarly, int bestEpoch, double seconds,
    double samplesPerSecond, int targetEpoch) {

  public TrainResult {
    history = List.copyOf(history);
    if (targetEpoch < 0 || targetEpoch > history.size()) {
      throw new IllegalArgumentException(
          "target epoch " + targetEpoch + " is not in 0.." + history.size());
    }
  }

  /** Without a target. */
  public TrainResult(List<EpochMetrics> history, boolean stoppedEarly, int bestEpoch,
      double seconds, double samplesPerSecond) {
    this(history, stoppedEarly, bestEpoch, seconds, samplesPerSecond, 0);
  }

  public EpochMetrics last() {
    return history.isEmpty() ? null : history.get(history.size() - 1);
  }

  public boolean reachedTarget() {
    return targetEpoch > 0;
  }

  /** The global step count at the end of the target epoch; -1 when not reached. */
  public long stepsToTarget() {
    return reachedTarget() ? history.get(targetEpoch - 1).step() : -1;
  }

  /**
   * The training time to the target: the sum of {@link EpochMetrics#seconds()} (steps and
   * evaluation) over epochs 1 to targetEpoch, resumed epochs included; NaN when not reached. Set-up
   * (data loading, starting Spark) and the listeners' work (files, checkpoints) are not in it.
   */
  public double secondsToTarget() {
    if (!reachedTarget()) return Double.NaN;
    double s = 0;
    for (int i = 0; i < targetEpoch; i++) s += history.get(i).seconds();
    return s;
  }
}
