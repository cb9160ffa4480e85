package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster's way of shipping driver-side rows, one broadcast per shard, run here in local
 * mode: the same blocks as the local hand-off, rebuilt from the broadcasts when a cached block
 * is lost, and the broadcasts destroyed with the RDD.
 */
class LayoutTest {
  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  /** Three shards of uneven sizes over 50 rows, rows interleaved as Shards deals them. */
  private static int[][] shardRows() {
    return new int[][] {
        {0, 3, 4, 9, 10, 11, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33, 34, 35, 36, 37, 38},
        {1, 2, 5, 6, 12, 13, 14, 15, 16, 26, 27, 28, 29, 39, 40, 41, 42},
        {7, 8, 17, 18, 19, 43, 44, 45, 46, 47, 48, 49}};
  }

  private static List<ShardBlock> collect(JavaRDD<ShardBlock> rdd) {
    List<ShardBlock> out = new java.util.ArrayList<>(rdd.collect());
    out.sort(Comparator.comparingInt(b -> b.partition));
    return out;
  }

  private static void assertSameBlocks(List<ShardBlock> want, List<ShardBlock> got) {
    assertEquals(want.size(), got.size());
    for (int p = 0; p < want.size(); p++) {
      Block a = want.get(p).block;
      Block b = got.get(p).block;
      assertEquals(p, got.get(p).partition);
      assertEquals(a.rows, b.rows, "rows of shard " + p);
      assertArrayEquals(a.x, b.x, "features of shard " + p);
      assertArrayEquals(a.y, b.y, "targets of shard " + p);
      assertArrayEquals(a.labels, b.labels, "labels of shard " + p);
    }
  }

  @Test
  void broadcastShardsHoldTheSameRowsAsTheLocalHandOff() {
    Block data = TestSpark.blobs(50, 3);
    JavaRDD<ShardBlock> local = Layout.ship(jsc, data, shardRows(), "hand-off");
    JavaRDD<ShardBlock> shipped = Layout.broadcast(jsc, data, shardRows(), "broadcast");
    try {
      assertEquals(3, shipped.getNumPartitions());
      List<ShardBlock> blocks = collect(shipped);
      assertSameBlocks(collect(local), blocks);
      // Row i of shard p is row shardRows[p][i] of the data.
      int[] rows = shardRows()[2];
      for (int i = 0; i < rows.length; i++) {
        assertEquals(data.labels[rows[i]], blocks.get(2).block.labels[i]);
        assertEquals(data.x[rows[i] * 4 + 1], blocks.get(2).block.x[i * 4 + 1]);
      }
    } finally {
      Release.rdd(local);
      Release.rdd(shipped);
    }
  }

  @Test
  void aLostBlockIsRebuiltFromItsBroadcast() {
    Block data = TestSpark.blobs(50, 4);
    JavaRDD<ShardBlock> shipped = Layout.broadcast(jsc, data, shardRows(), "broadcast");
    try {
      List<ShardBlock> before = collect(shipped);
      // Drop the cached blocks as a lost executor would; the broadcasts stay.
      shipped.unpersist(true);
      assertSameBlocks(before, collect(shipped));
    } finally {
      Release.rdd(shipped);
    }
  }

  @Test
  void releasingTheRddDestroysItsBroadcasts() {
    Block data = TestSpark.blobs(50, 5);
    JavaRDD<ShardBlock> shipped = Layout.broadcast(jsc, data, shardRows(), "broadcast");
    List<Broadcast<ShardBlock>> shards = Layout.broadcastsOf(shipped.id());
    assertEquals(3, shards.size());
    assertEquals(21, shards.get(0).value().block.rows);
    Release.rdd(shipped);
    assertEquals(null, Layout.broadcastsOf(shipped.id()));
    for (Broadcast<ShardBlock> b : shards) {
      Exception e = assertThrows(Exception.class, b::value);
      assertTrue(e.getMessage().contains("destroyed"), e.getMessage());
    }
  }

  @Test
  void anEmptyShardIsRefused() {
    Block data = TestSpark.blobs(10, 6);
    int[][] rows = {{0, 1, 2, 3, 4}, {}, {5, 6, 7, 8, 9}};
    Exception e = assertThrows(IllegalStateException.class,
        () -> Layout.broadcast(jsc, data, rows, "broadcast"));
    assertEquals("shard 1 has no rows", e.getMessage());
  }
}
