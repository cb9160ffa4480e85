package dev.sparkmlp.train;

/**
 * Loss and accuracy of an inference pass over a dataset. {@code bce} and {@code halfMse} are the
 * mean per-output binary cross-entropy and 1/2 squared error of the outputs (classification only).
 */
public record Metrics(double loss, double accuracy, long count, double bce, double halfMse) {
  public static Metrics of(double lossSum, long correct, long count, double bceSum, double halfMseSum) {
    if (count == 0) return new Metrics(Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN);
    return new Metrics(lossSum / count, (double) correct / count, count, bceSum / count, halfMseSum / count);
  }
}
