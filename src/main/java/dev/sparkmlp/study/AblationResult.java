package dev.sparkmlp.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sparkmlp.io.Json;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.train.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one ablation run produced: the metrics before training, after each epoch, and whether it
 * diverged. "val" is the CV set, or the test set for full-data runs. Stored as {@code
 * cells/<id>/result.json}; {@code key} records everything that determines the run, so that a later
 * invocation reuses the result only when it would train the same thing.
 *
 * @param initial epoch 0: the metrics at the initial weights; its gradNorms are, per parameter
 *     layer, the L2 norm of the mean data gradient (no penalty) of the first mini-batch, the scale
 *     the optimizer starts from
 * @param diverged the divergence message, or null
 */
record AblationResult(
    AblationPlan.Cell cell,
    String key,
    String[] layers,
    Epoch initial,
    List<Epoch> history,
    String diverged,
    double seconds) {
  static final OutputMetric BCE = new OutputBce();
  static final OutputMetric HALF_SE = new HalfSquaredError();

  /** The metrics every evaluation of the study computes beside the CCE and the accuracy. */
  static final List<OutputMetric> METRICS = List.of(BCE, HALF_SE);

  /**
   * Metrics of one inference pass: mean CCE, accuracy, and the means of the study's {@link
   * #METRICS}: per-output BCE and 1/2 sum (y-p)^2.
   */
  record Snapshot(double cce, double acc, double bce, double halfMse) {
    static final Snapshot NONE = new Snapshot(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    static Snapshot of(Metrics m) {
      return m == null
          ? NONE
          : new Snapshot(m.loss(), m.accuracy(), m.extra(BCE.name()), m.extra(HALF_SE.name()));
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("cce", cce);
      m.put("accuracy", acc);
      m.put("bce", bce);
      m.put("half_mse", halfMse);
      return m;
    }

    static Snapshot parse(JsonNode n) {
      return new Snapshot(
          num(n.get("cce")), num(n.get("accuracy")), num(n.get("bce")), num(n.get("half_mse")));
    }
  }

  /**
   * @param trainCost the training objective: CCE plus the L2 penalty (lambda/(2n)) sum w^2
   * @param gradNorms per parameter layer, the epoch's mean L2 norm of the mean gradient
   */
  record Epoch(int epoch, double trainCost, Snapshot train, Snapshot val, double[] gradNorms) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("epoch", epoch);
      m.put("train_cost", trainCost);
      m.put("train", train.toMap());
      m.put("val", val.toMap());
      m.put("grad_norm", list(gradNorms));
      return m;
    }

    static Epoch parse(JsonNode n) {
      return new Epoch(
          n.get("epoch").asInt(),
          num(n.get("train_cost")),
          Snapshot.parse(n.get("train")),
          Snapshot.parse(n.get("val")),
          doubles(n.get("grad_norm")));
    }
  }

  boolean isDiverged() {
    return diverged != null;
  }

  /** The last epoch's metrics; null when the run diverged or trained no epoch. */
  Epoch last() {
    return isDiverged() || history.isEmpty() ? null : history.get(history.size() - 1);
  }

  /** Final CV (or test) accuracy; NaN when diverged. */
  double valAcc() {
    Epoch e = last();
    return e == null ? Double.NaN : e.val().acc();
  }

  double trainAcc() {
    Epoch e = last();
    return e == null ? Double.NaN : e.train().acc();
  }

  String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", cell.id());
    m.put("key", key);
    m.put("phase", cell.phase().label);
    m.put("optimizer", cell.optimizer());
    m.put("lr", cell.lr());
    m.put("init", cell.init());
    m.put("lambda", cell.lambda());
    m.put("dropout", cell.dropout());
    m.put("seed", cell.seed());
    m.put("epochs", cell.epochs());
    m.put("diverged", diverged);
    m.put("seconds", seconds);
    m.put("layers", List.of(layers));
    m.put("initial", initial.toMap());
    List<Object> h = new ArrayList<>();
    for (Epoch e : history) h.add(e.toMap());
    m.put("history", h);
    return Json.pretty(m);
  }

  /** Reads a result.json written by {@link #toJson}; the caller has checked its key. */
  static AblationResult parse(AblationPlan.Cell cell, String json) {
    JsonNode n = Json.parse(json);
    List<Epoch> history = new ArrayList<>();
    for (JsonNode e : n.get("history")) history.add(Epoch.parse(e));
    List<String> layers = new ArrayList<>();
    for (JsonNode l : n.get("layers")) layers.add(l.asText());
    JsonNode div = n.get("diverged");
    return new AblationResult(
        cell,
        n.get("key").asText(),
        layers.toArray(new String[0]),
        Epoch.parse(n.get("initial")),
        history,
        div == null || div.isNull() ? null : div.asText(),
        num(n.get("seconds")));
  }

  /** The key stored in a result.json, or null when the text is not a result. */
  static String keyOf(String json) {
    try {
      JsonNode k = Json.parse(json).get("key");
      return k == null ? null : k.asText();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static List<Double> list(double[] v) {
    List<Double> l = new ArrayList<>();
    for (double d : v) l.add(d);
    return l;
  }

  private static double[] doubles(JsonNode a) {
    double[] v = new double[a.size()];
    for (int i = 0; i < v.length; i++) v[i] = num(a.get(i));
    return v;
  }

  /** JSON null (how NaN and infinities are written) reads back as NaN. */
  static double num(JsonNode n) {
    return n == null || n.isNull() ? Double.NaN : n.asDouble();
  }
}
