package dev.sparkmlp.nn;

/**
 * A test metric: the output of the target's class, summed over rows (one-hot targets). Public and
 * Serializable so that the Spark tests can ship it to executors.
 */
public final class TrueClassOutput implements OutputMetric {
  private static final long serialVersionUID = 1L;

  @Override
  public String name() {
    return "p_true";
  }

  @Override
  public double sum(float[] yhat, float[] y, int rows, int k) {
    double s = 0;
    for (int i = 0; i < rows * k; i++) s += y[i] * yhat[i];
    return s;
  }
}
