package dev.sparkmlp.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One epoch of training, as printed on the console and written to {@code metrics.jsonl}.
 *
 * @param trainLoss the mean training cost of the epoch, regularization included
 * @param train the training-set metrics: the running mean over the epoch's mini-batches (weights
 *     moving, dropout on), or a full inference pass when the trainer is given a train evaluator
 * @param validation null without a validation set; the extras of train and validation are written
 *     as train_NAME and val_NAME
 * @param gradNorms per parameter layer, the mean over the epoch's steps of the L2 norm of the mean
 *     gradient (regularization included, before clipping)
 */
public record EpochMetrics(
    int epoch,
    int epochs,
    long step,
    double trainLoss,
    Metrics train,
    Metrics validation,
    double lr,
    double seconds,
    double samplesPerSecond,
    double etaSeconds,
    String[] layerNames,
    double[] gradNorms) {

  /** The JSON object of one metrics.jsonl line. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("epoch", epoch);
    m.put("step", step);
    m.put("train_loss", trainLoss);
    m.put("train_accuracy", train.accuracy());
    train.extras().forEach((k, v) -> m.put("train_" + k, v));
    if (validation != null) {
      m.put("val_loss", validation.loss());
      m.put("val_accuracy", validation.accuracy());
      validation.extras().forEach((k, v) -> m.put("val_" + k, v));
    }
    m.put("lr", lr);
    m.put("seconds", seconds);
    m.put("samples_per_second", samplesPerSecond);
    Map<String, Object> norms = new LinkedHashMap<>();
    for (int i = 0; i < layerNames.length; i++) norms.put(layerNames[i], gradNorms[i]);
    m.put("grad_norm", norms);
    return m;
  }

  /** The console line: epoch, losses, accuracies, throughput and ETA. */
  public String line() {
    StringBuilder sb = new StringBuilder();
    int w = String.valueOf(epochs).length();
    sb.append(String.format("epoch %" + w + "d/%d  loss %.4f  acc %s", epoch, epochs, trainLoss, pct(train.accuracy())));
    if (validation != null) {
      sb.append(String.format("  val_loss %.4f  val_acc %s", validation.loss(), pct(validation.accuracy())));
    }
    sb.append(String.format("  %s samples/s  %.1fs  ETA %s", rate(samplesPerSecond), seconds, duration(etaSeconds)));
    return sb.toString();
  }

  private static String pct(double a) {
    return Double.isNaN(a) ? "  n/a " : String.format("%6.2f%%", 100 * a);
  }

  private static String rate(double r) {
    return r >= 1e6 ? String.format("%.2fM", r / 1e6) : r >= 1e3 ? String.format("%.1fk", r / 1e3) : String.format("%.0f", r);
  }

  static String duration(double s) {
    if (!(s >= 0) || Double.isInfinite(s)) return "?";
    long t = Math.round(s);
    if (t < 60) return t + "s";
    if (t < 3600) return (t / 60) + "m" + String.format("%02d", t % 60) + "s";
    return (t / 3600) + "h" + String.format("%02d", (t % 3600) / 60) + "m";
  }
}
