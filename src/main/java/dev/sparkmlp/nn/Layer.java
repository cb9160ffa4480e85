package dev.sparkmlp.nn;

import java.io.Serializable;

/**
 * The behaviour of one layer over a batch of {@code rows} rows, activations row-major
 * [rows x width]. Sizes and hyper-parameters come from the {@link LayerSpec}; weights are never
 * held here but read from the flat params at {@link #paramOffset}, and their gradient is added to
 * the same range of {@link Workspace#grad()}. Per-batch state (dropout masks, normalised inputs)
 * lives in the layer's cache in the {@link Workspace}, so a layer object is small, immutable and
 * shared by all threads.
 *
 * <p>Call order: {@link #forward} then at most one {@link #backward} on the same workspace and
 * rows. Deviating from this order will cause unexpected behaviour.
 */
abstract class Layer implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Position in {@code spec.layers()}: names the RNG streams of initialisation and dropout. */
  final int index;
  final int in;
  final int out;
  final int paramOffset;
  final int bufferOffset;

  Layer(int index, int in, int out, int paramOffset, int bufferOffset) {
    this.index = index;
    this.in = in;
    this.out = out;
    this.paramOffset = paramOffset;
    this.bufferOffset = bufferOffset;
  }

  /** Trainable floats owned, starting at {@link #paramOffset}. */
  int paramCount() {
    return 0;
  }

  /** Non-trainable floats owned (running statistics), starting at {@link #bufferOffset}. */
  int bufferCount() {
    return 0;
  }

  /** Floats of per-batch cache this layer needs in a workspace of {@code maxRows} rows. */
  int cacheSize(int maxRows) {
    return 0;
  }

  /** Sets params and buffers to their initial values. Modified: params, buffers. */
  void initialize(float[] params, float[] buffers, long seed) {}

  /**
   * y := layer(x) over {@code rows} rows. In training mode dropout is active and batch norm uses
   * batch statistics (written to {@link Workspace#batchStats()}). Modified: y, the layer's cache in
   * ws. Not modified: params, buffers, x.
   */
  abstract void forward(float[] params, float[] buffers, float[] x, float[] y, int rows,
      boolean training, long dropoutKey, Workspace ws);

  /**
   * Given dy = dL/dy, adds dL/dparams to {@code ws.grad} (a Dense layer writes it instead when
   * {@code ws.gradStale}; {@link Network#accumulate} clears the others' ranges first) and, when
   * {@code dx} is not null, sets dx := dL/dx. x and y are the arrays of the preceding
   * {@link #forward}. Modified: dx, ws.grad.
   */
  abstract void backward(float[] params, float[] x, float[] y, float[] dy, float[] dx, int rows,
      Workspace ws);
}
