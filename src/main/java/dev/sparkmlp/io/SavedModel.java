package dev.sparkmlp.io;

import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.nn.NetworkSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything needed to use a trained network: its architecture, its flat parameters and buffers
 * (layout of {@code nn.Network}), the input scaling it was trained with, and what its outputs mean.
 * {@link ModelIO} saves and loads it.
 *
 * @param scaler the feature scaling applied before the network, or null for none
 * @param task "classification" or "regression"
 * @param classes the number of classes for classification, 0 for regression
 * @param info free-form facts for people (creation time, version, config summary), in order
 */
public record SavedModel(NetworkSpec spec, float[] params, float[] buffers, Scaler scaler,
    String task, int classes, Map<String, String> info) {

  public static final String CLASSIFICATION = "classification";
  public static final String REGRESSION = "regression";

  public SavedModel {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(buffers, "buffers");
    if (!CLASSIFICATION.equals(task) && !REGRESSION.equals(task)) {
      throw new IllegalArgumentException(
          "task must be \"classification\" or \"regression\", not " + (task == null ? "null" : "\"" + task + "\""));
    }
    if (classes < 0) throw new IllegalArgumentException("classes must not be negative: " + classes);
    Map<String, String> copy = new LinkedHashMap<>();
    if (info != null) {
      for (Map.Entry<String, String> e : info.entrySet()) {
        copy.put(Objects.requireNonNull(e.getKey(), "info key"),
            Objects.requireNonNull(e.getValue(), "info value of " + e.getKey()));
      }
    }
    info = Collections.unmodifiableMap(copy);
  }

  /** The same model with other weights (not copied). */
  public SavedModel withWeights(float[] params, float[] buffers) {
    return new SavedModel(spec, params, buffers, scaler, task, classes, info);
  }
}
