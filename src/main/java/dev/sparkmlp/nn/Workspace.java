package dev.sparkmlp.nn;

import java.util.Arrays;

/**
 * Per-thread scratch for one {@link Network}: activations, deltas, layer caches and the running
 * sums of a training or evaluation pass. Allocated once; no pass allocates in steady state. Not
 * thread-safe.
 *
 * <p>Layout for a network of L layers: {@code act[0]} is the gathered input (maxRows x inputs),
 * {@code act[l + 1]} the output of layer l, {@code delta[l]} = dL/d{@code act[l]} (the same shape;
 * {@code delta[0]} is only allocated by {@link #enableInputGradient()}, since training never needs
 * the gradient with respect to the data).
 */
public final class Workspace {
  final int maxRows;
  /** Widths of act[0..L], to check that a workspace is used with a network of the same shape. */
  final int[] widths;
  final float[][] act;
  final float[][] delta;
  final float[][] cache;
  /** Per-feature double sums of the normalisation and bias-gradient loops: 2 * max width. */
  final double[] scratch;
  /** Gathered targets (maxRows x outputs) and labels (maxRows). */
  final float[] target;
  final int[] labels;
  final float[] grad;
  /**
   * True after {@link #reset()} until the next training pass: grad then holds stale values that
   * stand for zeros. The pass writes its gradient instead of adding it (the weight-gradient
   * product runs with beta = 0), which saves clearing and re-reading an array the size of the
   * parameters, at batch 100 a tenth of a step. {@link #grad()} clears it when no pass came.
   */
  boolean gradStale;
  final float[] batchStats;

  /** Position in its batch of the current accumulate call's first row: the dropout counter. */
  int firstRow;
  double lossSum;
  long count;
  long correct;

  Workspace(int maxRows, int[] widths, int[] cacheSizes, int paramCount, int bufferCount) {
    if (maxRows <= 0) {
      throw new IllegalArgumentException("workspace maxRows must be positive: " + maxRows);
    }
    this.maxRows = maxRows;
    this.widths = widths.clone();
    int layers = widths.length - 1;
    act = new float[layers + 1][];
    delta = new float[layers + 1][];
    cache = new float[layers][];
    int maxWidth = 0;
    for (int l = 0; l <= layers; l++) {
      act[l] = new float[maxRows * widths[l]];
      if (l > 0) delta[l] = new float[maxRows * widths[l]];
      maxWidth = Math.max(maxWidth, widths[l]);
    }
    for (int l = 0; l < layers; l++) cache[l] = new float[cacheSizes[l]];
    scratch = new double[2 * maxWidth];
    target = new float[maxRows * widths[layers]];
    labels = new int[maxRows];
    grad = new float[paramCount];
    batchStats = new float[bufferCount];
  }

  /**
   * Makes {@link Network#accumulate} also compute dL/dinput into {@link #inputGradient()}: a test
   * hook for checking the delta path down to the data.
   */
  void enableInputGradient() {
    if (delta[0] == null) delta[0] = new float[maxRows * widths[0]];
  }

  /** dL/dinput of the last accumulate (rows x inputs), or null unless enabled. */
  float[] inputGradient() {
    return delta[0];
  }

  /**
   * Clears the gradient (lazily, see {@link #gradStale}), the batch statistics and the sums before
   * a new step.
   */
  public void reset() {
    gradStale = true;
    Arrays.fill(batchStats, 0f);
    lossSum = 0;
    count = 0;
    correct = 0;
  }

  /** Makes a stale gradient the zeros it stands for. */
  void clearStaleGradient() {
    if (gradStale) {
      Arrays.fill(grad, 0f);
      gradStale = false;
    }
  }

  public int maxRows() {
    return maxRows;
  }

  /** Gradient sum over the rows accumulated since {@link #reset()}; layout of the params. */
  public float[] grad() {
    clearStaleGradient();
    return grad;
  }

  /**
   * Batch mean then unbiased variance per BatchNorm layer from the last accumulate; layout of the
   * buffers.
   */
  public float[] batchStats() {
    return batchStats;
  }

  /** Sum of per-row losses since {@link #reset()}, regularization excluded. */
  public double lossSum() {
    return lossSum;
  }

  public long count() {
    return count;
  }

  public long correct() {
    return correct;
  }
}
