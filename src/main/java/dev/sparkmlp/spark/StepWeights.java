package dev.sparkmlp.spark;

import java.io.Serializable;

/**
 * The weights of one step, broadcast as one value: the params and the batch-norm buffers. In local
 * mode Spark hands the executors the driver's object itself, so these are the trainer's arrays and
 * are not copied; that is safe because the trainer changes them only after the step's job is done.
 */
final class StepWeights implements Serializable {
  private static final long serialVersionUID = 1L;

  final float[] params;
  final float[] buffers;

  StepWeights(float[] params, float[] buffers) {
    this.params = params;
    this.buffers = buffers;
  }
}
