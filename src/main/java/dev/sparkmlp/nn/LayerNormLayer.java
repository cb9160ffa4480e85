package dev.sparkmlp.nn;

import java.util.Arrays;

/**
 * Layer normalization (Ba, Kiros and Hinton, 2016) over the w features of each row, identical in
 * training and inference. Params: gamma (w) then beta (w).
 *
 * <pre>
 * forward    mu_i = 1/w sum_j x_ij      var_i = 1/w sum_j (x_ij - mu_i)^2
 *            s_i = 1/sqrt(var_i + eps)
 *            xhat_ij = (x_ij - mu_i) * s_i,   y_ij = gamma_j * xhat_ij + beta_j
 * backward   dgamma_j += sum_i dy_ij xhat_ij          dbeta_j += sum_i dy_ij
 *            g_ij = gamma_j dy_ij
 *            dx_ij = s_i / w * (w g_ij - sum_k g_ik - xhat_ij sum_k g_ik xhat_ik)
 * </pre>
 *
 * Cache: xhat (maxRows x w), then s (maxRows).
 */
final class LayerNormLayer extends Layer {
  private static final long serialVersionUID = 1L;

  private final float eps;

  LayerNormLayer(int index, int width, float eps, int paramOffset) {
    super(index, width, width, paramOffset, 0);
    this.eps = eps;
  }

  @Override
  int paramCount() {
    return 2 * out;
  }

  @Override
  int cacheSize(int maxRows) {
    return maxRows * out + maxRows;
  }

  @Override
  void initialize(float[] params, float[] buffers, long seed) {
    Arrays.fill(params, paramOffset, paramOffset + out, 1f);
    Arrays.fill(params, paramOffset + out, paramOffset + 2 * out, 0f);
  }

  @Override
  void forward(float[] params, float[] buffers, float[] x, float[] y, int rows, boolean training,
      long dropoutKey, Workspace ws) {
    int w = out;
    float[] c = ws.cache[index];
    int sOff = ws.maxRows * w;
    int g = paramOffset;
    int b = paramOffset + w;
    for (int r = 0; r < rows; r++) {
      int o = r * w;
      double sum = 0;
      for (int j = 0; j < w; j++) sum += x[o + j];
      float mu = (float) (sum / w);
      double sq = 0;
      for (int j = 0; j < w; j++) {
        double d = x[o + j] - mu;
        sq += d * d;
      }
      float s = (float) (1.0 / Math.sqrt(sq / w + eps));
      c[sOff + r] = s;
      for (int j = 0; j < w; j++) {
        float xh = (x[o + j] - mu) * s;
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
    int g = paramOffset;
    double[] acc = ws.scratch;
    Arrays.fill(acc, 0, 2 * w, 0.0);
    for (int r = 0; r < rows; r++) {
      int o = r * w;
      double sumG = 0;
      double sumGx = 0;
      for (int j = 0; j < w; j++) {
        float d = dy[o + j];
        float xh = c[o + j];
        acc[j] += d;
        acc[w + j] += (double) d * xh;
        float gij = params[g + j] * d;
        sumG += gij;
        sumGx += (double) gij * xh;
      }
      if (dx == null) continue;
      float k = c[sOff + r] / w;
      float a = (float) sumG;
      float bx = (float) sumGx;
      for (int j = 0; j < w; j++) {
        dx[o + j] = k * (w * params[g + j] * dy[o + j] - a - c[o + j] * bx);
      }
    }
    float[] grad = ws.grad;
    for (int j = 0; j < w; j++) {
      grad[g + j] += (float) acc[w + j];
      grad[g + w + j] += (float) acc[j];
    }
  }
}
