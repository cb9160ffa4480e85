package dev.sparkmlp.nn;

/**
 * Per-thread scratch for one {@link Network}: activations, deltas, layer caches and the running sums
 * of a training or evaluation pass. Allocated once; no pass allocates in steady state. Not
 * thread-safe.
 */
public final class Workspace {
  /** Clears the gradient and the sums before a new step. */
  public void reset() { throw new UnsupportedOperationException(); }

  public int maxRows() { throw new UnsupportedOperationException(); }

  /** Gradient sum over the rows accumulated since {@link #reset()}; layout of the params. */
  public float[] grad() { throw new UnsupportedOperationException(); }

  /** Batch mean then variance per BatchNorm layer from the last accumulate; layout of the buffers. */
  public float[] batchStats() { throw new UnsupportedOperationException(); }

  /** Sum of per-row losses since {@link #reset()}, regularization excluded. */
  public double lossSum() { throw new UnsupportedOperationException(); }

  public long count() { throw new UnsupportedOperationException(); }

  public long correct() { throw new UnsupportedOperationException(); }

  /** Evaluation only: sum over rows of the mean per-output binary cross-entropy of the outputs. */
  public double bceSum() { throw new UnsupportedOperationException(); }

  /** Evaluation only: sum over rows of 1/2 * sum_j (y_j - yhat_j)^2 of the outputs. */
  public double halfMseSum() { throw new UnsupportedOperationException(); }
}
