package dev.sparkmlp.nn;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Segments;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 * {@link Workspace#reset()} and one or more {@link #accumulate} calls, then read the workspace
 * sums.
 *
 * <p>Widths flow through the layers: a Dense layer takes whatever width arrives and emits its
 * units; activation, dropout and normalisation layers keep their width. Backward stops at the first
 * layer with parameters and never computes the delta of the input, which nobody needs (for an MNIST
 * MLP that skips a batch x 128 x 784 product).
 */
public final class Network implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final OutputMetric[] NO_METRICS = {};
  private static final double[] NO_SUMS = {};

  private final NetworkSpec spec;
  private final Layer[] layers;
  /** widths[l] is the width entering layer l; widths[layers.length] is the output width. */
  private final int[] widths;
  private final int paramCount;
  private final int bufferCount;
  /** One of the {@link Objective} fusion modes. */
  private final int fusion;
  /** Index of the first layer with parameters (layers.length when none): backward stops there. */
  private final int firstParamLayer;
  private final Segments weights;
  private final Segments parameterLayers;
  private final String[] parameterLayerNames;

  private Network(NetworkSpec spec, boolean fuse) {
    this.spec = spec;
    List<LayerSpec> specs = spec.layers();
    if (specs.isEmpty()) throw new IllegalArgumentException("a network needs at least one layer");
    int n = specs.size();
    layers = new Layer[n];
    widths = new int[n + 1];
    int w = spec.inputs();
    int p = 0;
    int b = 0;
    List<Integer> weightOff = new ArrayList<>();
    List<Integer> weightLen = new ArrayList<>();
    List<Integer> layerOff = new ArrayList<>();
    List<Integer> layerLen = new ArrayList<>();
    List<String> names = new ArrayList<>();
    int denseCount = 0;
    int bnCount = 0;
    int lnCount = 0;
    for (int l = 0; l < n; l++) {
      widths[l] = w;
      LayerSpec s = specs.get(l);
      Layer layer;
      if (s instanceof LayerSpec.Dense d) {
        if (d.init() == null) {
          throw new IllegalArgumentException("layer " + l + ": dense init is null");
        }
        layer = new DenseLayer(l, w, d.units(), d.init(), p);
        weightOff.add(p);
        weightLen.add(w * d.units());
        names.add("dense" + ++denseCount);
      } else if (s instanceof LayerSpec.Act a) {
        if (a.fn() == null) {
          throw new IllegalArgumentException("layer " + l + ": activation is null");
        }
        layer = new ActivationLayer(l, w, a.fn(), a.alpha());
      } else if (s instanceof LayerSpec.Dropout d) {
        layer = new DropoutLayer(l, w, d.p());
      } else if (s instanceof LayerSpec.BatchNorm bn) {
        // The record checked eps and momentum.
        layer = new BatchNormLayer(l, w, bn.momentum(), bn.eps(), p, b);
        names.add("batchnorm" + ++bnCount);
      } else if (s instanceof LayerSpec.LayerNorm ln) {
        layer = new LayerNormLayer(l, w, ln.eps(), p);
        names.add("layernorm" + ++lnCount);
      } else {
        throw new IllegalArgumentException("layer " + l + ": unsupported layer " + s);
      }
      if (layer.paramCount() > 0) {
        layerOff.add(p);
        layerLen.add(layer.paramCount());
      }
      if ((long) p + layer.paramCount() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("layer " + l + ": more than 2^31 parameters");
      }
      p += layer.paramCount();
      b += layer.bufferCount();
      layers[l] = layer;
      w = layer.out;
    }
    widths[n] = w;
    paramCount = p;
    bufferCount = b;
    int first = n;
    for (int l = n - 1; l >= 0; l--) if (layers[l].paramCount() > 0) first = l;
    firstParamLayer = first;
    fusion = fuse ? fusionOf(specs.get(n - 1), spec.loss()) : Objective.UNFUSED;
    weights = segments(weightOff, weightLen);
    parameterLayers = segments(layerOff, layerLen);
    parameterLayerNames = names.toArray(new String[0]);
  }

  private static int fusionOf(LayerSpec last, Loss loss) {
    if (last instanceof LayerSpec.Act a) {
      if (a.fn() == Activation.SOFTMAX && loss == Loss.CCE) return Objective.SOFTMAX_CCE;
      if (a.fn() == Activation.SIGMOID && loss == Loss.BCE) return Objective.SIGMOID_BCE;
    }
    return Objective.UNFUSED;
  }

  private static Segments segments(List<Integer> off, List<Integer> len) {
    int[] o = new int[off.size()];
    int[] l = new int[len.size()];
    for (int i = 0; i < o.length; i++) {
      o[i] = off.get(i);
      l[i] = len.get(i);
    }
    return new Segments(o, l);
  }

  /** Compiles {@code spec}, fusing softmax+CCE and sigmoid+BCE at the output. */
  public static Network build(NetworkSpec spec) {
    if (spec.loss() == null) throw new IllegalArgumentException("network loss is null");
    return new Network(spec, true);
  }

  /**
   * Compiles {@code spec} without output fusion: the loss goes through dL/dyhat and the
   * activation's Jacobian.
   */
  public static Network buildUnfused(NetworkSpec spec) {
    if (spec.loss() == null) throw new IllegalArgumentException("network loss is null");
    return new Network(spec, false);
  }

  public NetworkSpec spec() {
    return spec;
  }

  public int inputs() {
    return widths[0];
  }

  public int outputs() {
    return widths[layers.length];
  }

  public int paramCount() {
    return paramCount;
  }

  public int bufferCount() {
    return bufferCount;
  }

  /** True when the output activation and the loss are fused (softmax+CCE or sigmoid+BCE). */
  public boolean isFused() {
    return fusion != Objective.UNFUSED;
  }

  /**
   * The Dense weight matrices (not biases, not norm parameters): what L1, L2 and weight decay act
   * on.
   */
  public Segments weights() {
    return weights;
  }

  /** One range per layer that has parameters, in order, for per-layer gradient norms. */
  public Segments parameterLayers() {
    return parameterLayers;
  }

  /** Names of the layers in {@link #parameterLayers()}, for example "dense1", "batchnorm1". */
  public String[] parameterLayerNames() {
    return parameterLayerNames.clone();
  }

  /**
   * Initialises params (Dense weights by their {@link Init}, biases 0, norm gamma 1 and beta 0) and
   * buffers (running mean 0, running variance 1). Weight draws come from
   * {@code Rng.key(seed, Rng.INIT, layerIndex)}, so they do not depend on thread or partition.
   * Modified: params, buffers.
   */
  public void initialize(float[] params, float[] buffers, long seed) {
    checkLength("params", params, paramCount);
    checkLength("buffers", buffers, bufferCount);
    for (Layer layer : layers) layer.initialize(params, buffers, seed);
  }

  /** A workspace for batches of up to {@code maxRows} rows. Allocate once per thread and reuse. */
  public Workspace newWorkspace(int maxRows) {
    int[] cacheSizes = new int[layers.length];
    for (int l = 0; l < layers.length; l++) cacheSizes[l] = layers[l].cacheSize(maxRows);
    return new Workspace(maxRows, widths, cacheSizes, paramCount, bufferCount);
  }

  /**
   * Training pass over rows {@code rowIndex[from..to)} of {@code block}: gathers them into the
   * workspace, runs forward in training mode (dropout on, batch statistics), the loss, and
   * backward. Adds to the workspace: the gradient sum over those rows (not the mean), the loss sum
   * (without regularization), the row count and the correct count. Overwrites the workspace's
   * batch-norm statistics with this call's batch mean and variance (layout of {@code buffers}).
   *
   * <p>Dropout unit j of row i (i counted from 0 within this call) in layer l is kept when
   * {@code Rng.uniform(Rng.key(dropoutKey, l, i), j) >= p}. Not modified: params, buffers, block.
   *
   * <p>One call is one batch (batch norm normalises over exactly these rows), so it is never split:
   * {@code to - from} greater than {@link Workspace#maxRows()} throws IllegalArgumentException.
   */
  public void accumulate(float[] params, float[] buffers, Block block, int[] rowIndex, int from,
      int to, long dropoutKey, Workspace ws) {
    accumulate(params, buffers, block, rowIndex, from, to, dropoutKey, 0, ws);
  }

  /**
   * The pass above over one micro-batch of a larger batch, whose first row is row
   * {@code firstRow} of that batch: dropout counts rows from {@code firstRow} (row i of this call
   * draws the mask of row {@code firstRow + i}), so a batch accumulated in micro-batches draws the
   * masks it draws in one call. The gradient sum is the same up to float rounding, since each
   * call adds its own sum into the workspace's. Batch norm normalises over each call's rows.
   */
  public void accumulate(float[] params, float[] buffers, Block block, int[] rowIndex, int from,
      int to, long dropoutKey, int firstRow, Workspace ws) {
    checkCall(params, buffers, block, ws);
    if (firstRow < 0) throw new IllegalArgumentException("negative first row " + firstRow);
    if (from < 0 || to < from || to > rowIndex.length) {
      throw new IllegalArgumentException("row range [" + from + ", " + to
          + ") outside the row index of length " + rowIndex.length);
    }
    int rows = to - from;
    if (rows > ws.maxRows) {
      throw new IllegalArgumentException(
          "batch of " + rows + " rows exceeds the workspace size " + ws.maxRows);
    }
    if (rows == 0) return;
    int d = widths[0];
    int k = outputs();
    float[] x = ws.act[0];
    for (int i = 0; i < rows; i++) {
      int r = rowIndex[from + i];
      if (r < 0 || r >= block.rows) {
        throw new IllegalArgumentException("row index " + r + " at position " + (from + i)
            + " outside the block of " + block.rows + " rows");
      }
      System.arraycopy(block.x, r * d, x, i * d, d);
      System.arraycopy(block.y, r * k, ws.target, i * k, k);
      if (block.labels != null) ws.labels[i] = block.labels[r];
    }
    ws.firstRow = firstRow;
    forward(params, buffers, rows, true, dropoutKey, ws);
    int n = layers.length;
    float[] yhat = ws.act[n];
    int top;
    if (fusion == Objective.UNFUSED) {
      ws.lossSum +=
          Objective.loss(spec.loss(), fusion, null, yhat, ws.target, rows, k, ws.delta[n]);
      top = n - 1;
    } else {
      ws.lossSum += Objective.loss(spec.loss(), fusion, ws.act[n - 1], yhat, ws.target, rows, k,
          ws.delta[n - 1]);
      top = n - 2;
    }
    int bottom = ws.delta[0] != null ? 0 : firstParamLayer;
    if (ws.gradStale) {
      // Dense layers write their gradient over the stale values (every layer with parameters
      // lies in [bottom, top]); the normalisation layers add to theirs, cleared here.
      for (Layer layer : layers) {
        if (!(layer instanceof DenseLayer) && layer.paramCount() > 0) {
          Arrays.fill(ws.grad, layer.paramOffset, layer.paramOffset + layer.paramCount(), 0f);
        }
      }
    }
    for (int l = top; l >= bottom; l--) {
      float[] dx = l > bottom || ws.delta[0] != null ? ws.delta[l] : null;
      layers[l].backward(params, ws.act[l], ws.act[l + 1], ws.delta[l + 1], dx, rows, ws);
    }
    ws.gradStale = false;
    if (block.labels != null) ws.correct += Objective.correct(yhat, ws.labels, rows, k);
    ws.count += rows;
  }

  /**
   * Inference pass over rows {@code [from, to)} of {@code block} (no dropout, running batch-norm
   * statistics), in chunks of the workspace size. Adds loss sum, row count and correct count to the
   * workspace.
   */
  public void evaluate(float[] params, float[] buffers, Block block, int from, int to,
      Workspace ws) {
    evaluate(params, buffers, block, from, to, ws, NO_METRICS, NO_SUMS);
  }

  /**
   * The pass above, also adding each chunk's {@code metrics[i].sum} of the outputs to
   * {@code sums[i]}, chunk by chunk in row order. Modified: ws, sums.
   */
  public void evaluate(float[] params, float[] buffers, Block block, int from, int to,
      Workspace ws, OutputMetric[] metrics, double[] sums) {
    checkCall(params, buffers, block, ws);
    if (from < 0 || to < from || to > block.rows) {
      throw new IllegalArgumentException(
          "row range [" + from + ", " + to + ") outside the block of " + block.rows + " rows");
    }
    if (sums.length != metrics.length) {
      throw new IllegalArgumentException(
          sums.length + " metric sums for " + metrics.length + " metrics");
    }
    int d = widths[0];
    int k = outputs();
    int n = layers.length;
    for (int start = from; start < to; start += ws.maxRows) {
      int rows = Math.min(ws.maxRows, to - start);
      System.arraycopy(block.x, start * d, ws.act[0], 0, rows * d);
      System.arraycopy(block.y, start * k, ws.target, 0, rows * k);
      forward(params, buffers, rows, false, 0L, ws);
      float[] yhat = ws.act[n];
      ws.lossSum +=
          Objective.loss(spec.loss(), fusion, ws.act[n - 1], yhat, ws.target, rows, k, null);
      if (block.labels != null) {
        System.arraycopy(block.labels, start, ws.labels, 0, rows);
        ws.correct += Objective.correct(yhat, ws.labels, rows, k);
      }
      for (int i = 0; i < metrics.length; i++) sums[i] += metrics[i].sum(yhat, ws.target, rows, k);
      ws.count += rows;
    }
  }

  /**
   * Inference forward of {@code rows <= maxRows} rows starting at {@code x[xOff]} (row-major,
   * {@link #inputs()} wide). Returns the workspace's output array; row r, output j is at
   * {@code [r * outputs() + j]}. Valid until the next call on this workspace.
   */
  public float[] predict(float[] params, float[] buffers, float[] x, int xOff, int rows,
      Workspace ws) {
    checkState(params, buffers, ws);
    if (rows < 0 || rows > ws.maxRows) {
      throw new IllegalArgumentException(
          "predict of " + rows + " rows with a workspace of " + ws.maxRows);
    }
    int d = widths[0];
    if (xOff < 0 || (long) xOff + (long) rows * d > x.length) {
      throw new IllegalArgumentException("x has " + x.length + " floats, too few for " + rows
          + " rows of " + d + " features from offset " + xOff);
    }
    System.arraycopy(x, xOff, ws.act[0], 0, rows * d);
    forward(params, buffers, rows, false, 0L, ws);
    return ws.act[layers.length];
  }

  /**
   * Folds averaged batch statistics into the running ones:
   * {@code buffers = momentum * buffers + (1 - momentum) * statsSum / shards}, per BatchNorm layer
   * with its own momentum (the weight of the old value, see {@link LayerSpec.BatchNorm}).
   * {@code statsSum} has the layout of buffers and is the sum over {@code shards} workspaces'
   * {@link Workspace#batchStats()}. Modified: buffers.
   */
  public void updateRunningStats(float[] buffers, float[] statsSum, int shards) {
    checkLength("buffers", buffers, bufferCount);
    checkLength("statsSum", statsSum, bufferCount);
    if (shards <= 0) throw new IllegalArgumentException("shards must be positive: " + shards);
    for (Layer layer : layers) {
      if (!(layer instanceof BatchNormLayer bn)) continue;
      float m = bn.momentum;
      float batchWeight = 1f - m;
      for (int i = bn.bufferOffset; i < bn.bufferOffset + bn.bufferCount(); i++) {
        buffers[i] = m * buffers[i] + batchWeight * (statsSum[i] / shards);
      }
    }
  }

  private void forward(float[] params, float[] buffers, int rows, boolean training, long dropoutKey,
      Workspace ws) {
    for (int l = 0; l < layers.length; l++) {
      layers[l].forward(params, buffers, ws.act[l], ws.act[l + 1], rows, training, dropoutKey, ws);
    }
  }

  /**
   * Checks that {@code data} fits this network: as many features as inputs and as many target
   * columns as outputs. The one place this is checked; {@code what} names the data in the error,
   * e.g. "training data" or "validation set".
   *
   * @throws IllegalArgumentException naming both widths
   */
  public void checkData(Block data, String what) {
    if (data.features != inputs()) {
      throw new IllegalArgumentException("the network expects " + inputs() + " inputs but the "
          + what + " has " + data.features + " features");
    }
    if (data.targetWidth != outputs()) {
      throw new IllegalArgumentException("the network has " + outputs() + " outputs but the "
          + what + " has " + data.targetWidth + " target columns");
    }
  }

  private void checkCall(float[] params, float[] buffers, Block block, Workspace ws) {
    checkState(params, buffers, ws);
    checkData(block, "data");
  }

  private void checkState(float[] params, float[] buffers, Workspace ws) {
    checkLength("params", params, paramCount);
    checkLength("buffers", buffers, bufferCount);
    if (!Arrays.equals(ws.widths, widths) || ws.grad.length != paramCount
        || ws.batchStats.length != bufferCount) {
      throw new IllegalArgumentException("workspace was made for a different network: widths "
          + Arrays.toString(ws.widths) + ", this network " + Arrays.toString(widths));
    }
  }

  private static void checkLength(String name, float[] a, int expected) {
    if (a.length != expected) {
      throw new IllegalArgumentException(
          name + " has " + a.length + " floats, the network has " + expected);
    }
  }

  @Override
  public String toString() {
    return "Network" + Arrays.toString(widths) + " " + spec.layers() + " loss=" + spec.loss()
        + (isFused() ? " (fused)" : "");
  }
}
