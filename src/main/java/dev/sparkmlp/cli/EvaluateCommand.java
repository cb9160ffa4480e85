package dev.sparkmlp.cli;

import dev.sparkmlp.io.Json;
import dev.sparkmlp.train.LocalEvaluator;
import dev.sparkmlp.train.Metrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sparkmlp evaluate --model DIR --data PATH}: loss and accuracy of a saved model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Score a saved model on a dataset: prints loss and accuracy.")
final class EvaluateCommand implements Callable<Integer> {
  @Mixin
  ModelOptions input;

  @Mixin
  CommonOptions common;

  @Override
  public Integer call() {
    ModelData md = input.load(common);
    Metrics m;
    try (LocalEvaluator e = new LocalEvaluator(md.net(), md.data(), Runtime.getRuntime().availableProcessors(), input.data)) {
      m = e.evaluate(md.model().params(), md.model().buffers());
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("rows", m.count());
    r.put("loss", m.loss());
    if (md.model().task().equals("classification")) r.put("accuracy", m.accuracy());
    System.out.println(Json.line(r));
    if (common.output != null) Json.writeFileAtomically(common.output, Json.pretty(r) + "\n");
    return 0;
  }
}
