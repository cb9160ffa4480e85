package dev.sparkmlp.train;

import java.util.List;

/**
 * @param bestEpoch the epoch with the best monitored validation value (1-based; 0 when early
 *     stopping was off)
 * @param samplesPerSecond training rows per second of step time, evaluation excluded
 */
public record TrainResult(List<EpochMetrics> history, boolean stoppedEarly, int bestEpoch, double seconds,
    double samplesPerSecond) {
  public EpochMetrics last() {
    return history.isEmpty() ? null : history.get(history.size() - 1);
  }
}
