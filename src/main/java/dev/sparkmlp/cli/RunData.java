package dev.sparkmlp.cli;

import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;

/**
 * A run's training, validation and test sets as an engine holds them: blocks on the driver
 * ({@link BlockData}), or rows that Spark executors read and cached (SparkEngine). The sets are
 * read and checked when the engine loads them, before training starts.
 */
interface RunData extends AutoCloseable {
  int features();

  /** Classification: the class count (one-hot width); regression: the target count. */
  int targetWidth();

  boolean classification();

  /** Number of classes (2 for a single binary output); only for classification. */
  default int classes() {
    return targetWidth() == 1 ? 2 : targetWidth();
  }

  /** Fitted on the training rows; already applied to every set. */
  Scaler scaler();

  long trainRows();

  /** -1 without a validation set. */
  long validationRows();

  /** -1 without a test set. */
  long testRows();

  /** Whether the executors read the rows from the files, none passing through the driver. */
  default boolean readByExecutors() {
    return false;
  }

  /** The training rows' gradient source. Once per run. */
  GradientSource gradients(Network net, int batch, long seed, int epochs);

  /** null without a validation set. */
  Evaluator validation(Network net);

  Evaluator trainEvaluation(Network net);

  /** null without a test set. */
  Evaluator test(Network net);

  @Override
  void close();
}
