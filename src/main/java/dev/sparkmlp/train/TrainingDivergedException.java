package dev.sparkmlp.train;

/**
 * Training diverged: the loss of a step's mini-batch became NaN or infinite, or a step's update
 * made a weight (or a batch-norm running statistic) NaN or infinite. The message names the
 * 1-based epoch and step; the trainer throws before its listeners see the step, so no checkpoint
 * holds the diverged state.
 */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final String HINT =
      " (try a lower learning rate, gradient clipping, or check the data for extreme values)";

  private TrainingDivergedException(String message) {
    super(message);
  }

  public TrainingDivergedException(int epoch, int step, double loss) {
    this("training diverged at epoch " + epoch + " step " + step + ": the loss is " + loss + HINT);
  }

  /**
   * The update of (epoch, step) left {@code params} weights and {@code buffers} running
   * statistics NaN or infinite, while the step's loss was the finite {@code loss}.
   */
  static TrainingDivergedException update(int epoch, int step, double loss, double lr,
      int params, int buffers) {
    return new TrainingDivergedException("training diverged at epoch " + epoch + " step " + step
        + ": its update (lr " + lr + ") made " + params + " weights" + (buffers > 0
            ? " and " + buffers + " batch-norm statistics" : "") + " NaN or infinite (the loss"
        + " was " + loss + ")" + HINT);
  }
}
