package dev.sparkmlp.train;

import dev.sparkmlp.nn.OutputMetric;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loss and accuracy of an inference pass over a dataset, and the mean of each {@link OutputMetric}
 * the evaluator was given, by name in the metrics' order.
 *
 * @param extras per metric name, its sum over the rows divided by count; empty without metrics
 */
public record Metrics(double loss, double accuracy, long count, Map<String, Double> extras) {
  public Metrics {
    extras = Collections.unmodifiableMap(new LinkedHashMap<>(extras));
  }

  /** Loss, accuracy and count without extras. */
  public Metrics(double loss, double accuracy, long count) {
    this(loss, accuracy, count, Map.of());
  }

  /** Means of the sums of a pass; NaN for every mean when count is 0. */
  public static Metrics of(double lossSum, long correct, long count) {
    return of(lossSum, correct, count, new OutputMetric[0], new double[0]);
  }

  /** As {@link #of(double, long, long)}, with {@code sums[i]} the sum of {@code metrics[i]}. */
  public static Metrics of(double lossSum, long correct, long count, OutputMetric[] metrics,
      double[] sums) {
    if (sums.length != metrics.length) {
      throw new IllegalArgumentException(sums.length + " sums for " + metrics.length + " metrics");
    }
    Map<String, Double> extras = new LinkedHashMap<>();
    for (int i = 0; i < metrics.length; i++) {
      extras.put(metrics[i].name(), count == 0 ? Double.NaN : sums[i] / count);
    }
    if (count == 0) return new Metrics(Double.NaN, Double.NaN, 0, extras);
    return new Metrics(lossSum / count, (double) correct / count, count, extras);
  }

  /**
   * The metrics as an array, checked: names non-blank, in snake case and distinct, and neither
   * "loss" nor "accuracy" (metrics.jsonl already has train_loss and train_accuracy).
   */
  public static OutputMetric[] checked(java.util.List<? extends OutputMetric> metrics) {
    OutputMetric[] a = metrics.toArray(new OutputMetric[0]);
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (OutputMetric m : a) {
      String n = m.name();
      if (n == null || !n.matches("[a-z][a-z0-9_]*") || n.equals("loss") || n.equals("accuracy")) {
        throw new IllegalArgumentException("output metric name '" + n + "' must be snake case"
            + " and neither loss nor accuracy (" + m.getClass().getName() + ")");
      }
      if (!seen.add(n)) throw new IllegalArgumentException("two output metrics are named " + n);
    }
    return a;
  }

  /** The mean of the named metric; NaN when the evaluator did not compute it. */
  public double extra(String name) {
    return extras.getOrDefault(name, Double.NaN);
  }
}
