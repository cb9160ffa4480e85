package dev.sparkmlp.cli;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;

/** Where a run computes: threads in this JVM, or a Spark cluster. */
interface Engine extends AutoCloseable {
  GradientSource gradients(Network net, Block train, int batch, long seed, int epochs);

  Evaluator evaluator(Network net, Block data, String what);

  String describe();

  @Override
  void close();
}
