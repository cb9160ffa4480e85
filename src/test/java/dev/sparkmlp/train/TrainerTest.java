package dev.sparkmlp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.nn.Workspace;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.optim.Regularization;
import dev.sparkmlp.optim.ScheduleSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {

  /** Three Gaussian blobs in 4 dimensions; class c is centred at 2 * e_c. */
  static Block blobs(int rows, long seed) {
    float[] x = new float[rows * 4];
    int[] labels = new int[rows];
    long key = Rng.key(seed, 99);
    for (int r = 0; r < rows; r++) {
      int c = Rng.below(key, r, 3);
      labels[r] = c;
      for (int j = 0; j < 4; j++) {
        x[r * 4 + j] = (float) (Rng.gaussian(key, 1000L + r * 4L + j) * 0.7 + (j == c ? 2 : 0));
      }
    }
    return Block.classification(rows, 4, x, labels, 3);
  }

  static NetworkSpec spec(float dropout, boolean batchNorm) {
    return NetworkSpec.mlp(4, new int[] {16, 16}, 3, Activation.TANH, 0f, Init.XAVIER_UNIFORM,
        Activation.SOFTMAX, Loss.CCE, dropout, batchNorm, false);
  }

  static TrainConfig config(String optimizer, float lr, int epochs, int batch, int patience) {
    return new TrainConfig(epochs, batch, 3, OptimizerSpec.defaults(optimizer),
        new ScheduleSpec("constant", lr, 0, 1, 1f, 0f, 1000), Regularization.NONE, 0, patience,
        "val_loss", 0, true);
  }

  /**
   * Against the untrained network: chance accuracy (1/3) and loss ln 3 = 1.10 before; after 10
   * epochs the validation accuracy must be near the blobs' ceiling (about 0.95; the classes
   * overlap) and the validation loss a fifth of the start (measured: 0.36 and 1.10 before, 0.95
   * and 0.11 after). A trainer that does not step, steps the wrong way or barely moves fails.
   */
  @Test
  void learnsSeparableBlobs() {
    Network net = Network.build(spec(0f, false));
    Block train = blobs(600, 1);
    Block val = blobs(300, 2);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 3);
    Trainer t = new Trainer(net, config("adam", 0.01f, 10, 30, 0), w, buf);
    try (LocalGradients g = new LocalGradients(net, train, 30, 2, 2, 3);
        LocalEvaluator v = new LocalEvaluator(net, val, 2, "validation")) {
      Metrics before = v.evaluate(w, buf);
      assertTrue(before.accuracy() < 0.5, "untrained accuracy " + before.accuracy());
      TrainResult r = t.fit(g, v, null, null);
      assertEquals(10, r.history().size());
      Metrics after = r.last().validation();
      assertTrue(after.accuracy() > 0.9, "val accuracy " + after.accuracy());
      assertTrue(after.loss() < before.loss() / 5,
          "val loss " + after.loss() + ", untrained " + before.loss());
      assertTrue(r.last().trainLoss() < before.loss() / 5, "train loss " + r.last().trainLoss());
    }
  }

  /**
   * The large-batch optimizers through the trainer, which hands them the network's weight
   * matrices as their trust-ratio tensors: on the blobs, after 10 epochs, they reach the accuracy
   * Adam does above (chance is 1/3), with batch norm on, so that biases, gammas and betas take
   * the plain steps. Measured after 10 epochs: lamb at lr 0.003 to 0.03, 0.95 to 0.96; lars at
   * lr 1, 0.95, but 0.90 at lr 5 and chance at lr 20, where the plain momentum steps of the
   * non-adapted parameters (lr * g, summed) diverge.
   */
  @Test
  void lambAndLarsLearnSeparableBlobs() {
    for (String opt : List.of("lamb", "lars")) {
      Network net = Network.build(spec(0f, true));
      Block train = blobs(600, 1);
      Block val = blobs(300, 2);
      float[] w = new float[net.paramCount()];
      float[] buf = new float[net.bufferCount()];
      net.initialize(w, buf, 3);
      float lr = opt.equals("lamb") ? 0.01f : 1f;
      Trainer t = new Trainer(net, config(opt, lr, 10, 30, 0), w, buf);
      try (LocalGradients g = new LocalGradients(net, train, 30, 2, 2, 3);
          LocalEvaluator v = new LocalEvaluator(net, val, 2, "validation")) {
        double untrained = v.evaluate(w, buf).loss();
        TrainResult r = t.fit(g, v, null, null);
        Metrics after = r.last().validation();
        assertTrue(after.accuracy() > 0.9, opt + ": val accuracy " + after.accuracy());
        assertTrue(after.loss() < untrained / 3, opt + ": val loss " + after.loss()
            + ", untrained " + untrained);
      }
    }
  }

  @Test
  void shardGradientsSumToTheWholeBatchGradient() {
    // The gradient of a global batch split over 3 shards equals the gradient of the same rows in one pass.
    Network net = Network.build(spec(0f, false));
    Block train = blobs(300, 4);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 5);
    try (LocalGradients g = new LocalGradients(net, train, 30, 3, 2, 5)) {
      Gradient sum = g.compute(w, buf, 0, 2);
      assertEquals(30, sum.count);
      // The same rows, gathered the way the shards do, in one workspace.
      Shards shards = Shards.assign(train.rows, 3, 5);
      int[] rows = new int[30];
      int k = 0;
      for (int p = 0; p < 3; p++) {
        int[] order = new int[shards.size(p)];
        Shards.epochOrder(5, 0, p, order, order.length);
        for (int i = 0; i < 10; i++) rows[k++] = shards.rows(p)[order[2 * 10 + i]];
      }
      Workspace ws = net.newWorkspace(30);
      ws.reset();
      net.accumulate(w, buf, train, rows, 0, 30, 0, ws);
      assertEquals(ws.lossSum(), sum.lossSum, 1e-4 * Math.abs(ws.lossSum()));
      for (int i = 0; i < w.length; i++) {
        assertEquals(ws.grad()[i], sum.grad[i], 1e-5f + 1e-4f * Math.abs(ws.grad()[i]), "param " + i);
      }
    }
  }

  @Test
  void threadCountDoesNotChangeTheTrajectory() {
    float[] one = trainWeights(1, "adam", 0.1f, false, 7);
    float[] two = trainWeights(2, "adam", 0.1f, false, 7);
    assertArrayEquals(one, two, "bitwise equal for 1 and 2 threads over the same 4 shards");
  }

  /**
   * The same seed gives bitwise the same weights and running statistics, while another seed (other
   * shard orders and dropout masks) or no dropout gives others: a trainer that ignored dropout or
   * the seed would pass the first comparison and fail one of the others.
   */
  @Test
  void sameSeedSameWeightsWithDropoutAndBatchNorm() {
    float[] a = trainWeights(2, "momentum", 0.1f, true, 7);
    assertArrayEquals(a, trainWeights(2, "momentum", 0.1f, true, 7), "same seed");
    assertMostDiffer(a, trainWeights(2, "momentum", 0.1f, true, 8), "another seed");
    assertMostDiffer(a, trainWeights(2, "momentum", 0f, true, 7), "no dropout");
  }

  /** Most values differ: the change reached the whole run, not a stray element. */
  private static void assertMostDiffer(float[] a, float[] b, String what) {
    assertEquals(a.length, b.length, what);
    int differ = 0;
    for (int i = 0; i < a.length; i++) if (a[i] != b[i]) differ++;
    assertTrue(differ > a.length * 9 / 10, what + ": only " + differ + " of " + a.length
        + " values differ");
  }

  /**
   * Trains 2 epochs from the initialisation of seed 7; {@code seed} fixes the shard layout and
   * orders and the dropout masks.
   */
  private static float[] trainWeights(int threads, String opt, float dropout, boolean bn,
      long seed) {
    Network net = Network.build(spec(dropout, bn));
    Block train = blobs(400, 6);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 7);
    try (LocalGradients g = new LocalGradients(net, train, 40, 4, threads, seed)) {
      new Trainer(net, config(opt, 0.01f, 2, 40, 0), w, buf).fit(g, null, null, null);
    }
    float[] all = new float[w.length + buf.length];
    System.arraycopy(w, 0, all, 0, w.length);
    System.arraycopy(buf, 0, all, w.length, buf.length);
    return all;
  }

  @Test
  void resumingFromSavedStateContinuesTheSameTrajectory() {
    Network net = Network.build(spec(0.2f, true));
    Block train = blobs(400, 8);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 9);
    float[] w2 = w.clone();
    float[] buf2 = buf.clone();
    try (LocalGradients g = new LocalGradients(net, train, 40, 2, 2, 9)) {
      new Trainer(net, config("adam", 0.01f, 4, 40, 0), w, buf).fit(g, null, null, null);

      List<Trainer.State> saved = new ArrayList<>();
      Trainer first = new Trainer(net, config("adam", 0.01f, 2, 40, 0), w2, buf2);
      first.fit(g, null, null, (m, t) -> saved.add(t.state()));
      java.util.Arrays.fill(w2, 0f);
      java.util.Arrays.fill(buf2, 0f);
      Trainer second = new Trainer(net, config("adam", 0.01f, 4, 40, 0), w2, buf2);
      second.restore(saved.get(saved.size() - 1));
      second.fit(g, null, null, null);
    }
    assertArrayEquals(w, w2);
    assertArrayEquals(buf, buf2);
  }

  @Test
  void earlyStoppingRestoresTheBestEpoch() {
    Network net = Network.build(spec(0f, false));
    // Random labels: validation loss stops improving quickly.
    Block train = blobs(200, 10);
    int[] noisy = new int[200];
    long key = Rng.key(1, 2);
    for (int i = 0; i < 200; i++) noisy[i] = Rng.below(key, i, 3);
    train = Block.classification(200, 4, train.x, noisy, 3);
    Block val = blobs(200, 11);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 1);
    List<float[]> snapshots = new ArrayList<>();
    Trainer t = new Trainer(net, config("adam", 0.05f, 50, 20, 2), w, buf);
    try (LocalGradients g = new LocalGradients(net, train, 20, 2, 2, 1);
        LocalEvaluator v = new LocalEvaluator(net, val, 2, "validation")) {
      TrainResult r = t.fit(g, v, null, (m, tr) -> snapshots.add(tr.params().clone()));
      assertTrue(r.stoppedEarly(), "stopped early");
      assertTrue(r.history().size() < 50);
      assertEquals(r.history().size() - 2, r.bestEpoch(), "stops patience=2 epochs after the best");
      assertArrayEquals(snapshots.get(r.bestEpoch() - 1), w, "best weights restored");
      double bestLoss = r.history().get(r.bestEpoch() - 1).validation().loss();
      for (EpochMetrics m : r.history()) assertTrue(m.validation().loss() >= bestLoss);
    }
  }

  @Test
  void divergenceIsReportedWithEpochAndStep() {
    Network net = Network.build(NetworkSpec.mlp(4, new int[] {16}, 3, Activation.RELU, 0f, Init.UNIFORM,
        Activation.SOFTMAX, Loss.CCE, 0f, false, false));
    Block train = blobs(200, 12);
    float[] x = train.x.clone();
    for (int i = 0; i < x.length; i++) x[i] *= 1e18f;
    Block huge = Block.classification(200, 4, x, train.labels, 3);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[0];
    net.initialize(w, buf, 1);
    try (LocalGradients g = new LocalGradients(net, huge, 20, 2, 2, 1)) {
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> new Trainer(net, config("sgd", 1e6f, 5, 20, 0), w, buf).fit(g, null, null, null));
      assertTrue(e.getMessage().contains("epoch 1 step"), e.getMessage());
    }
  }
}
