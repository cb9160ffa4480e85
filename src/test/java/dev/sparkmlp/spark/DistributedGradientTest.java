package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.LocalGradients;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On local[4] with 4 partitions, the aggregated gradient equals the single-machine gradient of the
 * same global batch (LocalGradients with 4 shards), bitwise: with 4 partitions the sum tree is one
 * group, added in partition order, by the driver at depth 1 and by one group task at depth 2, as
 * LocalGradients adds its shards. Counts, correct counts and the shard count are integers.
 */
class DistributedGradientTest {
  static SparkSession spark;
  static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[4]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @ParameterizedTest(name = "depth {0}")
  @ValueSource(ints = {1, 2})
  void fourPartitionsGiveTheSingleMachineGradient(int depth) {
    Network net = Network.build(TestSpark.spec(0.25f, true));
    Block train = TestSpark.blobs(523, 31);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 8);
    int batch = 50;
    try (SparkGradients spark = new SparkGradients(jsc, net, train, batch, 4, 8, 2, depth);
        LocalGradients local = new LocalGradients(net, train, batch, 4, 2, 8)) {
      assertEquals(4, spark.shards());
      assertEquals(depth, spark.treeDepth());
      assertEquals(local.stepsPerEpoch(), spark.stepsPerEpoch());
      for (int[] es : new int[][] {{0, 0}, {1, 3}, {1, local.stepsPerEpoch() - 1}}) {
        Gradient s = spark.compute(w, buf, es[0], es[1]);
        float[] sg = s.grad.clone();
        float[] ss = s.batchStats.clone();
        double sl = s.lossSum;
        long sc = s.count;
        long sr = s.correct;
        int sh = s.shards;
        Gradient l = local.compute(w, buf, es[0], es[1]);
        String where = "epoch " + es[0] + " step " + es[1];
        assertEquals(batch, sc, where);
        assertEquals(l.count, sc, where);
        assertEquals(l.correct, sr, where);
        assertEquals(4, sh, where);
        assertArrayEquals(l.grad, sg, where + " gradient");
        assertArrayEquals(l.batchStats, ss, where + " batch statistics");
        assertEquals(l.lossSum, sl, 0, where + " loss");
      }
    }
  }

  /**
   * With train.micro-batch, each partition accumulates its rows in micro-batches of 16 (the last
   * of a partition's 50 rows a step being 2), as each local shard does: bitwise the same sums,
   * and the executors' workspaces (in local mode, this JVM's) hold 16 rows, not 50.
   */
  @ParameterizedTest(name = "depth {0}")
  @ValueSource(ints = {1, 2})
  void microBatchesOnExecutorsGiveTheLocalMicroBatchGradient(int depth) {
    Network net = Network.build(TestSpark.spec(0.25f, false));
    Block train = TestSpark.blobs(1000, 7);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 3);
    int batch = 200;
    try (SparkGradients spark = new SparkGradients(jsc, net, train, batch, 4, 8, 2, depth, 16);
        LocalGradients local = new LocalGradients(net, train, batch, 4, 2, 8, 16)) {
      for (int[] es : new int[][] {{0, 0}, {1, 2}}) {
        Gradient s = spark.compute(w, buf, es[0], es[1]);
        float[] sg = s.grad.clone();
        double sl = s.lossSum;
        long sr = s.correct;
        Gradient l = local.compute(w, buf, es[0], es[1]);
        String where = "epoch " + es[0] + " step " + es[1];
        assertEquals(batch, s.count, where);
        assertEquals(l.correct, sr, where);
        assertArrayEquals(l.grad, sg, where + " gradient");
        assertEquals(l.lossSum, sl, 0, where + " loss");
      }
      int[] rows = spark.executorWorkspaceRows();
      assertTrue(rows.length > 0, "the tasks ran in this JVM and left their workspaces");
      for (int r : rows) assertEquals(16, r, "workspace rows: the micro-batch, not 50");
    }
  }
}
