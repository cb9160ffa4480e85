package dev.sparkmlp.train;

/** The loss became NaN or infinite: the weights are no longer meaningful. */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingDivergedException(int epoch, int step, double loss) {
    super("training diverged at epoch " + epoch + " step " + step + ": the loss is " + loss
        + " (try a lower learning rate, gradient clipping, or check the data for extreme values)");
  }
}
