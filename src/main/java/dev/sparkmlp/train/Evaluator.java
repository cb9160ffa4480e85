package dev.sparkmlp.train;

/** An inference pass over one dataset (validation, test, or the training set) at given weights. */
public interface Evaluator extends AutoCloseable {
  /** Not modified: params, buffers. */
  Metrics evaluate(float[] params, float[] buffers);

  long rows();

  @Override
  default void close() {}
}
