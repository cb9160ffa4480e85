package dev.sparkmlp.nn;

import dev.sparkmlp.math.Gemm;
import dev.sparkmlp.math.Vec;
import dev.sparkmlp.math.Rng;
import java.util.Arrays;

/**
 * Fully connected layer. Params: W (in x out, row-major) at {@code paramOffset}, then b (out).
 *
 * <pre>
 * forward   Y  = X * W + b              X: rows x in,  Y: rows x out
 * backward  dW += X^T * dY              db += sum over rows of dY
 *           dX  = dY * W^T              (skipped when nobody needs it)
 * </pre>
 */
final class DenseLayer extends Layer {
  private static final long serialVersionUID = 1L;

  private final Init init;

  DenseLayer(int index, int in, int out, Init init, int paramOffset) {
    super(index, in, out, paramOffset, 0);
    this.init = init;
  }

  @Override
  int paramCount() {
    return in * out + out;
  }

  /** Offset of b in the params. */
  int biasOffset() {
    return paramOffset + in * out;
  }

  /**
   * Weight {@code e} (row-major index into W) is drawn from
   * {@code Rng.key(seed, Rng.INIT, index)} at counter {@code e}, with the formulas of {@link Init};
   * b = 0.
   */
  @Override
  void initialize(float[] params, float[] buffers, long seed) {
    long key = Rng.key(seed, Rng.INIT, index);
    int n = in * out;
    double uniformBound;
    double sd;
    switch (init) {
      case UNIFORM -> { uniformBound = 1.0; sd = 0; }
      case XAVIER_UNIFORM -> { uniformBound = Math.sqrt(6.0 / (in + out)); sd = 0; }
      case HE_UNIFORM -> { uniformBound = Math.sqrt(6.0 / in); sd = 0; }
      case XAVIER_NORMAL -> { uniformBound = 0; sd = Math.sqrt(2.0 / (in + out)); }
      case HE_NORMAL -> { uniformBound = 0; sd = Math.sqrt(2.0 / in); }
      default -> { uniformBound = 0; sd = 0; }
    }
    for (int e = 0; e < n; e++) {
      double w;
      if (uniformBound > 0) {
        w = uniformBound * (2.0 * Rng.uniform(key, e) - 1.0);
      } else if (sd > 0) {
        w = sd * Rng.gaussian(key, e);
      } else {
        w = 0;
      }
      params[paramOffset + e] = (float) w;
    }
    Arrays.fill(params, biasOffset(), biasOffset() + out, 0f);
  }

  @Override
  void forward(float[] params, float[] buffers, float[] x, float[] y, int rows, boolean training,
      long dropoutKey, Workspace ws) {
    int b = biasOffset();
    for (int r = 0; r < rows; r++) System.arraycopy(params, b, y, r * out, out);
    Gemm.gemm(false, false, rows, out, in, 1f, x, 0, in, params, paramOffset, out, 1f, y, 0, out);
  }

  @Override
  void backward(float[] params, float[] x, float[] y, float[] dy, float[] dx, int rows,
      Workspace ws) {
    float[] grad = ws.grad;
    // Over a stale gradient (the first pass since Workspace.reset) write rather than add.
    boolean write = ws.gradStale;
    Gemm.gemm(true, false, in, out, rows, 1f, x, 0, in, dy, 0, out, write ? 0f : 1f,
        grad, paramOffset, out);
    // Row by row into the gradient itself: a float sum over one batch, like the GEMM's, and a
    // loop over contiguous j that C2 vectorises.
    int b = biasOffset();
    int r0 = 0;
    if (write) {
      System.arraycopy(dy, 0, grad, b, out);
      r0 = 1;
    }
    addRows(dy, r0, rows, out, grad, b);
    if (dx != null) {
      Gemm.gemm(false, true, rows, in, out, 1f, dy, 0, out, params, paramOffset, out, 0f,
          dx, 0, in);
    }
  }

  /**
   * db[j] += dy[r][j] for r = r0 .. rows-1 in row order, four rows per pass over db:
   * db + dy[r] + dy[r+1] + dy[r+2] + dy[r+3] is evaluated left to right, so each element gets the
   * additions, in the order, of one row at a time (the same bits) with a quarter of the loads and
   * stores of db. At 50 rows of 128 units the row-at-a-time loop was about 4% of a training pass.
   * Modified: db = grad[b, b + out).
   */
  static void addRows(float[] dy, int r0, int rows, int out, float[] grad, int b) {
    int r = r0;
    for (; r + 4 <= rows; r += 4) {
      int o0 = r * out;
      int o1 = o0 + out;
      int o2 = o1 + out;
      int o3 = o2 + out;
      for (int j = 0; j < out; j++) {
        grad[b + j] = grad[b + j] + dy[o0 + j] + dy[o1 + j] + dy[o2 + j] + dy[o3 + j];
      }
    }
    for (; r < rows; r++) Vec.add(out, dy, r * out, grad, b);
  }
}
