package dev.sparkmlp.nn;

import dev.sparkmlp.math.Rng;
import java.util.Arrays;

/**
 * Inverted dropout (Srivastava et al., JMLR 2014, with the scaling moved to training time).
 *
 * <pre>
 * training   keep(i, j) = Rng.uniform(Rng.key(dropoutKey, index, i0 + i), j) >= p
 *            m_ij = keep(i, j) ? 1 / (1 - p) : 0,   y = m * x,   dx = m * dy
 * inference  y = x
 * </pre>
 *
 * i is the row within the current call, i0 the position of the call's first row in its batch
 * ({@link Network#accumulate}'s {@code firstRow}: non-zero when a batch is accumulated in
 * micro-batches) and j the unit, so the mask depends only on the key, the layer and the row's
 * position in the batch: a retried task draws the same mask, and so does a batch split into
 * micro-batches. The mask m is the layer's cache.
 */
final class DropoutLayer extends Layer {
  private static final long serialVersionUID = 1L;

  private final float p;

  DropoutLayer(int index, int width, float p) {
    super(index, width, width, 0, 0);
    this.p = p;
  }

  @Override
  int cacheSize(int maxRows) {
    return maxRows * out;
  }

  @Override
  void forward(float[] params, float[] buffers, float[] x, float[] y, int rows, boolean training,
      long dropoutKey, Workspace ws) {
    int n = rows * out;
    if (!training || p == 0f) {
      System.arraycopy(x, 0, y, 0, n);
      if (training) Arrays.fill(ws.cache[index], 0, n, 1f);
      return;
    }
    float[] m = ws.cache[index];
    float scale = 1f / (1f - p);
    for (int i = 0; i < rows; i++) {
      long key = Rng.key(dropoutKey, index, ws.firstRow + i);
      int o = i * out;
      for (int j = 0; j < out; j++) {
        float k = Rng.uniform(key, j) >= p ? scale : 0f;
        m[o + j] = k;
        y[o + j] = k * x[o + j];
      }
    }
  }

  @Override
  void backward(float[] params, float[] x, float[] y, float[] dy, float[] dx, int rows,
      Workspace ws) {
    if (dx == null) return;
    float[] m = ws.cache[index];
    int n = rows * out;
    for (int i = 0; i < n; i++) dx[i] = m[i] * dy[i];
  }
}
