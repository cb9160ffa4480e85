package dev.sparkmlp.cli;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Datasets;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;

/** Data read on the driver ({@link Datasets}), handed to an engine's gradient source and evaluators. */
final class BlockData implements RunData {
  private final Engine engine;
  private final Datasets data;

  BlockData(Engine engine, Datasets data) {
    this.engine = engine;
    this.data = data;
  }

  @Override
  public int features() {
    return data.train().features;
  }

  @Override
  public int targetWidth() {
    return data.train().targetWidth;
  }

  @Override
  public boolean classification() {
    return data.train().isClassification();
  }

  @Override
  public Scaler scaler() {
    return data.scaler();
  }

  @Override
  public long trainRows() {
    return data.train().rows;
  }

  @Override
  public long validationRows() {
    return data.validation() == null ? -1 : data.validation().rows;
  }

  @Override
  public long testRows() {
    return data.test() == null ? -1 : data.test().rows;
  }

  @Override
  public GradientSource gradients(Network net, int batch, long seed, int epochs) {
    return engine.gradients(net, data.train(), batch, seed, epochs);
  }

  @Override
  public Evaluator validation(Network net) {
    Block v = data.validation();
    return v == null ? null : engine.evaluator(net, v, "validation set");
  }

  @Override
  public Evaluator trainEvaluation(Network net) {
    return engine.evaluator(net, data.train(), "training set");
  }

  @Override
  public Evaluator test(Network net) {
    Block t = data.test();
    return t == null ? null : engine.evaluator(net, t, "test set");
  }

  @Override
  public void close() {
    // The engine closes the gradient sources and evaluators it made.
  }
}
