package dev.sparkmlp.cli;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.LocalEvaluator;
import dev.sparkmlp.train.LocalGradients;
import java.util.ArrayList;
import java.util.List;

/** Threads in this JVM: {@link LocalGradients} and {@link LocalEvaluator}. */
final class LocalEngine implements Engine {
  private final int shards;
  private final int threads;
  private final int microBatch;
  private final List<AutoCloseable> open = new ArrayList<>();

  LocalEngine(int shards, int threads) {
    this(shards, threads, 0);
  }

  /** @param microBatch train.micro-batch: rows per accumulation pass, 0 = off */
  LocalEngine(int shards, int threads, int microBatch) {
    this.shards = shards;
    this.threads = threads;
    this.microBatch = microBatch;
  }

  @Override
  public GradientSource gradients(Network net, Block train, int batch, long seed, int epochs) {
    LocalGradients g = new LocalGradients(net, train, batch, shards, threads, seed, microBatch);
    open.add(g);
    return g;
  }

  @Override
  public Evaluator evaluator(Network net, Block data, String what,
      List<? extends OutputMetric> metrics) {
    LocalEvaluator e = new LocalEvaluator(net, data, threads, what, metrics);
    open.add(e);
    return e;
  }

  @Override
  public String describe() {
    return "local";
  }

  @Override
  public void close() {
    Engine.closeAll(open);
  }
}
