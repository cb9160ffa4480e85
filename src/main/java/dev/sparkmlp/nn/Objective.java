package dev.sparkmlp.nn;

import dev.sparkmlp.math.Vec;

/**
 * The loss at the network's output, its delta, accuracy and the auxiliary evaluation sums. Every
 * method works on {@code rows} rows of {@code k} outputs, row-major, and returns a sum over rows.
 *
 * <pre>
 * unfused (delta = dL/dyhat, then the output activation's backward)
 *   MSE  L = 1/2 sum_j (yhat_j - y_j)^2                                  delta_j = yhat_j - y_j
 *   BCE  L = -sum_j [y_j log c(yhat_j) + (1 - y_j) log c(1 - yhat_j)]
 *                                      delta_j = -y_j / c(yhat_j) + (1 - y_j) / c(1 - yhat_j)
 *   CCE  L = -sum_j y_j log c(yhat_j)                                    delta_j = -y_j / c(yhat_j)
 *   c(p) = max(p, 1e-7)
 * fused (delta = dL/dz at the pre-activation z of the last layer)
 *   softmax + CCE  L = S * logsumexp(z) - sum_j y_j z_j,  S = sum_j y_j   delta_j = S yhat_j - y_j
 *   sigmoid + BCE  L = sum_j [max(z_j, 0) - y_j z_j + log(1 + e^-|z_j|)]  delta_j = yhat_j - y_j
 * </pre>
 *
 * The fused losses are computed from the logits, so they stay exact and finite where yhat rounds to
 * 0 or 1. For one-hot targets S = 1 and the softmax delta is the familiar yhat - y. In the unfused
 * deltas the clamp c is kept in the denominators (the derivative of the clamped loss would be 0
 * there, and stop learning); elsewhere they are the exact derivatives.
 */
final class Objective {
  static final int UNFUSED = 0;
  static final int SOFTMAX_CCE = 1;
  static final int SIGMOID_BCE = 2;

  static final double EPS = 1e-7;

  private Objective() {}

  /**
   * Sum over rows of the loss; when {@code delta} is not null also sets it (at yhat when unfused,
   * at z when fused). z is only read when fused. Not modified: z, yhat, y. Modified: delta.
   */
  static double loss(Loss loss, int fusion, float[] z, float[] yhat, float[] y, int rows, int k,
      float[] delta) {
    if (fusion == SOFTMAX_CCE) return softmaxCce(z, yhat, y, rows, k, delta);
    if (fusion == SIGMOID_BCE) return sigmoidBce(z, yhat, y, rows * k, delta);
    int n = rows * k;
    double sum = 0;
    switch (loss) {
      case MSE -> {
        for (int i = 0; i < n; i++) {
          float d = yhat[i] - y[i];
          sum += 0.5 * (double) d * d;
          if (delta != null) delta[i] = d;
        }
      }
      case BCE -> {
        for (int i = 0; i < n; i++) {
          double p = Math.max(yhat[i], EPS);
          double q = Math.max(1.0 - yhat[i], EPS);
          double t = y[i];
          sum -= t * Math.log(p) + (1.0 - t) * Math.log(q);
          if (delta != null) delta[i] = (float) (-t / p + (1.0 - t) / q);
        }
      }
      case CCE -> {
        for (int i = 0; i < n; i++) {
          double p = Math.max(yhat[i], EPS);
          double t = y[i];
          if (t != 0.0) sum -= t * Math.log(p);
          if (delta != null) delta[i] = (float) (-t / p);
        }
      }
      default -> throw new IllegalStateException(loss.toString());
    }
    return sum;
  }

  /**
   * logsumexp(z) comes from the softmax the forward pass already computed: at the largest logit
   * z_m, yhat_m = 1 / sum_j e^(z_j - z_m), so logsumexp(z) = z_m - log yhat_m. As yhat_m >= 1/k,
   * the log is well conditioned and never sees 0, and the row costs one log instead of k exps.
   */
  private static double softmaxCce(float[] z, float[] yhat, float[] y, int rows, int k,
      float[] delta) {
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      int o = r * k;
      int m = o;
      for (int j = 1; j < k; j++) if (z[o + j] > z[m]) m = o + j;
      double s = 0;
      double dot = 0;
      for (int j = 0; j < k; j++) {
        s += y[o + j];
        dot += (double) y[o + j] * z[o + j];
      }
      sum += s * (z[m] - Math.log(yhat[m])) - dot;
      if (delta != null) {
        float sf = (float) s;
        for (int j = 0; j < k; j++) delta[o + j] = sf * yhat[o + j] - y[o + j];
      }
    }
    return sum;
  }

  private static double sigmoidBce(float[] z, float[] yhat, float[] y, int n, float[] delta) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double v = z[i];
      sum += Math.max(v, 0.0) - y[i] * v + Math.log1p(Math.exp(-Math.abs(v)));
      if (delta != null) delta[i] = yhat[i] - y[i];
    }
    return sum;
  }

  /**
   * Rows whose prediction equals the label: yhat >= 0.5 means class 1 for a single output,
   * otherwise the argmax of the outputs (the first on ties).
   */
  static long correct(float[] yhat, int[] labels, int rows, int k) {
    long c = 0;
    if (k == 1) {
      for (int r = 0; r < rows; r++) {
        int predicted = yhat[r] >= 0.5f ? 1 : 0;
        if (predicted == labels[r]) c++;
      }
      return c;
    }
    for (int r = 0; r < rows; r++) if (Vec.argmax(yhat, r * k, k) == labels[r]) c++;
    return c;
  }
}
