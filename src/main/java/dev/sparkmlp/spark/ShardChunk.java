package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import java.io.Serializable;

/**
 * Some rows of one shard on their way to its partition: the rows' global ids (ascending) and the
 * rows themselves. The chunks of one shard cover disjoint id ranges, so concatenating them in the
 * order of their first id gives the shard's rows in ascending id order.
 */
final class ShardChunk implements Serializable {
  private static final long serialVersionUID = 1L;

  final int shard;
  final int[] ids;
  final Block rows;

  ShardChunk(int shard, int[] ids, Block rows) {
    if (ids.length != rows.rows || ids.length == 0) {
      throw new IllegalArgumentException("chunk of shard " + shard + ": " + ids.length + " ids for "
          + rows.rows + " rows");
    }
    this.shard = shard;
    this.ids = ids;
    this.rows = rows;
  }
}
