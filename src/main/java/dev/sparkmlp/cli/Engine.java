package dev.sparkmlp.cli;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Datasets;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;
import java.util.List;

/** Where a run computes: threads in this JVM, or a Spark cluster. */
interface Engine extends AutoCloseable {
  /**
   * Reads and checks a run's data sets: on the driver ({@link Datasets}) unless the engine reads
   * the format where it computes.
   *
   * @param evaluateTrain whether {@link RunData#trainEvaluation} will be asked for
   */
  default RunData load(DataSpec spec, long seed, int batch, boolean evaluateTrain) {
    return new BlockData(this, Datasets.load(spec, seed));
  }

  GradientSource gradients(Network net, Block train, int batch, long seed, int epochs);

  /** An evaluator of loss and accuracy only. */
  default Evaluator evaluator(Network net, Block data, String what) {
    return evaluator(net, data, what, List.of());
  }

  /** An evaluator that also reports the mean of each metric (Metrics.extras). */
  Evaluator evaluator(Network net, Block data, String what, List<? extends OutputMetric> metrics);

  String describe();

  @Override
  void close();

  /**
   * Closes what an engine opened, then forgets it. Best effort: stopping worker threads or
   * unpersisting and destroying broadcasts cannot fail in a way the user can act on. Modified: open.
   */
  static void closeAll(List<AutoCloseable> open) {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception ignored) {
        // Best effort, as said above.
      }
    }
    open.clear();
  }
}
