package dev.sparkmlp.nn;

import dev.sparkmlp.math.Rectifier;
import dev.sparkmlp.math.Vec;

/**
 * Element-wise activation (softmax: row-wise). Backward uses whichever of x and y gives the
 * derivative most cheaply, and for GELU the exact derivative of the approximation forward computes.
 *
 * <pre>
 * RELU        y = max(x, 0)                          dy/dx = [x > 0]
 * LEAKY_RELU  y = x > 0 ? x : alpha * x              dy/dx = x > 0 ? 1 : alpha
 * ELU         y = x > 0 ? x : alpha * (e^x - 1)      dy/dx = x > 0 ? 1 : y + alpha
 * GELU        y = x/2 * (1 + tanh(u)),  u = c * (x + 0.044715 x^3),  c = sqrt(2/pi)
 *             (the tanh approximation of Hendrycks and Gimpel 2016, as in GPT-2 and PyTorch's
 *             approximate="tanh")
 *             dy/dx = (1 + t)/2 + x/2 * (1 - t^2) * c * (1 + 3 * 0.044715 x^2),  t = tanh(u)
 * SIGMOID     y = 1 / (1 + e^-x)                     dy/dx = y (1 - y)
 * TANH        y = tanh(x)                            dy/dx = 1 - y^2
 * SOFTMAX     y_i = e^(x_i - m) / sum_j e^(x_j - m),  m = max_j x_j
 *             dx_i = y_i * (dy_i - sum_j dy_j y_j)
 * IDENTITY    y = x
 * </pre>
 */
final class ActivationLayer extends Layer {
  private static final long serialVersionUID = 1L;

  private static final float GELU_C = (float) Math.sqrt(2.0 / Math.PI);
  private static final float GELU_K = 0.044715f;

  final Activation fn;
  private final float alpha;

  ActivationLayer(int index, int width, Activation fn, float alpha) {
    super(index, width, width, 0, 0);
    this.fn = fn;
    this.alpha = alpha;
  }

  @Override
  void forward(float[] params, float[] buffers, float[] x, float[] y, int rows, boolean training,
      long dropoutKey, Workspace ws) {
    apply(fn, alpha, x, y, rows, out);
  }

  /** y := fn(x) over rows x width. Not modified: x. Modified: y. */
  static void apply(Activation fn, float alpha, float[] x, float[] y, int rows, int width) {
    int n = rows * width;
    switch (fn) {
      case RELU -> {
        // Math.max is an intrinsic that C2 vectorises; it also lets a NaN through, where the
        // comparison would hide it as 0.
        for (int i = 0; i < n; i++) y[i] = Math.max(x[i], 0f);
      }
      case LEAKY_RELU -> Rectifier.forward(alpha, x, y, n);
      case ELU -> {
        for (int i = 0; i < n; i++) y[i] = x[i] > 0f ? x[i] : alpha * (float) Math.expm1(x[i]);
      }
      case GELU -> {
        for (int i = 0; i < n; i++) {
          float v = x[i];
          float t = (float) Math.tanh(GELU_C * (v + GELU_K * v * v * v));
          y[i] = 0.5f * v * (1f + t);
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < n; i++) y[i] = sigmoid(x[i]);
      }
      case TANH -> {
        for (int i = 0; i < n; i++) y[i] = (float) Math.tanh(x[i]);
      }
      case SOFTMAX -> {
        for (int r = 0; r < rows; r++) softmaxRow(x, y, r * width, width);
      }
      case IDENTITY -> System.arraycopy(x, 0, y, 0, n);
      default -> throw new IllegalStateException(fn.toString());
    }
  }

  static float sigmoid(float v) {
    // Large negative v: e^-v overflows to infinity and the quotient is 0, never NaN.
    return (float) (1.0 / (1.0 + Math.exp(-v)));
  }

  /** y[o..o+w) := softmax(x[o..o+w)), shifted by the row max so that e^x cannot overflow. */
  static void softmaxRow(float[] x, float[] y, int o, int w) {
    float m = x[o];
    for (int j = 1; j < w; j++) m = Math.max(m, x[o + j]);
    double s = 0;
    for (int j = 0; j < w; j++) {
      float e = (float) Math.exp(x[o + j] - m);
      y[o + j] = e;
      s += e;
    }
    Vec.scale((float) (1.0 / s), y, o, w);
  }

  @Override
  void backward(float[] params, float[] x, float[] y, float[] dy, float[] dx, int rows,
      Workspace ws) {
    if (dx == null) return;
    int n = rows * out;
    switch (fn) {
      case RELU -> Rectifier.backward(0f, true, x, dy, dx, n);
      case LEAKY_RELU -> Rectifier.backward(alpha, false, x, dy, dx, n);
      case ELU -> {
        for (int i = 0; i < n; i++) dx[i] = x[i] > 0f ? dy[i] : dy[i] * (y[i] + alpha);
      }
      case GELU -> {
        for (int i = 0; i < n; i++) {
          float v = x[i];
          float t = (float) Math.tanh(GELU_C * (v + GELU_K * v * v * v));
          float d = 0.5f * (1f + t) + 0.5f * v * (1f - t * t) * GELU_C * (1f + 3f * GELU_K * v * v);
          dx[i] = dy[i] * d;
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1f - y[i]);
      }
      case TANH -> {
        for (int i = 0; i < n; i++) dx[i] = dy[i] * (1f - y[i] * y[i]);
      }
      case SOFTMAX -> {
        for (int r = 0; r < rows; r++) {
          int o = r * out;
          double s = 0;
          for (int j = 0; j < out; j++) s += (double) dy[o + j] * y[o + j];
          float sf = (float) s;
          for (int j = 0; j < out; j++) dx[o + j] = y[o + j] * (dy[o + j] - sf);
        }
      }
      case IDENTITY -> System.arraycopy(dy, 0, dx, 0, n);
      default -> throw new IllegalStateException(fn.toString());
    }
  }
}
