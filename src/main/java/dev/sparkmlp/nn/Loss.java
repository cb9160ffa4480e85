package dev.sparkmlp.nn;

import java.util.Locale;

/**
 * Loss functions, each summed over a row's outputs; a batch's loss is the mean over its rows.
 *
 * <pre>
 * MSE: 1/2 * sum_j (y_j - yhat_j)^2
 * BCE: -sum_j [ y_j log yhat_j + (1 - y_j) log(1 - yhat_j) ]
 * CCE: -sum_j y_j log yhat_j
 * </pre>
 *
 * Logs are clamped away from 0. Softmax followed by CCE, and sigmoid followed by BCE, are fused so
 * that the delta at the pre-activation is {@code yhat - y}.
 */
public enum Loss {
  MSE, BCE, CCE;

  public static Loss parse(String s) {
    String k = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    switch (k) {
      case "MSE", "MEAN_SQUARED_ERROR", "SQUARED" -> { return MSE; }
      case "BCE", "BINARY_CROSS_ENTROPY", "BINARY_CROSSENTROPY" -> { return BCE; }
      case "CCE", "CROSS_ENTROPY", "CATEGORICAL_CROSS_ENTROPY", "CATEGORICAL_CROSSENTROPY" -> { return CCE; }
      default -> throw new IllegalArgumentException("unknown loss '" + s + "' (expected mse, bce or cce)");
    }
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
