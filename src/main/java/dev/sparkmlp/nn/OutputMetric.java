package dev.sparkmlp.nn;

import java.io.Serializable;

/**
 * A per-row measure of a network's outputs against its targets, summed by an inference pass beside
 * the loss and the correct count ({@link Network#evaluate(float[], float[], dev.sparkmlp.data.Block,
 * int, int, Workspace, OutputMetric[], double[])}). Evaluators take a list of them at construction
 * and report each one's mean over the rows under its {@link #name()}.
 *
 * <pre>
 *   sum = sum over rows r of m(yhat_r, y_r)        yhat_r, y_r: the k outputs and targets of row r
 * </pre>
 *
 * <p>Serializable, because a distributed evaluator ships its metrics to the executors with the
 * task. An implementation must be stateless (it may be called from several threads at once) and
 * should not allocate, since it runs once per chunk of rows.
 */
public interface OutputMetric extends Serializable {
  /** A short name in snake case; metrics.jsonl writes the means as train_NAME and val_NAME. */
  String name();

  /**
   * The sum of m over rows {@code [0, rows)}; row r's outputs are {@code yhat[r*k .. r*k+k)} and
   * its targets {@code y[r*k .. r*k+k)} (one-hot for classification). Not modified: yhat, y.
   */
  double sum(float[] yhat, float[] y, int rows, int k);
}
