package dev.sparkmlp.nn;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;
import java.util.List;

/**
 * A second, deliberately plain implementation of the training-mode forward pass and loss in double
 * precision, written from the formulas rather than from the production code. Its central
 * differences are accurate to about 1e-9, so they can judge the float analytic gradient far more
 * tightly than central differences of the float forward pass can.
 *
 * <p>Losses are the unclamped textbook forms: -sum y log softmax(z) for CCE, -sum [y log p +
 * (1-y) log(1-p)] for BCE, 1/2 sum (yhat - y)^2 for MSE. Fused and unfused networks compute the
 * same function wherever the clamp of 1e-7 is inactive, which holds for the small test networks.
 */
final class Reference {
  private Reference() {}

  /** Sum over the block's rows of the loss, in training mode with dropout key {@code key}. */
  static double loss(NetworkSpec spec, double[] w, Block block, long key) {
    double[] x = new double[block.x.length];
    for (int i = 0; i < x.length; i++) x[i] = block.x[i];
    return loss(spec, w, x, block, key);
  }

  /** The same with the inputs {@code x} in place of {@code block.x}. */
  static double loss(NetworkSpec spec, double[] w, double[] x, Block block, long key) {
    int n = block.rows;
    int width = spec.inputs();
    double[][] a = new double[n][width];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < width; j++) a[r][j] = x[r * width + j];
    }
    int off = 0;
    List<LayerSpec> layers = spec.layers();
    for (int l = 0; l < layers.size(); l++) {
      LayerSpec s = layers.get(l);
      if (s instanceof LayerSpec.Dense d) {
        double[][] z = new double[n][d.units()];
        int bOff = off + width * d.units();
        for (int r = 0; r < n; r++) {
          for (int o = 0; o < d.units(); o++) {
            double v = w[bOff + o];
            for (int i = 0; i < width; i++) v += a[r][i] * w[off + i * d.units() + o];
            z[r][o] = v;
          }
        }
        off = bOff + d.units();
        width = d.units();
        a = z;
      } else if (s instanceof LayerSpec.Act act) {
        for (double[] row : a) activate(act.fn(), act.alpha(), row);
      } else if (s instanceof LayerSpec.Dropout d) {
        for (int r = 0; r < n; r++) {
          long k = Rng.key(key, l, r);
          for (int j = 0; j < width; j++) {
            a[r][j] = Rng.uniform(k, j) >= d.p() ? a[r][j] / (1.0 - d.p()) : 0.0;
          }
        }
      } else if (s instanceof LayerSpec.BatchNorm bn) {
        for (int j = 0; j < width; j++) {
          double mean = 0;
          for (int r = 0; r < n; r++) mean += a[r][j];
          mean /= n;
          double var = 0;
          for (int r = 0; r < n; r++) var += (a[r][j] - mean) * (a[r][j] - mean);
          var /= n;
          for (int r = 0; r < n; r++) {
            double xhat = (a[r][j] - mean) / Math.sqrt(var + bn.eps());
            a[r][j] = w[off + j] * xhat + w[off + width + j];
          }
        }
        off += 2 * width;
      } else if (s instanceof LayerSpec.LayerNorm ln) {
        for (double[] row : a) {
          double mean = 0;
          for (double v : row) mean += v;
          mean /= width;
          double var = 0;
          for (double v : row) var += (v - mean) * (v - mean);
          var /= width;
          for (int j = 0; j < width; j++) {
            row[j] = w[off + j] * (row[j] - mean) / Math.sqrt(var + ln.eps()) + w[off + width + j];
          }
        }
        off += 2 * width;
      }
    }
    double sum = 0;
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < width; j++) {
        double p = a[r][j];
        double y = block.y[r * width + j];
        switch (spec.loss()) {
          case MSE -> sum += 0.5 * (p - y) * (p - y);
          case BCE -> sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
          case CCE -> sum -= y == 0 ? 0 : y * Math.log(p);
          default -> throw new AssertionError();
        }
      }
    }
    return sum;
  }

  private static void activate(Activation fn, double alpha, double[] row) {
    if (fn == Activation.SOFTMAX) {
      double max = Double.NEGATIVE_INFINITY;
      for (double v : row) max = Math.max(max, v);
      double s = 0;
      for (int j = 0; j < row.length; j++) {
        row[j] = Math.exp(row[j] - max);
        s += row[j];
      }
      for (int j = 0; j < row.length; j++) row[j] /= s;
      return;
    }
    for (int j = 0; j < row.length; j++) {
      double x = row[j];
      row[j] = switch (fn) {
        case RELU -> Math.max(x, 0);
        case LEAKY_RELU -> x > 0 ? x : alpha * x;
        case ELU -> x > 0 ? x : alpha * (Math.exp(x) - 1);
        case GELU -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        case SIGMOID -> 1 / (1 + Math.exp(-x));
        case TANH -> Math.tanh(x);
        case IDENTITY -> x;
        default -> throw new AssertionError(fn);
      };
    }
  }
}
