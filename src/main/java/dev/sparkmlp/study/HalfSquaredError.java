package dev.sparkmlp.study;

import dev.sparkmlp.nn.OutputMetric;

/**
 * Half the squared error of a row's outputs, summed over the outputs: another reading of the
 * "cost" the paper reports.
 *
 * <pre>
 *   m(yhat, y) = 1/2 sum_j (y_j - yhat_j)^2
 * </pre>
 */
final class HalfSquaredError implements OutputMetric {
  private static final long serialVersionUID = 1L;

  @Override
  public String name() {
    return "half_mse";
  }

  @Override
  public double sum(float[] yhat, float[] y, int rows, int k) {
    double sum = 0;
    int n = rows * k;
    for (int i = 0; i < n; i++) {
      double d = (double) y[i] - yhat[i];
      sum += 0.5 * d * d;
    }
    return sum;
  }
}
