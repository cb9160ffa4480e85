package dev.sparkmlp.train;

import dev.sparkmlp.math.Vec;
import java.io.Serializable;

/**
 * The sum of one step's per-row gradients over all shards, with the loss sum, row and correct
 * counts, and the sum of the shards' batch-norm statistics. It starts empty (no arrays) and
 * allocates on the first {@link #add}; Spark tasks start from an empty one and return it.
 */
public final class Gradient implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Sum over rows of dLoss/dparams, layout of the params; null while empty. */
  public float[] grad;
  /** Sum over shards of their batch statistics, layout of the buffers; null while empty. */
  public float[] batchStats;
  public double lossSum;
  public long count;
  public long correct;
  /** Number of shards summed into {@link #batchStats}. */
  public int shards;

  public boolean isEmpty() {
    return grad == null;
  }

  /** Clears the sums, keeping the arrays. */
  public void clear() {
    if (grad != null) java.util.Arrays.fill(grad, 0f);
    if (batchStats != null) java.util.Arrays.fill(batchStats, 0f);
    lossSum = 0;
    count = 0;
    correct = 0;
    shards = 0;
  }

  /** this += one shard's sums. Modified: this. */
  public Gradient add(float[] shardGrad, float[] shardStats, double loss, long rows, long right) {
    if (grad == null) {
      grad = new float[shardGrad.length];
      batchStats = new float[shardStats.length];
    }
    Vec.add(shardGrad, grad);
    Vec.add(shardStats, batchStats);
    lossSum += loss;
    count += rows;
    correct += right;
    shards++;
    return this;
  }

  /**
   * this += other, in place; an empty side returns the other as it is. The sum tree of
   * {@link Shards#sumInTree} is made of these. Modified: this.
   */
  public Gradient merge(Gradient other) {
    if (other.isEmpty()) return this;
    if (isEmpty()) return other;
    Vec.add(other.grad, grad);
    Vec.add(other.batchStats, batchStats);
    lossSum += other.lossSum;
    count += other.count;
    correct += other.correct;
    shards += other.shards;
    return this;
  }
}
