package dev.sparkmlp.cli;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.math.Vec;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code sparkmlp predict --model DIR --data PATH --output FILE}: one CSV line per row. For a
 * classifier: the predicted class, then the probability of each class; for a regressor: the outputs.
 * With {@code --engine spark} and data the executors read (csv, libsvm, parquet, orc), the
 * executors write a directory of part files instead ({@link SparkPredict}).
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Write predictions of a saved model as CSV (written atomically).")
final class PredictCommand implements Callable<Integer> {
  private static final int CHUNK = 1024;

  @Mixin
  ModelOptions input;

  @Mixin
  CommonOptions common;

  @Override
  public Integer call() {
    if (common.output == null) throw new IllegalArgumentException("--output FILE is required");
    String output = common.output;
    common.output = null;
    ModelData.Prepared prepared = ModelData.prepare(input.model, common, input.data, input.labels);
    if (prepared.settings().engine().equals("spark") && prepared.spec().executorRead()) {
      long n = SparkPredict.run(prepared, input.data, output);
      System.out.printf("sparkmlp: wrote %,d predictions to %s%n", n, output);
      return 0;
    }
    ModelData md = input.load(common);
    Network net = md.net();
    Block b = md.data();
    boolean classifier = md.model().task().equals("classification");
    int k = net.outputs();
    Fs.writeAtomically(output, os -> {
      BufferedWriter w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
      StringBuilder header = new StringBuilder(classifier ? "prediction" : "");
      for (int j = 0; j < k; j++) {
        if (header.length() > 0) header.append(',');
        header.append(classifier ? (k == 1 ? "p1" : "p" + j) : "y" + j);
      }
      w.write(header.append('\n').toString());
      Workspace ws = net.newWorkspace(CHUNK);
      StringBuilder line = new StringBuilder();
      for (int from = 0; from < b.rows; from += CHUNK) {
        int n = Math.min(CHUNK, b.rows - from);
        float[] y = net.predict(md.model().params(), md.model().buffers(), b.x, from * b.features, n, ws);
        for (int r = 0; r < n; r++) {
          line.setLength(0);
          if (classifier) {
            int cls = k == 1 ? (y[r] >= 0.5f ? 1 : 0) : Vec.argmax(y, r * k, k);
            line.append(cls);
          }
          for (int j = 0; j < k; j++) {
            if (line.length() > 0) line.append(',');
            line.append(y[r * k + j]);
          }
          w.write(line.append('\n').toString());
        }
      }
      w.flush();
    });
    System.out.printf("sparkmlp: wrote %,d predictions to %s%n", b.rows, output);
    return 0;
  }
}
