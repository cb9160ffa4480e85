package dev.sparkmlp.train;

import com.fasterxml.jackson.databind.JsonNode;
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
    double etaSeconds) {

  /**
   * The JSON object of one metrics.jsonl line. It holds every field, so {@link #fromJson} reads
   * back an equal record (a checkpoint keeps the history this way).
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("epoch", epoch);
    m.put("epochs", epochs);
    m.put("step", step);
    m.put("train_loss", trainLoss);
    m.put("train_accuracy", train.accuracy());
    m.put("train_data_loss", train.loss());
    m.put("train_count", train.count());
    train.extras().forEach((k, v) -> m.put("train_" + k, v));
    if (validation != null) {
      m.put("val_loss", validation.loss());
      m.put("val_accuracy", validation.accuracy());
      m.put("val_count", validation.count());
      validation.extras().forEach((k, v) -> m.put("val_" + k, v));
    }
    m.put("lr", lr);
    m.put("seconds", seconds);
    m.put("samples_per_second", samplesPerSecond);
    m.put("eta_seconds", etaSeconds);
    return m;
  }

  /**
   * Reads one line written by {@link #toMap}. JSON null stands for NaN, as {@code io.Json}
   * writes it.
   *
   * @throws IllegalArgumentException naming the first missing or mistyped field
   */
  public static EpochMetrics fromJson(JsonNode n) {
    if (n == null || !n.isObject()) throw new IllegalArgumentException("expected a JSON object");
    Metrics train = new Metrics(number(n, "train_data_loss"), number(n, "train_accuracy"),
        longValue(n, "train_count"), extras(n, "train_", TRAIN_FIELDS));
    Metrics val = !n.has("val_loss") ? null : new Metrics(number(n, "val_loss"),
        number(n, "val_accuracy"), longValue(n, "val_count"), extras(n, "val_", VAL_FIELDS));
    return new EpochMetrics((int) longValue(n, "epoch"), (int) longValue(n, "epochs"),
        longValue(n, "step"), number(n, "train_loss"), train, val, number(n, "lr"),
        number(n, "seconds"), number(n, "samples_per_second"), number(n, "eta_seconds"));
  }

  private static final java.util.Set<String> TRAIN_FIELDS =
      java.util.Set.of("train_loss", "train_accuracy", "train_data_loss", "train_count");
  private static final java.util.Set<String> VAL_FIELDS =
      java.util.Set.of("val_loss", "val_accuracy", "val_count");

  /** The fields prefix + NAME that are not among {@code known}: the metrics' extras, in order. */
  private static Map<String, Double> extras(JsonNode n, String prefix, java.util.Set<String> known) {
    Map<String, Double> m = new LinkedHashMap<>();
    n.fieldNames().forEachRemaining(f -> {
      if (f.startsWith(prefix) && !known.contains(f)) m.put(f.substring(prefix.length()), number(n, f));
    });
    return m;
  }

  private static double number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null) throw new IllegalArgumentException("field " + field + " is missing");
    if (v.isNull()) return Double.NaN;
    if (!v.isNumber()) throw new IllegalArgumentException("field " + field + ": expected a number, found " + v);
    return v.doubleValue();
  }

  private static long longValue(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null) throw new IllegalArgumentException("field " + field + " is missing");
    if (!v.canConvertToLong() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException("field " + field + ": expected an integer, found " + v);
    }
    return v.longValue();
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
