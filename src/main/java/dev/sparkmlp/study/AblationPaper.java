package dev.sparkmlp.study;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The results reported by the paper this study reproduces, as printed there, for the report to set
 * beside ours. NaN where the paper gives no number.
 *
 * <pre>
 * G. Okoma, "Derivation and Analysis of Backpropagation: An Ablation Study on Optimization,
 * Regularization, and Weight Initialization in MLPs", 2025.
 * </pre>
 */
final class AblationPaper {
  static final String CITATION =
      "G. Okoma, \"Derivation and Analysis of Backpropagation: An Ablation"
          + " Study on Optimization, Regularization, and Weight Initialization in MLPs\" (2025)";

  /** The paper's training rows per dataset (it scores on as many CV rows). */
  static final int TRAIN_ROWS = 10_000;

  /** He uniform, lambda 0, after the paper's epochs. */
  record Row(double trainCost, double trainAcc, double cvAcc) {}

  private AblationPaper() {}

  /** Per optimizer, the paper's He-uniform, lambda-0 results; empty for "none". */
  static Map<String, Row> heLambda0(String paper) {
    Map<String, Row> m = new LinkedHashMap<>();
    double n = Double.NaN;
    switch (paper) {
      case "mnist" -> {
        m.put("sgd", new Row(0.0371, 0.8996, 0.8711));
        m.put("momentum", new Row(n, 0.9099, 0.8799));
        m.put("rmsprop", new Row(n, 0.9317, 0.9142));
        m.put("adam", new Row(n, 0.9145, 0.881));
      }
      case "fashion" -> {
        m.put("sgd", new Row(n, n, 0.7705));
        m.put("momentum", new Row(n, n, 0.795));
        m.put("rmsprop", new Row(n, n, 0.7911));
        m.put("adam", new Row(n, n, 0.7918));
      }
      case "cifar" -> {
        m.put("sgd", new Row(n, n, 0.3369));
        m.put("momentum", new Row(n, n, 0.2739));
        m.put("rmsprop", new Row(n, n, 0.2675));
        m.put("adam", new Row(n, n, 0.272));
      }
      default -> {}
    }
    return m;
  }

  /** The paper's finding for U[-1,1] on this dataset. */
  static String uniformFinding(String paper) {
    return paper.equals("cifar")
        ? "no significant learning for any optimizer and λ, except Adam with λ = 3, which started"
            + " learning around epoch 33"
        : "no significant learning for any optimizer and λ";
  }

  /** The paper's epochs for the dataset (its figures' x axis). */
  static int epochs(String paper) {
    return paper.equals("cifar") ? 40 : 20;
  }
}
