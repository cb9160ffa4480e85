package dev.sparkmlp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import org.junit.jupiter.api.Test;

/**
 * Gradient accumulation (train.micro-batch): a shard's rows of a step run through the network a
 * micro-batch at a time. Same rows and dropout masks as one pass, so the same gradient up to
 * float rounding; workspaces sized by the micro-batch; refused with batch norm when it would split
 * a batch.
 */
class MicroBatchTest {
  private static final long SEED = 11;

  /** Every |a - b| within 1e-5 of the largest |a|, and the arrays not identically zero. */
  private static void assertClose(float[] a, float[] b, String what) {
    assertEquals(a.length, b.length, what);
    double scale = 0;
    for (float x : a) scale = Math.max(scale, Math.abs(x));
    assertTrue(scale > 0, what + ": all zero");
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-5 * scale, what + " at " + i);
    }
  }

  @Test
  void microBatchesGiveTheGradientOfTheWholeBatchWithTheSameDropoutMasks() {
    // Dropout 0.5: a micro-batch drawing the masks of rows 0.. again would change the gradient far
    // beyond rounding.
    Network net = Network.build(TrainerTest.spec(0.5f, false));
    Block train = TrainerTest.blobs(900, 3);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 5);
    int batch = 300; // 150 rows per shard and step: micro-batches of 32 leave a last one of 22
    try (LocalGradients whole = new LocalGradients(net, train, batch, 2, 2, SEED);
        LocalGradients micro = new LocalGradients(net, train, batch, 2, 2, SEED, 32)) {
      for (int[] es : new int[][] {{0, 0}, {1, 2}}) {
        Gradient a = whole.compute(w, buf, es[0], es[1]);
        float[] ag = a.grad.clone();
        double aLoss = a.lossSum;
        long aCorrect = a.correct;
        Gradient b = micro.compute(w, buf, es[0], es[1]);
        String where = "epoch " + es[0] + " step " + es[1];
        assertClose(ag, b.grad, where + " gradient");
        assertEquals(aLoss, b.lossSum, 1e-9 * Math.abs(aLoss), where + " loss");
        assertEquals(aCorrect, b.correct, where + " correct");
        assertEquals(batch, b.count, where + " rows");
      }
    }
  }

  @Test
  void aMicroBatchOfAtLeastTheShardsRowsIsOnePassBitwise() {
    Network net = Network.build(TrainerTest.spec(0.3f, true));
    Block train = TrainerTest.blobs(600, 4);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 6);
    // 3 shards of 100 rows per step: batch norm is allowed, nothing is split.
    try (LocalGradients whole = new LocalGradients(net, train, 300, 3, 2, SEED);
        LocalGradients micro = new LocalGradients(net, train, 300, 3, 2, SEED, 100)) {
      Gradient a = whole.compute(w, buf, 0, 1);
      float[] ag = a.grad.clone();
      float[] as = a.batchStats.clone();
      Gradient b = micro.compute(w, buf, 0, 1);
      assertArrayEquals(ag, b.grad);
      assertArrayEquals(as, b.batchStats);
    }
  }

  @Test
  void theWorkspaceIsBoundedByTheMicroBatchNotTheBatch() {
    Network net = Network.build(TrainerTest.spec(0f, false));
    Block train = TrainerTest.blobs(8000, 2);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 1);
    try (LocalGradients whole = new LocalGradients(net, train, 4000, 2, 2, SEED);
        LocalGradients micro = new LocalGradients(net, train, 4000, 2, 2, SEED, 64)) {
      assertEquals(2000, whole.workspaceRows(0));
      for (int p = 0; p < 2; p++) assertEquals(64, micro.workspaceRows(p), "shard " + p);
      Gradient g = micro.compute(w, buf, 0, 0);
      assertEquals(4000, g.count, "every row of the batch is summed");
    }
    assertEquals(64, Shards.workspaceRows(2000, 64));
    assertEquals(10, Shards.workspaceRows(10, 64));
    assertEquals(10, Shards.workspaceRows(10, 0));
  }

  @Test
  void batchNormRefusesAMicroBatchThatSplitsABatch() {
    Network net = Network.build(TrainerTest.spec(0f, true));
    Block train = TrainerTest.blobs(400, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LocalGradients(net, train, 100, 2, 2, SEED, 20));
    assertTrue(e.getMessage().contains("train.micro-batch 20")
        && e.getMessage().contains("batch norm"), e.getMessage());
    IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
        () -> new LocalGradients(Network.build(TrainerTest.spec(0f, false)), train, 100, 2, 2,
            SEED, -1));
    assertTrue(neg.getMessage().contains("train.micro-batch"), neg.getMessage());
  }
}
