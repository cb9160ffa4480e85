package dev.sparkmlp.nn;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Segments;
import java.io.Serializable;

/**
 * An architecture compiled to a flat parameter layout. Immutable and serializable: it is shipped to
 * executors once, while the weights travel separately as one {@code float[]}.
 *
 * <p>Two flat vectors describe a model's state:
 * <ul>
 *   <li>{@code params} ({@link #paramCount()} floats): every trainable value. Dense layer: W (in x
 *       out, row-major) then b (out). BatchNorm and LayerNorm: gamma (width) then beta (width).
 *       Each layer owns one contiguous range; gradients use the same layout.
 *   <li>{@code buffers} ({@link #bufferCount()} floats): non-trainable state, the running mean then
 *       the running variance of each BatchNorm layer, in layer order.
 * </ul>
 *
 * <p>Call order for training on one worker thread: {@link #newWorkspace} once, then per step
 * {@link Workspace#reset()} and one or more {@link #accumulate} calls, then read the workspace sums.
 */
public final class Network implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Compiles {@code spec}, fusing softmax+CCE and sigmoid+BCE at the output. */
  public static Network build(NetworkSpec spec) {
    throw new UnsupportedOperationException("nn helper implements");
  }

  /** Compiles {@code spec} without output fusion: the loss goes through dL/dyhat and the activation's Jacobian. */
  public static Network buildUnfused(NetworkSpec spec) {
    throw new UnsupportedOperationException("nn helper implements");
  }

  public NetworkSpec spec() { throw new UnsupportedOperationException(); }

  public int inputs() { throw new UnsupportedOperationException(); }

  public int outputs() { throw new UnsupportedOperationException(); }

  public int paramCount() { throw new UnsupportedOperationException(); }

  public int bufferCount() { throw new UnsupportedOperationException(); }

  /** The Dense weight matrices (not biases, not norm parameters): what L1, L2 and weight decay act on. */
  public Segments weights() { throw new UnsupportedOperationException(); }

  /** One range per layer that has parameters, in order, for per-layer gradient norms. */
  public Segments parameterLayers() { throw new UnsupportedOperationException(); }

  /** Names of the layers in {@link #parameterLayers()}, for example "dense1", "batchnorm1". */
  public String[] parameterLayerNames() { throw new UnsupportedOperationException(); }

  /**
   * Initialises params (Dense weights by their {@link Init}, biases 0, norm gamma 1 and beta 0) and
   * buffers (running mean 0, running variance 1). Weight draws come from
   * {@code Rng.key(seed, Rng.INIT, layerIndex)}, so they do not depend on thread or partition.
   * Modified: params, buffers.
   */
  public void initialize(float[] params, float[] buffers, long seed) { throw new UnsupportedOperationException(); }

  /** A workspace for batches of up to {@code maxRows} rows. Allocate once per thread and reuse. */
  public Workspace newWorkspace(int maxRows) { throw new UnsupportedOperationException(); }

  /**
   * Training pass over rows {@code rowIndex[from..to)} of {@code block}: gathers them into the
   * workspace, runs forward in training mode (dropout on, batch statistics), the loss, and backward.
   * Adds to the workspace: the gradient sum over those rows (not the mean), the loss sum (without
   * regularization), the row count and the correct count. Overwrites the workspace's batch-norm
   * statistics with this call's batch mean and variance (layout of {@code buffers}).
   *
   * <p>Dropout unit j of row i (i counted from 0 within this call) in layer l is kept when
   * {@code Rng.uniform(Rng.key(dropoutKey, l, i), j) >= p}. Not modified: params, buffers, block.
   */
  public void accumulate(float[] params, float[] buffers, Block block, int[] rowIndex, int from, int to,
      long dropoutKey, Workspace ws) {
    throw new UnsupportedOperationException();
  }

  /**
   * Inference pass over rows {@code [from, to)} of {@code block} (no dropout, running batch-norm
   * statistics), in chunks of the workspace size. Adds loss sum, row count and correct count to the
   * workspace, and for classification the auxiliary sums {@link Workspace#bceSum()} and
   * {@link Workspace#halfMseSum()} of the outputs.
   */
  public void evaluate(float[] params, float[] buffers, Block block, int from, int to, Workspace ws) {
    throw new UnsupportedOperationException();
  }

  /**
   * Inference forward of {@code rows <= maxRows} rows starting at {@code x[xOff]} (row-major,
   * {@link #inputs()} wide). Returns the workspace's output array; row r, output j is at
   * {@code [r * outputs() + j]}. Valid until the next call on this workspace.
   */
  public float[] predict(float[] params, float[] buffers, float[] x, int xOff, int rows, Workspace ws) {
    throw new UnsupportedOperationException();
  }

  /**
   * Folds averaged batch statistics into the running ones:
   * {@code buffers = momentum * buffers + (1 - momentum) * statsSum / shards}, per BatchNorm layer
   * with its own momentum. {@code statsSum} has the layout of buffers and is the sum over
   * {@code shards} workspaces' {@link Workspace#batchStats()}. Modified: buffers.
   */
  public void updateRunningStats(float[] buffers, float[] statsSum, int shards) {
    throw new UnsupportedOperationException();
  }
}
