package dev.sparkmlp.nn;

import java.util.Arrays;

/**
 * Batch normalization (Ioffe and Szegedy, ICML 2015). Params: gamma (w) then beta (w). Buffers:
 * running mean (w) then running variance (w).
 *
 * <pre>
 * training   mu_j = 1/n sum_i x_ij          var_j = 1/n sum_i (x_ij - mu_j)^2   (biased)
 *            s_j = 1 / sqrt(var_j + eps)    xhat_ij = (x_ij - mu_j) * s_j
 *            y_ij = gamma_j * xhat_ij + beta_j
 * backward   dgamma_j += sum_i dy_ij xhat_ij          dbeta_j += sum_i dy_ij
 *            dx_ij = gamma_j s_j / n * (n dy_ij - sum_k dy_kj - xhat_ij sum_k dy_kj xhat_kj)
 * inference  y_ij = gamma_j * (x_ij - runningMean_j) / sqrt(runningVar_j + eps) + beta_j
 * </pre>
 *
 * A training call reports mu and the unbiased variance var * n/(n-1) in
 * {@link Workspace#batchStats()} for the running averages. With a single row the batch variance is
 * 0, so xhat = 0, y = beta and no gradient reaches x; the unbiased variance is undefined then, and
 * the current running variance is reported in its place so that a one-row batch leaves the running
 * variance where it was.
 *
 * <p>Cache: xhat (maxRows x w), then s (w), then mu (w). Inference reuses the last two for the
 * folded scale and shift.
 */
final class BatchNormLayer extends Layer {
  private static final long serialVersionUID = 1L;

  final float momentum;
  private final float eps;

  BatchNormLayer(int index, int width, float momentum, float eps, int paramOffset,
      int bufferOffset) {
    super(index, width, width, paramOffset, bufferOffset);
    this.momentum = momentum;
    this.eps = eps;
  }

  @Override
  int paramCount() {
    return 2 * out;
  }

  @Override
  int bufferCount() {
    return 2 * out;
  }

  @Override
  int cacheSize(int maxRows) {
    return maxRows * out + 2 * out;
  }

  @Override
  void initialize(float[] params, float[] buffers, long seed) {
    Arrays.fill(params, paramOffset, paramOffset + out, 1f);
    Arrays.fill(params, paramOffset + out, paramOffset + 2 * out, 0f);
    Arrays.fill(buffers, bufferOffset, bufferOffset + out, 0f);
    Arrays.fill(buffers, bufferOffset + out, bufferOffset + 2 * out, 1f);
  }

  @Override
  void forward(float[] params, float[] buffers, float[] x, float[] y, int rows, boolean training,
      long dropoutKey, Workspace ws) {
    int w = out;
    float[] c = ws.cache[index];
    int sOff = ws.maxRows * w;
    int muOff = sOff + w;
    int g = paramOffset;
    int b = paramOffset + w;
    if (!training) {
      for (int j = 0; j < w; j++) {
        float scale = params[g + j] / (float) Math.sqrt(buffers[bufferOffset + w + j] + eps);
        c[sOff + j] = scale;
        c[muOff + j] = params[b + j] - buffers[bufferOffset + j] * scale;
      }
      for (int r = 0; r < rows; r++) {
        int o = r * w;
        for (int j = 0; j < w; j++) y[o + j] = x[o + j] * c[sOff + j] + c[muOff + j];
      }
      return;
    }
    double[] s = ws.scratch;
    Arrays.fill(s, 0, 2 * w, 0.0);
    for (int r = 0; r < rows; r++) {
      int o = r * w;
      for (int j = 0; j < w; j++) s[j] += x[o + j];
    }
    for (int j = 0; j < w; j++) {
      s[j] /= rows;
      c[muOff + j] = (float) s[j];
    }
    for (int r = 0; r < rows; r++) {
      int o = r * w;
      for (int j = 0; j < w; j++) {
        double d = x[o + j] - s[j];
        s[w + j] += d * d;
      }
    }
    float[] stats = ws.batchStats;
    for (int j = 0; j < w; j++) {
      double var = s[w + j] / rows;
      c[sOff + j] = (float) (1.0 / Math.sqrt(var + eps));
      stats[bufferOffset + j] = c[muOff + j];
      stats[bufferOffset + w + j] = rows > 1
          ? (float) (var * rows / (rows - 1)) : buffers[bufferOffset + w + j];
    }
    for (int r = 0; r < rows; r++) {
      int o = r * w;
      for (int j = 0; j < w; j++) {
        float xh = (x[o + j] - c[muOff + j]) * c[sOff + j];
        c[o + j] = xh;
        y[o + j] = params[g + j] * xh + params[b + j];
      }
    }
  }

  @Override
  void backward(float[] params, float[] x, float[] y, float[] dy, float[] dx, int rows,
      Workspace ws) {
    int w = out;
    float[] c = ws.cache[index];
    int sOff = ws.maxRows * w;
    double[] s = ws.scratch;
    Arrays.fill(s, 0, 2 * w, 0.0);
    for (int r = 0; r < rows; r++) {
      int o = r * w;
      for (int j = 0; j < w; j++) {
        s[j] += dy[o + j];
        s[w + j] += (double) dy[o + j] * c[o + j];
      }
    }
    float[] grad = ws.grad;
    for (int j = 0; j < w; j++) {
      grad[paramOffset + j] += (float) s[w + j];
      grad[paramOffset + w + j] += (float) s[j];
    }
    if (dx == null) return;
    int n = rows;
    for (int r = 0; r < rows; r++) {
      int o = r * w;
      for (int j = 0; j < w; j++) {
        double k = params[paramOffset + j] * c[sOff + j] / (double) n;
        dx[o + j] = (float) (k * (n * (double) dy[o + j] - s[j] - c[o + j] * s[w + j]));
      }
    }
  }
}
