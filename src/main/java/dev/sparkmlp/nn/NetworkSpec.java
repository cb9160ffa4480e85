package dev.sparkmlp.nn;

import java.io.Serializable;
import java.util.List;

/**
 * An architecture: the input width, the layers in order, and the loss. The last layer's output is
 * the network's output, so a classifier ends with {@code Act(SOFTMAX)} (fused with CCE) and a binary
 * one with {@code Act(SIGMOID)} (fused with BCE).
 */
public record NetworkSpec(int inputs, List<LayerSpec> layers, Loss loss) implements Serializable {
  public NetworkSpec {
    if (inputs <= 0) throw new IllegalArgumentException("network inputs must be positive: " + inputs);
    layers = List.copyOf(layers);
  }

  /**
   * The usual MLP: for each hidden width a Dense layer with {@code init}, then optional batch norm,
   * layer norm, the activation and optional dropout; then a Dense output layer and its activation.
   */
  public static NetworkSpec mlp(int inputs, int[] hidden, int outputs, Activation hiddenAct, float alpha,
      Init init, Activation outputAct, Loss loss, float dropout, boolean batchNorm, boolean layerNorm) {
    var layers = new java.util.ArrayList<LayerSpec>();
    for (int h : hidden) {
      layers.add(new LayerSpec.Dense(h, init));
      if (batchNorm) {
        layers.add(new LayerSpec.BatchNorm(LayerSpec.BatchNorm.DEFAULT_MOMENTUM,
            LayerSpec.BatchNorm.DEFAULT_EPS));
      }
      if (layerNorm) layers.add(new LayerSpec.LayerNorm(LayerSpec.LayerNorm.DEFAULT_EPS));
      layers.add(new LayerSpec.Act(hiddenAct, alpha));
      if (dropout > 0f) layers.add(new LayerSpec.Dropout(dropout));
    }
    layers.add(new LayerSpec.Dense(outputs, init));
    layers.add(new LayerSpec.Act(outputAct, 0f));
    return new NetworkSpec(inputs, layers, loss);
  }

  /** The same network with every BatchNorm layer using {@code momentum} for its running statistics. */
  public NetworkSpec withBatchNormMomentum(float momentum) {
    return new NetworkSpec(inputs, layers.stream()
        .map(l -> l instanceof LayerSpec.BatchNorm b ? (LayerSpec) new LayerSpec.BatchNorm(momentum, b.eps()) : l)
        .toList(), loss);
  }
}
