package dev.sparkmlp.train;

import java.util.List;
import java.util.Objects;

/**
 * A target that ends training: after each epoch the trainer reads {@code metric} from that
 * epoch's metrics, and the first epoch where it reaches {@code value} is the last. Accuracies
 * reach the target from below (at or above it), losses from above (at or below it).
 *
 * <pre>
 *   val_acc     validation accuracy, a fraction (0.97 = 97%)     reached when &gt;= value
 *   val_loss    validation loss                                   reached when &lt;= value
 *   train_acc   the epoch's training accuracy (see EpochMetrics)  reached when &gt;= value
 *   train_loss  the epoch's training cost, regularization in it   reached when &lt;= value
 * </pre>
 *
 * The training metrics are those the epoch reports: the running mean over its mini-batches, or a
 * full pass when the trainer has a training-set evaluator.
 *
 * @param metric one of {@link #METRICS}, or "" for no target
 * @param value the target: in (0, 1] for an accuracy, &gt; 0 and finite for a loss; 0 without a
 *     metric
 */
public record StopAt(String metric, double value) {

  public static final List<String> METRICS = List.of("val_acc", "val_loss", "train_acc", "train_loss");

  /** No target: training runs its epochs (or until early stopping). */
  public static final StopAt NONE = new StopAt("", 0);

  public StopAt {
    Objects.requireNonNull(metric, "train.stop-at.metric");
    if (metric.isEmpty()) {
      if (value != 0) {
        throw new IllegalArgumentException("train.stop-at.value is " + value
            + " but train.stop-at.metric is empty; set both, or neither");
      }
    } else if (!METRICS.contains(metric)) {
      throw new IllegalArgumentException("train.stop-at.metric must be one of "
          + String.join(", ", METRICS) + " (or empty for none), not '" + metric + "'");
    } else if (metric.endsWith("_acc") ? !(value > 0 && value <= 1)
        : !(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException("train.stop-at.value must be "
          + (metric.endsWith("_acc") ? "in (0, 1] for " + metric + " (a fraction: 0.97 = 97%)"
              : "positive and finite for " + metric) + ", not " + value);
    }
  }

  public boolean isOn() {
    return !metric.isEmpty();
  }

  /** True when the metric is read from the validation set, which the run must then have. */
  public boolean needsValidation() {
    return metric.startsWith("val_");
  }

  /** True when the metric is an accuracy, which a regression run does not have. */
  public boolean needsAccuracy() {
    return metric.endsWith("_acc");
  }

  /** The metric's value in an epoch's metrics; NaN when the epoch lacks it. */
  public double read(EpochMetrics m) {
    return switch (metric) {
      case "val_acc" -> m.validation() == null ? Double.NaN : m.validation().accuracy();
      case "val_loss" -> m.validation() == null ? Double.NaN : m.validation().loss();
      case "train_acc" -> m.train().accuracy();
      case "train_loss" -> m.trainLoss();
      default -> throw new IllegalStateException("no target metric");
    };
  }

  /** True when the epoch reaches the target; always false without one. NaN never reaches. */
  public boolean reached(EpochMetrics m) {
    if (!isOn()) return false;
    double v = read(m);
    return needsAccuracy() ? v >= value : v <= value;
  }
}
