package dev.sparkmlp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Above 32 shards, LocalGradients adds the shard sums in the tree of {@link Shards#sumGroupSize},
 * whatever its thread count: each thread's slice of the sum must be bitwise that of the tree over
 * the shards' own gradients, computed here one shard at a time.
 */
class LocalGradientsTest {

  @Test
  void manyShardsAreAddedInTheSumTreeWhateverTheThreadCount() {
    int shards = 70; // groups of 9: seven full ones and one of 7
    int batch = 140;
    long seed = 4;
    Network net = Network.build(TrainerTest.spec(0.3f, true));
    Block train = TrainerTest.blobs(700, 5);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 6);

    Shards layout = Shards.assign(train.rows, shards, seed);
    Gradient[] parts = new Gradient[shards];
    Gradient[] flat = new Gradient[shards];
    for (int p = 0; p < shards; p++) {
      int[] rows = layout.rows(p);
      int[] order = new int[rows.length];
      Shards.epochOrder(seed, 1, p, order, rows.length);
      for (int i = 0; i < order.length; i++) order[i] = rows[order[i]];
      int b = Shards.rowsPerStep(p, shards, batch);
      Workspace ws = net.newWorkspace(b);
      ws.reset();
      net.accumulate(w, buf, train, order, 2 * b, 3 * b, Shards.dropoutKey(seed, 1, 2, p), ws);
      parts[p] = new Gradient().add(ws.grad(), ws.batchStats(), ws.lossSum(), ws.count(),
          ws.correct());
      flat[p] = new Gradient().add(ws.grad(), ws.batchStats(), ws.lossSum(), ws.count(),
          ws.correct());
    }
    Gradient expected = Shards.sumInTree(parts);
    Gradient inShardOrder = Shards.sumInOrder(flat, 0, shards);
    assertNotEquals(Arrays.toString(expected.grad), Arrays.toString(inShardOrder.grad),
        "the data must tell the tree from a plain sum in shard order");

    for (int threads : new int[] {1, 3}) {
      try (LocalGradients g = new LocalGradients(net, train, batch, shards, threads, seed)) {
        Gradient got = g.compute(w, buf, 1, 2);
        String what = threads + " threads";
        assertArrayEquals(expected.grad, got.grad, what + ": gradient");
        assertArrayEquals(expected.batchStats, got.batchStats, what + ": batch statistics");
        assertEquals(expected.lossSum, got.lossSum, 0, what + ": loss");
        assertEquals(batch, got.count, what);
        assertEquals(expected.correct, got.correct, what);
        assertEquals(shards, got.shards, what);
      }
    }
  }

  @Test
  void rangesTileTheParametersOnceAcrossTheWorkers() {
    Network net = Network.build(TrainerTest.spec(0.3f, true));
    Block train = TrainerTest.blobs(60, 5);
    for (int threads : new int[] {1, 2, 3}) {
      try (LocalGradients src = new LocalGradients(net, train, 12, 3, threads, 1)) {
        for (int n : new int[] {0, 1, 2, 1001}) {
          int[] hits = new int[n];
          java.util.Set<String> names = java.util.concurrent.ConcurrentHashMap.newKeySet();
          src.ranges().forEach(n, (from, to) -> {
            names.add(Thread.currentThread().getName());
            for (int i = from; i < to; i++) hits[i]++;
          });
          int[] once = new int[n];
          Arrays.fill(once, 1);
          assertArrayEquals(once, hits, threads + " threads, n=" + n);
          if (n > 2) assertEquals(threads, names.size(), "every worker takes a part");
        }
      }
    }
  }
}
