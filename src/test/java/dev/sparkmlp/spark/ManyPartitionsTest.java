package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.LocalGradients;
import dev.sparkmlp.train.Shards;
import dev.sparkmlp.train.TrainResult;
import dev.sparkmlp.train.Trainer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Above 32 partitions the partition sums are added in the fixed tree of
 * {@link Shards#sumGroupSize} (64: 8 groups of 8; 200: 13 groups of 15 and one of 5), on executors
 * at depth 2 and on the driver at depth 1. Either way a run must be bitwise the run of
 * LocalGradients with as many shards, and a rerun bitwise itself: float addition is not
 * associative, so any sum that followed the order in which tasks finish (as treeAggregate's does)
 * would show in the last bits after a few steps of 64 or 200 partial sums.
 */
class ManyPartitionsTest {
  static SparkSession spark;
  static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  /** 1200 rows; batch 9 rows per partition at 64, 3 at 200: 2 steps an epoch either way. */
  private static int batch(int partitions) {
    return partitions == 64 ? 576 : 600;
  }

  record Run(float[] params, float[] buffers, TrainResult result) {}

  /** Two epochs of Adam with dropout and batch norm; depth -1 means LocalGradients. */
  private static Run train(int partitions, int depth) {
    Network net = Network.build(TestSpark.spec(0.2f, true));
    Block rows = TestSpark.blobs(1200, 21);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 3);
    int batch = batch(partitions);
    Trainer t = new Trainer(net, TestSpark.config("adam", 0.01f, 2, batch, 3), w, buf);
    try (GradientSource g = depth < 0
        ? new LocalGradients(net, rows, batch, partitions, 2, 3)
        : new SparkGradients(jsc, net, rows, batch, partitions, 3, 2, depth)) {
      if (g instanceof SparkGradients s) {
        assertEquals(depth == SparkGradients.AUTO_TREE_DEPTH ? 2 : depth, s.treeDepth());
      }
      TrainResult r = t.fit(g, null, null, null);
      return new Run(w, buf, r);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest(name = "{0} partitions")
  @ValueSource(ints = {64, 200})
  void sparkEqualsLocalAndItselfBitForBit(int partitions) {
    Run local = train(partitions, -1);
    Run grouped = train(partitions, SparkGradients.AUTO_TREE_DEPTH);
    Run again = train(partitions, SparkGradients.AUTO_TREE_DEPTH);
    Run driver = train(partitions, 1);
    int steps = 1200 / batch(partitions);
    assertEquals(2 * steps, grouped.result().last().step());
    for (Run r : List.of(grouped, again, driver)) {
      String which = r == grouped ? "depth 2" : r == again ? "depth 2, rerun" : "depth 1";
      assertArrayEquals(local.params(), r.params(), which + ": params");
      assertArrayEquals(local.buffers(), r.buffers(), which + ": batch-norm running statistics");
      for (int e = 0; e < 2; e++) {
        assertEquals(local.result().history().get(e).trainLoss(),
            r.result().history().get(e).trainLoss(), 0, which + ": train loss of epoch " + e);
      }
    }
    Network net = Network.build(TestSpark.spec(0.2f, true));
    float[] w0 = new float[net.paramCount()];
    net.initialize(w0, new float[net.bufferCount()], 3);
    assertFalse(java.util.Arrays.equals(w0, grouped.params()), "training moved the weights");
  }

  @Test
  void depthTwoAddsTheGroupsOnExecutorsInASecondStage() throws Exception {
    List<Integer> stageTasks = Collections.synchronizedList(new ArrayList<>());
    SparkListener listener = new SparkListener() {
      @Override
      public void onStageSubmitted(SparkListenerStageSubmitted s) {
        stageTasks.add(s.stageInfo().numTasks());
      }
    };
    Network net = Network.build(TestSpark.spec(0f, false));
    Block rows = TestSpark.blobs(1200, 22);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 4);
    try (SparkGradients g = new SparkGradients(jsc, net, rows, 400, 200, 4, 1, 0)) {
      assertTrue(g.describe().contains("14 group sums added on executors"), g.describe());
      g.compute(w, buf, 0, 0); // ships and caches the rows
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().addSparkListener(listener);
      Gradient sum = g.compute(w, buf, 0, 1);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertEquals(List.of(200, 14), stageTasks, "200 partition tasks, then 14 group tasks");
      assertEquals(400, sum.count);
      assertEquals(200, sum.shards);
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
  }

  @Test
  void aDepthAboveTwoIsRefused() {
    Network net = Network.build(TestSpark.spec(0f, false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SparkGradients(jsc, net, TestSpark.blobs(100, 1), 20, 2, 1, 1, 3));
    assertTrue(e.getMessage().contains("tree depth must be 0 (automatic), 1 or 2: 3"),
        e.getMessage());
  }
}
