package dev.sparkmlp.study;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;
import java.util.List;

/**
 * Where one run of a study computes: its gradient source and its evaluators, from threads in this
 * JVM or from a Spark cluster. Closing it frees what the run opened.
 */
public interface Compute extends AutoCloseable {
  GradientSource gradients(Network net, Block train, int batch, long seed, int epochs);

  /** An evaluator that reports the mean of each metric beside loss and accuracy. */
  Evaluator evaluator(Network net, Block data, String what, List<? extends OutputMetric> metrics);

  @Override
  void close();
}
