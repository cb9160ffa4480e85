package dev.sparkmlp.study;

import com.typesafe.config.Config;
import dev.sparkmlp.nn.LayerSpec;
import dev.sparkmlp.nn.NetworkSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The study's network as the report describes it, "784-128-128-128-128-10 MLP, leaky_relu (α =
 * 0.1) hidden activations, softmax output with CCE", and its widths for the prose that reasons
 * about them.
 *
 * @param widths the input width, then each Dense layer's units (the last is the output count)
 */
record NetworkText(String text, List<Integer> widths) {

  static NetworkText of(Config c, NetworkSpec spec) {
    List<Integer> widths = new ArrayList<>();
    widths.add(spec.inputs());
    for (LayerSpec l : spec.layers()) if (l instanceof LayerSpec.Dense d) widths.add(d.units());
    StringBuilder mlp = new StringBuilder();
    for (int w : widths) mlp.append(mlp.length() == 0 ? "" : "-").append(w);
    String loss = c.getString("model.loss");
    String output = c.getString("model.output");
    String head =
        output.equalsIgnoreCase("auto") && loss.equalsIgnoreCase("cce")
            ? "softmax output with CCE"
            : output + " output with " + loss;
    String text =
        mlp
            + " MLP, "
            + c.getString("model.activation")
            + " (α = "
            + c.getDouble("model.alpha")
            + ") hidden activations, "
            + head;
    return new NetworkText(text, List.copyOf(widths));
  }

  int inputs() {
    return widths.get(0);
  }

  int outputs() {
    return widths.get(widths.size() - 1);
  }

  /** Layers with weights: one per Dense layer. */
  int layers() {
    return widths.size() - 1;
  }

  /** The fan-ins of the Dense layers after the first, without repeats, in order. */
  List<Integer> hiddenFanIns() {
    return widths.subList(1, widths.size() - 1).stream().distinct().toList();
  }
}
