package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import java.io.Serializable;

/**
 * The rows of one partition of a cached training or evaluation RDD. For training they are the rows
 * of {@code Shards.rows(partition)} in the same ascending order, so position i here is position i
 * of shard {@code partition} in {@code LocalGradients}. Each partition holds exactly one.
 */
public final class ShardBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  public final int partition;
  public final Block block;

  public ShardBlock(int partition, Block block) {
    this.partition = partition;
    this.block = block;
  }

  @Override
  public String toString() {
    return "ShardBlock(" + partition + ", " + block.rows + " rows)";
  }
}
