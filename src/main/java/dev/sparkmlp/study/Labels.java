package dev.sparkmlp.study;

/** How the report and the figures name optimizers, initialisations and regularizers. */
final class Labels {
  private Labels() {}

  static String optimizer(String o) {
    return switch (o) {
      case "sgd" -> "SGD";
      case "momentum" -> "Momentum";
      case "rmsprop" -> "RMSProp";
      case "adam" -> "Adam";
      case "adamw" -> "AdamW";
      default -> o;
    };
  }

  static String init(String i) {
    return switch (i) {
      case "uniform" -> "U[-1,1]";
      case "he_uniform" -> "He uniform";
      case "he_normal" -> "He normal";
      case "xavier_uniform" -> "Xavier uniform";
      case "xavier_normal" -> "Xavier normal";
      default -> i;
    };
  }

  /** A small-sample group's regularizer: "λ = 3" or "dropout 0.2". */
  static String variant(AblationGroup g) {
    if (g.dropout() > 0) return "dropout " + Fmt.num(g.dropout());
    return "λ = " + Fmt.num(g.lambda());
  }
}
