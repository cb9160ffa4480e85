package dev.sparkmlp.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sparkmlp.io.Json;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One epoch of training, as printed on the console and written to {@code metrics.jsonl}.
 *
 * @param trainLoss the mean training cost of the epoch, regularization included
 * @param train the training-set metrics: the running mean over the epoch's mini-batches (weights
 *     moving, dropout on), or a full inference pass when the trainer is given a train evaluator
 * @param validation null without a validation set
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
    m.put("train_bce", train.bce());
    m.put("train_half_mse", train.halfMse());
    if (validation != null) {
      m.put("val_loss", validation.loss());
      m.put("val_accuracy", validation.accuracy());
      m.put("val_bce", validation.bce());
      m.put("val_half_mse", validation.halfMse());
    }
    m.put("lr", lr);
    m.put("seconds", seconds);
    m.put("samples_per_second", samplesPerSecond);
    Map<String, Object> norms = new LinkedHashMap<>();
    for (int i = 0; i < layerNames.length; i++) norms.put(layerNames[i], gradNorms[i]);
    m.put("grad_norm", norms);
    return m;
  }

  /**
   * Reads one metrics.jsonl line back: the inverse of {@link #toMap} for the fields a line holds.
   * JSON null, which is how {@code toMap}'s NaN is written, reads as NaN, and so does a missing
   * field other than {@code epoch}, {@code train_loss} and {@code train_accuracy}. A line does not
   * hold the planned number of epochs, the ETA, the row counts or the training batches' own mean
   * loss, so {@code epochs} reads as {@code epoch}, {@code etaSeconds} and {@code train().loss()} as
   * NaN and the counts as 0. Validation metrics are present when the line has {@code val_loss}.
   *
   * @throws IllegalArgumentException with a one-line message naming the field, for example
   *     {@code field train_loss: expected a number or null, found "abc"}
   */
  public static EpochMetrics fromJson(String line) {
    JsonNode n = Json.parse(line);
    if (!n.isObject()) throw new IllegalArgumentException("expected a JSON object, found " + describe(n));
    JsonNode e = n.get("epoch");
    if (e == null) throw new IllegalArgumentException("field epoch: missing");
    if (!e.isIntegralNumber() || !e.canConvertToInt() || e.intValue() < 1) {
      throw new IllegalArgumentException("field epoch: expected a positive integer, found " + describe(e));
    }
    int epoch = e.intValue();
    JsonNode st = n.get("step");
    if (st != null && (!st.isIntegralNumber() || !st.canConvertToLong() || st.longValue() < 0)) {
      throw new IllegalArgumentException("field step: expected a non-negative integer, found " + describe(st));
    }
    Metrics train = new Metrics(Double.NaN, number(n, "train_accuracy", true), 0, number(n, "train_bce", false),
        number(n, "train_half_mse", false));
    Metrics val = !n.has("val_loss") ? null : new Metrics(number(n, "val_loss", true),
        number(n, "val_accuracy", false), 0, number(n, "val_bce", false), number(n, "val_half_mse", false));
    JsonNode g = n.get("grad_norm");
    if (g != null && !g.isObject()) {
      throw new IllegalArgumentException("field grad_norm: expected an object, found " + describe(g));
    }
    String[] names = new String[g == null ? 0 : g.size()];
    double[] norms = new double[names.length];
    Iterator<String> it = g == null ? Collections.emptyIterator() : g.fieldNames();
    for (int i = 0; it.hasNext(); i++) {
      names[i] = it.next();
      norms[i] = number(g, names[i], true, "grad_norm.");
    }
    return new EpochMetrics(epoch, epoch, st == null ? 0 : st.longValue(), number(n, "train_loss", true), train,
        val, number(n, "lr", false), number(n, "seconds", false), number(n, "samples_per_second", false),
        Double.NaN, names, norms);
  }

  private static double number(JsonNode obj, String key, boolean required) {
    return number(obj, key, required, "");
  }

  private static double number(JsonNode obj, String key, boolean required, String prefix) {
    JsonNode v = obj.get(key);
    if (v == null) {
      if (required) throw new IllegalArgumentException("field " + prefix + key + ": missing");
      return Double.NaN;
    }
    if (v.isNull()) return Double.NaN;
    if (!v.isNumber()) {
      throw new IllegalArgumentException("field " + prefix + key + ": expected a number or null, found " + describe(v));
    }
    return v.doubleValue();
  }

  private static String describe(JsonNode v) {
    if (v.isMissingNode()) return "nothing";
    String s = v.toString();
    return s.length() > 40 ? s.substring(0, 37) + "..." : s;
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
