package dev.sparkmlp.study;

import dev.sparkmlp.nn.OutputMetric;

/**
 * The binary cross-entropy of each output against its target, averaged over the k outputs of a
 * row: one reading of the "cost" the paper reports.
 *
 * <pre>
 *   m(yhat, y) = -(1/k) sum_j [ y_j log c(yhat_j) + (1 - y_j) log c(1 - yhat_j) ]
 *   c(p) = max(p, 1e-7)
 * </pre>
 */
final class OutputBce implements OutputMetric {
  private static final long serialVersionUID = 1L;
  /** The clamp of the core's unfused BCE loss, so that a saturated output costs a finite amount. */
  static final double EPS = 1e-7;

  @Override
  public String name() {
    return "bce";
  }

  @Override
  public double sum(float[] yhat, float[] y, int rows, int k) {
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      int o = r * k;
      double row = 0;
      for (int j = 0; j < k; j++) {
        double t = y[o + j];
        row -=
            t * Math.log(Math.max(yhat[o + j], EPS))
                + (1.0 - t) * Math.log(Math.max(1.0 - yhat[o + j], EPS));
      }
      sum += row / k;
    }
    return sum;
  }
}
