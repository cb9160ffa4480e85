package dev.sparkmlp.train;

import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.optim.Regularization;
import dev.sparkmlp.optim.ScheduleSpec;
import java.util.Objects;

/**
 * Everything the training loop needs besides the network and the data.
 *
 * @param schedule the learning-rate schedule, already scaled for the batch size when a scaling
 *     rule is configured (see optim.LrScaling)
 * @param clipNorm gradient clipping by global norm; 0 turns it off
 * @param patience early stopping after this many epochs without improvement of {@code monitor} on
 *     the validation set; 0 turns it off
 * @param monitor "val_loss" or "val_accuracy"
 * @param minDelta the smallest change of the monitored value that counts as an improvement
 * @param restoreBest at the end, restore the weights of the best epoch when early stopping is on
 * @param stopAt end training after the first epoch that reaches this target; {@link StopAt#NONE}
 *     for none
 */
public record TrainConfig(
    int epochs,
    int batchSize,
    long seed,
    OptimizerSpec optimizer,
    ScheduleSpec schedule,
    Regularization regularization,
    double clipNorm,
    int patience,
    String monitor,
    double minDelta,
    boolean restoreBest,
    StopAt stopAt) {

  public TrainConfig {
    if (epochs <= 0) throw new IllegalArgumentException("train.epochs must be positive: " + epochs);
    if (batchSize <= 0) throw new IllegalArgumentException("train.batch-size must be positive: " + batchSize);
    if (clipNorm < 0) throw new IllegalArgumentException("train.clip-norm must not be negative: " + clipNorm);
    if (patience < 0) throw new IllegalArgumentException("train.early-stopping.patience must not be negative");
    if (!monitor.equals("val_loss") && !monitor.equals("val_accuracy")) {
      throw new IllegalArgumentException(
          "train.early-stopping.monitor must be val_loss or val_accuracy, not '" + monitor + "'");
    }
    Objects.requireNonNull(stopAt, "stopAt (use StopAt.NONE for none)");
  }

  /** Without a target ({@link StopAt#NONE}). */
  public TrainConfig(int epochs, int batchSize, long seed, OptimizerSpec optimizer,
      ScheduleSpec schedule, Regularization regularization, double clipNorm, int patience,
      String monitor, double minDelta, boolean restoreBest) {
    this(epochs, batchSize, seed, optimizer, schedule, regularization, clipNorm, patience, monitor,
        minDelta, restoreBest, StopAt.NONE);
  }

  /** The same configuration with another target. */
  public TrainConfig withStopAt(StopAt target) {
    return new TrainConfig(epochs, batchSize, seed, optimizer, schedule, regularization, clipNorm,
        patience, monitor, minDelta, restoreBest, target);
  }
}
