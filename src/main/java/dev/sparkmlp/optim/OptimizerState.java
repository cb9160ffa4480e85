package dev.sparkmlp.optim;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of an optimizer's state, for checkpoints: the optimizer's {@link Optimizer#name()},
 * the number of steps taken and its per-parameter arrays by name ("m", "v", "velocity", "s").
 * The map is empty before the first step and for {@link Sgd}.
 *
 * <p>The map keeps its insertion order so that writers produce the same file every time. The
 * arrays are not copied here: {@link Optimizer#state()} and {@link Optimizer#restore} copy them.
 * Equality compares array contents.
 */
public record OptimizerState(String optimizer, long t, Map<String, float[]> arrays) {

  public OptimizerState {
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(arrays, "arrays");
    if (t < 0) throw new IllegalArgumentException("optimizer state: step count t=" + t + " < 0");
    Map<String, float[]> copy = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : arrays.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new IllegalArgumentException("optimizer state: null array name or array " + e);
      }
      copy.put(e.getKey(), e.getValue());
    }
    arrays = Collections.unmodifiableMap(copy);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof OptimizerState s)) return false;
    if (!optimizer.equals(s.optimizer) || t != s.t || !arrays.keySet().equals(s.arrays.keySet())) {
      return false;
    }
    for (Map.Entry<String, float[]> e : arrays.entrySet()) {
      if (!Arrays.equals(e.getValue(), s.arrays.get(e.getKey()))) return false;
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(optimizer, t);
    for (Map.Entry<String, float[]> e : arrays.entrySet()) {
      h = 31 * h + (e.getKey().hashCode() ^ Arrays.hashCode(e.getValue()));
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("OptimizerState[").append(optimizer);
    sb.append(", t=").append(t);
    for (Map.Entry<String, float[]> e : arrays.entrySet()) {
      sb.append(", ").append(e.getKey()).append('[').append(e.getValue().length).append(']');
    }
    return sb.append(']').toString();
  }
}
