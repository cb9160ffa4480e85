package dev.sparkmlp.nn;

import static dev.sparkmlp.nn.GradCheck.identity;
import static dev.sparkmlp.nn.GradCheck.randomParams;
import static dev.sparkmlp.nn.GradCheck.randomX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NetworkTest {
  private static LayerSpec.Dense dense(int units) {
    return new LayerSpec.Dense(units, Init.XAVIER_UNIFORM);
  }

  private static LayerSpec.Act act(Activation fn) {
    return LayerSpec.Act.of(fn);
  }

  private static Block classes(int rows, int features, int k, long seed) {
    int[] labels = new int[rows];
    for (int r = 0; r < rows; r++) labels[r] = Rng.below(Rng.key(seed, 3), r, k);
    return Block.classification(rows, features, randomX(rows, features, seed), labels, k);
  }

  @Test
  void layoutFollowsTheSpec() {
    var spec = new NetworkSpec(5, List.of(dense(4), new LayerSpec.BatchNorm(0.9f, 1e-5f),
        act(Activation.RELU), new LayerSpec.Dropout(0.2f), dense(3), new LayerSpec.LayerNorm(1e-5f),
        act(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    assertEquals(5, net.inputs());
    assertEquals(3, net.outputs());
    assertEquals(5 * 4 + 4 + 8 + 4 * 3 + 3 + 6, net.paramCount());
    assertEquals(8, net.bufferCount());
    assertEquals("Segments[0+20, 32+12]", net.weights().toString());
    assertEquals("Segments[0+24, 24+8, 32+15, 47+6]", net.parameterLayers().toString());
    assertArrayEquals(new String[] {"dense1", "batchnorm1", "dense2", "layernorm1"},
        net.parameterLayerNames());
    assertTrue(net.isFused());
    assertFalse(Network.buildUnfused(spec).isFused());
    assertSame(spec, net.spec());
  }

  private static void assertSame(Object a, Object b) {
    assertTrue(a == b, a + " is not the same object as " + b);
  }

  @Test
  void mseAndMismatchedPairsAreNeverFused() {
    assertFalse(fused(Activation.SOFTMAX, Loss.MSE));
    assertFalse(fused(Activation.SIGMOID, Loss.MSE));
    assertFalse(fused(Activation.SIGMOID, Loss.CCE));
    assertFalse(fused(Activation.SOFTMAX, Loss.BCE));
    assertTrue(fused(Activation.SIGMOID, Loss.BCE));
  }

  private static boolean fused(Activation out, Loss loss) {
    return Network.build(new NetworkSpec(2, List.of(dense(2), act(out)), loss)).isFused();
  }

  @Test
  void buildRejectsBadSpecs() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> Network.build(new NetworkSpec(3, List.of(), Loss.MSE)));
    assertEquals("a network needs at least one layer", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new LayerSpec.BatchNorm(0.9f, 0f));
    assertEquals("batch norm eps must be positive: 0.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new LayerSpec.LayerNorm(-1f));
    assertEquals("layer norm eps must be positive: -1.0", e.getMessage());
  }

  /** The momentum range is [0, 1), checked by the record alone: 0 and just below 1 pass, 1 fails. */
  @Test
  void batchNormMomentumRangeIsHalfOpen() {
    assertEquals(0f, new LayerSpec.BatchNorm(0f, 1e-5f).momentum());
    float below = Math.nextDown(1f);
    assertEquals(below, new LayerSpec.BatchNorm(below, 1e-5f).momentum());
    for (float bad : new float[] {1f, -Float.MIN_VALUE, Float.NaN}) {
      var e = assertThrows(IllegalArgumentException.class, () -> new LayerSpec.BatchNorm(bad, 1e-5f));
      assertEquals("batch norm momentum must be in [0, 1): " + bad, e.getMessage());
    }
  }

  /**
   * momentum weights the old running value, 1 - momentum the batch: momentum 0 copies the batch
   * statistics exactly, and with 0.75 the result is 3/4 old + 1/4 new (exact in float).
   */
  @Test
  void batchNormMomentumWeightsTheOldRunningValue() {
    for (float m : new float[] {0f, 0.75f}) {
      Network net = Network.build(new NetworkSpec(2, List.of(new LayerSpec.BatchNorm(m, 1e-5f),
          act(Activation.IDENTITY)), Loss.MSE));
      float[] buffers = {8f, -4f, 2f, 6f};
      float[] batch = {0f, 4f, 10f, 2f};
      net.updateRunningStats(buffers, batch, 1);
      float[] expected = m == 0f ? batch : new float[] {6f, -2f, 4f, 5f};
      assertArrayEquals(expected, buffers, "momentum " + m);
    }
  }

  @Test
  void widthMismatchesNameBothSides() {
    Network net = Network.build(new NetworkSpec(5, List.of(dense(3), act(Activation.SOFTMAX)),
        Loss.CCE));
    float[] p = new float[net.paramCount()];
    Workspace ws = net.newWorkspace(4);
    Block fourFeatures = classes(4, 4, 3, 1);
    var e = assertThrows(IllegalArgumentException.class,
        () -> net.accumulate(p, new float[0], fourFeatures, identity(4), 0, 4, 0, ws));
    assertEquals("the network expects 5 inputs but the data has 4 features", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> net.evaluate(p, new float[0], fourFeatures, 0, 4, ws));
    assertEquals("the network expects 5 inputs but the data has 4 features", e.getMessage());
    Block twoClasses = classes(4, 5, 2, 1);
    e = assertThrows(IllegalArgumentException.class,
        () -> net.accumulate(p, new float[0], twoClasses, identity(4), 0, 4, 0, ws));
    assertEquals("the network has 3 outputs but the data has 2 target columns", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> net.evaluate(p, new float[0], twoClasses, 0, 4, ws));
    assertEquals("the network has 3 outputs but the data has 2 target columns", e.getMessage());
  }

  @Test
  void accumulateRejectsMoreRowsThanTheWorkspaceAndForeignWorkspaces() {
    Network net = Network.build(new NetworkSpec(5, List.of(dense(3), act(Activation.SOFTMAX)),
        Loss.CCE));
    float[] p = randomParams(net, 1);
    Block block = classes(8, 5, 3, 1);
    Workspace small = net.newWorkspace(4);
    var e = assertThrows(IllegalArgumentException.class,
        () -> net.accumulate(p, new float[0], block, identity(8), 0, 5, 0, small));
    assertEquals("batch of 5 rows exceeds the workspace size 4", e.getMessage());
    Network other = Network.build(new NetworkSpec(5, List.of(dense(4), act(Activation.SOFTMAX)),
        Loss.CCE));
    assertThrows(IllegalArgumentException.class,
        () -> net.accumulate(p, new float[0], block, identity(8), 0, 4, 0, other.newWorkspace(4)));
    // evaluate chunks instead: 8 rows through a 4-row workspace.
    small.reset();
    net.evaluate(p, new float[0], block, 0, 8, small);
    assertEquals(8, small.count());
  }

  @Test
  void fusedAndUnfusedGiveTheSameGradient() {
    var softmax = new NetworkSpec(5, List.of(dense(6), act(Activation.TANH), dense(4),
        act(Activation.SOFTMAX)), Loss.CCE);
    var sigmoid = new NetworkSpec(5, List.of(dense(6), act(Activation.TANH), dense(1),
        act(Activation.SIGMOID)), Loss.BCE);
    int[] labels = {0, 1, 1, 0, 1, 0};
    Block binary = Block.binary(6, 5, randomX(6, 5, 2), labels);
    for (var c : List.of(List.of(softmax, classes(6, 5, 4, 2)), List.of(sigmoid, binary))) {
      NetworkSpec spec = (NetworkSpec) c.get(0);
      Block block = (Block) c.get(1);
      Network fused = Network.build(spec);
      Network unfused = Network.buildUnfused(spec);
      float[] p = randomParams(fused, 3);
      Workspace a = fused.newWorkspace(6);
      Workspace b = unfused.newWorkspace(6);
      fused.accumulate(p, new float[0], block, identity(6), 0, 6, 0, a);
      unfused.accumulate(p, new float[0], block, identity(6), 0, 6, 0, b);
      assertEquals(a.lossSum(), b.lossSum(), 1e-5 * a.lossSum());
      assertEquals(a.correct(), b.correct());
      for (int i = 0; i < p.length; i++) {
        assertEquals(a.grad()[i], b.grad()[i], 2e-5 * (1 + Math.abs(a.grad()[i])),
            spec + " param " + i);
      }
    }
  }

  /** Two calls over the halves of a batch add up to one call over the whole (no batch norm). */
  @Test
  void accumulateSumsOverCalls() {
    var spec = new NetworkSpec(5, List.of(dense(6), act(Activation.GELU),
        new LayerSpec.LayerNorm(1e-5f), dense(3), act(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    float[] p = randomParams(net, 4);
    Block block = classes(10, 5, 3, 4);
    int[] order = {9, 2, 4, 0, 7, 1, 3, 8, 6, 5};
    Workspace whole = net.newWorkspace(7);
    Workspace halves = net.newWorkspace(7);
    whole.reset();
    halves.reset();
    net.accumulate(p, new float[0], block, order, 1, 8, 0, whole);
    net.accumulate(p, new float[0], block, order, 1, 4, 0, halves);
    net.accumulate(p, new float[0], block, order, 4, 8, 0, halves);
    assertEquals(7, whole.count());
    assertEquals(7, halves.count());
    assertEquals(whole.correct(), halves.correct());
    assertEquals(whole.lossSum(), halves.lossSum(), 1e-6 * whole.lossSum());
    for (int i = 0; i < p.length; i++) {
      assertEquals(whole.grad()[i], halves.grad()[i], 1e-5 * (1 + Math.abs(whole.grad()[i])));
    }
    // reset clears everything.
    halves.reset();
    assertEquals(0, halves.count());
    assertEquals(0.0, halves.lossSum());
    for (float g : halves.grad()) assertEquals(0f, g);
  }

  /**
   * reset() leaves the old gradient in place and the next pass writes over it: a reused
   * workspace must give bitwise the gradient of a fresh one, in the Dense ranges (written by the
   * product with beta = 0) and in the normalisation layers' ranges (cleared before the pass).
   */
  @Test
  void aReusedWorkspaceGivesTheGradientOfAFreshOne() {
    var spec = new NetworkSpec(5, List.of(dense(6), new LayerSpec.BatchNorm(0.9f, 1e-5f),
        new LayerSpec.Act(Activation.LEAKY_RELU, 0.1f), dense(4), new LayerSpec.LayerNorm(1e-5f),
        act(Activation.RELU), dense(3), act(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    float[] p = randomParams(net, 8);
    float[] buffers = new float[net.bufferCount()];
    net.initialize(new float[net.paramCount()], buffers, 1);
    Block block = classes(12, 5, 3, 9);
    int[] order = {9, 2, 4, 0, 7, 1, 3, 8, 6, 5, 11, 10};
    Workspace reused = net.newWorkspace(6);
    reused.reset();
    net.accumulate(p, buffers, block, order, 0, 6, 3, reused);
    float[] first = reused.grad().clone();
    reused.reset();
    net.accumulate(p, buffers, block, order, 6, 12, 4, reused);
    Workspace fresh = net.newWorkspace(6);
    fresh.reset();
    net.accumulate(p, buffers, block, order, 6, 12, 4, fresh);
    assertArrayEquals(fresh.grad(), reused.grad());
    assertFalse(Arrays.equals(first, reused.grad()), "the two batches should differ");
  }

  @Test
  void accuracyAndEvaluationSums() {
    // Zero weights and biases (0, 1, 1): every row's output is softmax(0, 1, 1), whose argmax is
    // class 1 (the first of the tied maxima).
    var spec = new NetworkSpec(2, List.of(new LayerSpec.Dense(3, Init.ZEROS),
        act(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    float[] p = new float[net.paramCount()];
    net.initialize(p, new float[0], 1);
    p[6 + 1] = 1f;
    p[6 + 2] = 1f;
    int[] labels = {1, 2, 1, 0};
    Block block = Block.classification(4, 2, randomX(4, 2, 1), labels, 3);
    Workspace ws = net.newWorkspace(3);
    ws.reset();
    OutputMetric[] metrics = {HALF_SE, new TrueClassOutput()};
    double[] sums = {0.25, 0};
    net.evaluate(p, new float[0], block, 0, 4, ws, metrics, sums);
    double e = Math.E;
    double[] yhat = {1 / (1 + 2 * e), e / (1 + 2 * e), e / (1 + 2 * e)};
    assertEquals(4, ws.count());
    assertEquals(2, ws.correct());
    double loss = 0;
    double halfMse = 0;
    double trueP = 0;
    for (int label : labels) {
      loss -= Math.log(yhat[label]);
      trueP += yhat[label];
      for (int j = 0; j < 3; j++) {
        double y = j == label ? 1 : 0;
        halfMse += 0.5 * (y - yhat[j]) * (y - yhat[j]);
      }
    }
    assertEquals(loss, ws.lossSum(), 1e-6);
    // Both chunks (3 rows, then 1) are added to what the sums held.
    assertEquals(0.25 + halfMse, sums[0], 1e-6);
    assertEquals(trueP, sums[1], 1e-6);
    ws.reset();
    net.accumulate(p, new float[0], block, new int[] {3, 2, 1}, 0, 3, 0, ws);
    assertEquals(1, ws.correct());
    assertThrows(IllegalArgumentException.class,
        () -> net.evaluate(p, new float[0], block, 0, 4, ws, metrics, new double[1]));
  }

  /** Test metric: 1/2 sum_j (y_j - yhat_j)^2 per row. */
  private static final OutputMetric HALF_SE = new OutputMetric() {
    @Override
    public String name() {
      return "half_se";
    }

    @Override
    public double sum(float[] yhat, float[] y, int rows, int k) {
      double s = 0;
      for (int i = 0; i < rows * k; i++) s += 0.5 * (y[i] - yhat[i]) * (y[i] - yhat[i]);
      return s;
    }
  };

  @Test
  void singleOutputIsClassOneFromOneHalf() {
    assertEquals(3, Objective.correct(new float[] {0.5f, 0.49f, 0.9f, 0.1f}, new int[] {1, 0, 1, 1},
        4, 1));
    assertEquals(2, Objective.correct(new float[] {1, 3, 3, 0, 0, 0}, new int[] {1, 0}, 2, 3));
  }

  @Test
  void regressionCountsNoCorrectRows() {
    Network net = Network.build(new NetworkSpec(3, List.of(dense(2), act(Activation.IDENTITY)),
        Loss.MSE));
    float[] p = randomParams(net, 1);
    Block block = Block.regression(4, 3, randomX(4, 3, 1), 2, randomX(4, 2, 2));
    Workspace ws = net.newWorkspace(4);
    double[] sums = new double[1];
    net.evaluate(p, new float[0], block, 0, 4, ws, new OutputMetric[] {HALF_SE}, sums);
    net.accumulate(p, new float[0], block, identity(4), 0, 4, 0, ws);
    assertEquals(8, ws.count());
    assertEquals(0, ws.correct());
    // With the MSE loss, the half squared error metric of the outputs is the evaluation's loss.
    assertEquals(ws.lossSum() / 2, sums[0], 1e-6 * sums[0]);
    assertTrue(ws.lossSum() > 0);
  }

  /** MSE per row is 1/2 sum of squares, and the delta is yhat - y. */
  @Test
  void mseKnownAnswer() {
    Network net = Network.build(new NetworkSpec(2, List.of(act(Activation.IDENTITY)), Loss.MSE));
    Block block = Block.regression(2, 2, new float[] {1, 2, 3, 4}, 2, new float[] {0, 0, 3, 6});
    Workspace ws = net.newWorkspace(2);
    net.accumulate(new float[0], new float[0], block, identity(2), 0, 2, 0, ws);
    assertEquals(0.5 * (1 + 4 + 0 + 4), ws.lossSum(), 1e-12);
  }

  @Test
  void evaluateUsesRunningStatisticsAndNoDropout() {
    var spec = new NetworkSpec(3, List.of(new LayerSpec.BatchNorm(0.9f, 1e-3f),
        new LayerSpec.Dropout(0.5f), act(Activation.IDENTITY)), Loss.MSE);
    Network net = Network.build(spec);
    float[] p = {2f, 1f, 0.5f, 0.1f, -0.2f, 0.3f};
    float[] buffers = {1f, -1f, 0f, 4f, 0.25f, 1f};
    float[] x = randomX(5, 3, 6);
    float[] y = randomX(5, 3, 7);
    Block block = Block.regression(5, 3, x, 3, y);
    Workspace ws = net.newWorkspace(2);
    float[] out = net.predict(p, buffers, x, 3, 2, ws);
    double loss = 0;
    for (int r = 0; r < 5; r++) {
      for (int j = 0; j < 3; j++) {
        double v = p[j] * (x[r * 3 + j] - buffers[j]) / Math.sqrt(buffers[3 + j] + 1e-3) + p[3 + j];
        if (r >= 1 && r < 3) assertEquals(v, out[(r - 1) * 3 + j], 1e-5, "predict row " + r);
        loss += 0.5 * (v - y[r * 3 + j]) * (v - y[r * 3 + j]);
      }
    }
    ws.reset();
    net.evaluate(p, buffers, block, 0, 5, ws);
    assertEquals(loss, ws.lossSum(), 1e-5);
    // The same rows in training use batch statistics and dropout, so the loss differs.
    Workspace train = net.newWorkspace(5);
    net.accumulate(p, buffers, block, identity(5), 0, 5, 1, train);
    assertNotEquals(loss, train.lossSum(), 1e-3);
  }

  @Test
  void batchStatisticsAreTheBatchMeanAndUnbiasedVariance() {
    var spec = new NetworkSpec(3, List.of(dense(2), new LayerSpec.BatchNorm(0.9f, 1e-5f),
        act(Activation.TANH), new LayerSpec.BatchNorm(0.9f, 1e-5f), dense(1),
        act(Activation.SIGMOID)), Loss.BCE);
    Network net = Network.build(spec);
    float[] p = randomParams(net, 8);
    float[] buffers = new float[net.bufferCount()];
    net.initialize(new float[net.paramCount()], buffers, 8);
    Block block = Block.binary(4, 3, randomX(4, 3, 8), new int[] {0, 1, 1, 0});
    Workspace ws = net.newWorkspace(4);
    net.accumulate(p, buffers, block, identity(4), 0, 4, 0, ws);
    // The first BN sees the Dense output z = x W + b.
    for (int j = 0; j < 2; j++) {
      double[] z = new double[4];
      double mean = 0;
      for (int r = 0; r < 4; r++) {
        z[r] = p[6 + j];
        for (int i = 0; i < 3; i++) z[r] += block.x[r * 3 + i] * p[i * 2 + j];
        mean += z[r] / 4;
      }
      double var = 0;
      for (int r = 0; r < 4; r++) var += (z[r] - mean) * (z[r] - mean) / 3;
      assertEquals(mean, ws.batchStats()[j], 1e-6);
      assertEquals(var, ws.batchStats()[2 + j], 1e-5 * var);
    }
    // The second BN sees tanh of a normalised batch: mean of the batch stats of its input.
    float[] h = ws.act[3];
    for (int j = 0; j < 2; j++) {
      double mean = 0;
      for (int r = 0; r < 4; r++) mean += h[r * 2 + j] / 4.0;
      assertEquals(mean, ws.batchStats()[4 + j], 1e-6);
    }
    assertArrayEquals(new float[] {0f, 0f, 1f, 1f, 0f, 0f, 1f, 1f}, buffers, "not modified");
  }

  /** One training row: variance 0, output beta, no NaN, running variance reported unchanged. */
  @Test
  void batchNormWithOneRow() {
    var spec = new NetworkSpec(2, List.of(new LayerSpec.BatchNorm(0.9f, 1e-5f),
        act(Activation.IDENTITY)), Loss.MSE);
    Network net = Network.build(spec);
    float[] p = {1.5f, 2f, 0.25f, -0.5f};
    float[] buffers = {0f, 0f, 3f, 7f};
    Block block = Block.regression(1, 2, new float[] {4f, -1f}, 2, new float[] {1f, 1f});
    Workspace ws = net.newWorkspace(1);
    ws.enableInputGradient();
    net.accumulate(p, buffers, block, identity(1), 0, 1, 0, ws);
    assertArrayEquals(new float[] {0.25f, -0.5f}, Arrays.copyOf(ws.act[2], 2));
    assertArrayEquals(new float[] {4f, -1f, 3f, 7f}, ws.batchStats());
    assertArrayEquals(new float[] {0f, 0f}, Arrays.copyOf(ws.inputGradient(), 2));
    // dgamma = dy * xhat = 0, dbeta = dy = yhat - y.
    assertArrayEquals(new float[] {0f, 0f, -0.75f, -1.5f}, ws.grad());
  }

  @Test
  void updateRunningStatsAveragesShardsWithEachLayersMomentum() {
    var spec = new NetworkSpec(2, List.of(new LayerSpec.BatchNorm(0.9f, 1e-5f), dense(1),
        new LayerSpec.BatchNorm(0.5f, 1e-5f), act(Activation.IDENTITY)), Loss.MSE);
    Network net = Network.build(spec);
    assertEquals(6, net.bufferCount());
    float[] buffers = {1f, 2f, 3f, 4f, 10f, 20f};
    float[] statsSum = {4f, 0f, 8f, 2f, 6f, 0f};
    net.updateRunningStats(buffers, statsSum, 2);
    float[] expected = {
        0.9f * 1f + 0.1f * 2f, 0.9f * 2f + 0.1f * 0f, 0.9f * 3f + 0.1f * 4f, 0.9f * 4f + 0.1f * 1f,
        0.5f * 10f + 0.5f * 3f, 0.5f * 20f + 0.5f * 0f};
    for (int i = 0; i < 6; i++) assertEquals(expected[i], buffers[i], 1e-6f, "buffer " + i);
  }

  @Test
  void softmaxAndSigmoidStayFiniteWithHugeLogits() {
    for (boolean fuse : new boolean[] {true, false}) {
      var spec = new NetworkSpec(2, List.of(new LayerSpec.Dense(3, Init.ZEROS),
          act(Activation.SOFTMAX)), Loss.CCE);
      Network net = fuse ? Network.build(spec) : Network.buildUnfused(spec);
      float[] p = new float[net.paramCount()];
      p[6] = 1e4f;
      p[8] = -1e4f;
      Block block = Block.classification(2, 2, new float[4], new int[] {2, 0}, 3);
      Workspace ws = net.newWorkspace(2);
      net.accumulate(p, new float[0], block, identity(2), 0, 2, 0, ws);
      assertTrue(Double.isFinite(ws.lossSum()), "loss " + ws.lossSum());
      for (float g : ws.grad()) {
        assertTrue(Float.isFinite(g), "gradient " + Arrays.toString(ws.grad()));
      }
      if (fuse) {
        assertEquals(2e4, ws.lossSum(), 1e-3, "row 0 pays logsumexp - z_2 = 2e4, row 1 nothing");
      } else {
        assertEquals(-Math.log(Objective.EPS), ws.lossSum(), 1e-3, "clamped at log(1e-7)");
      }
      assertEquals(1, ws.correct());
    }
    var spec = new NetworkSpec(1, List.of(new LayerSpec.Dense(1, Init.ZEROS),
        act(Activation.SIGMOID)), Loss.BCE);
    Network net = Network.build(spec);
    float[] p = {0f, 1e4f};
    Block block = Block.binary(2, 1, new float[2], new int[] {0, 1});
    Workspace ws = net.newWorkspace(2);
    net.accumulate(p, new float[0], block, identity(2), 0, 2, 0, ws);
    assertEquals(1e4, ws.lossSum(), 1e-3);
    assertArrayEquals(new float[] {0f, 1f}, ws.grad());
  }

  @Test
  void serializationRoundTripPredictsIdentically() throws Exception {
    var spec = NetworkSpec.mlp(784, new int[] {128, 64}, 10, Activation.RELU, 0f, Init.HE_UNIFORM,
        Activation.SOFTMAX, Loss.CCE, 0.2f, true, true);
    Network net = Network.build(spec);
    var bytes = new ByteArrayOutputStream();
    try (var out = new ObjectOutputStream(bytes)) {
      out.writeObject(net);
    }
    assertTrue(bytes.size() < 8000, "serialized network is " + bytes.size() + " bytes");
    Network copy;
    try (var in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (Network) in.readObject();
    }
    assertEquals(net.paramCount(), copy.paramCount());
    assertEquals(spec, copy.spec());
    float[] p = new float[net.paramCount()];
    float[] buffers = new float[net.bufferCount()];
    net.initialize(p, buffers, 3);
    float[] x = randomX(3, 784, 3);
    float[] a = net.predict(p, buffers, x, 0, 3, net.newWorkspace(3)).clone();
    float[] b = copy.predict(p, buffers, x, 0, 3, copy.newWorkspace(3)).clone();
    assertArrayEquals(a, b);
    assertEquals(30, a.length);
  }

  @Test
  void inputDeltaIsNeverComputedInTraining() {
    Network net = Network.build(new NetworkSpec(4, List.of(dense(3), act(Activation.SOFTMAX)),
        Loss.CCE));
    Workspace ws = net.newWorkspace(2);
    Block block = classes(2, 4, 3, 1);
    net.accumulate(randomParams(net, 1), new float[0], block, identity(2), 0, 2, 0, ws);
    assertNull(ws.inputGradient());
  }

  /**
   * The hot path allocates nothing in steady state: no arrays, no boxing, no iterators, no
   * lambdas. Escape analysis could hide an allocation in compiled code, and whether it has run
   * depends on when the JIT gets to each method, so a count taken in this JVM varies from run to
   * run. {@link AllocationProbe} therefore measures in a child JVM run with {@code -Xint} (no JIT,
   * so every {@code new} that executes is counted) and the plain-Java GEMM (the Vector API kernel
   * boxes its vectors until C2 compiles it, which the interpreter never does). The count is then
   * a property of the code alone: the same on every run and machine.
   */
  @Test
  void passesDoNotAllocate() throws Exception {
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xint", "-Xmx256m", "-Dsparkmlp.gemm=scalar",
        "-cp", System.getProperty("java.class.path"),
        AllocationProbe.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "allocation probe did not finish");
    assertEquals(0, p.exitValue(), "allocation probe failed:\n" + out);
    assertEquals("allocated 0 bytes in 20 passes of accumulate + evaluate + predict", out);
  }

  /** The probe can see an allocation: one array per pass is counted. */
  @Test
  void allocationProbeCountsAnAllocation() throws Exception {
    float[][] kept = new float[AllocationProbe.PASSES + 1][];
    int[] i = {0};
    assertTrue(AllocationProbe.measure(() -> kept[i[0]++] = new float[1000]) >= 20 * 4000,
        "the probe's measurement missed 20 arrays of 4,000 bytes");
  }

  /** A 2-8-2 network learns XOR with plain full-batch gradient descent. */
  @Test
  void learnsXor() {
    var spec = new NetworkSpec(2, List.of(new LayerSpec.Dense(8, Init.XAVIER_UNIFORM),
        act(Activation.TANH), new LayerSpec.Dense(2, Init.XAVIER_UNIFORM), act(Activation.SOFTMAX)),
        Loss.CCE);
    Network net = Network.build(spec);
    float[] w = new float[net.paramCount()];
    net.initialize(w, new float[0], 42);
    Block xor = Block.classification(4, 2, new float[] {0, 0, 0, 1, 1, 0, 1, 1},
        new int[] {0, 1, 1, 0}, 2);
    int[] rows = identity(4);
    Workspace ws = net.newWorkspace(4);
    float lr = 0.5f;
    for (int step = 0; step < 2000; step++) {
      ws.reset();
      net.accumulate(w, new float[0], xor, rows, 0, 4, step, ws);
      float[] g = ws.grad();
      for (int i = 0; i < w.length; i++) w[i] -= lr * g[i] / ws.count();
    }
    ws.reset();
    net.evaluate(w, new float[0], xor, 0, 4, ws);
    assertEquals(4, ws.correct());
    assertTrue(ws.lossSum() / 4 < 0.05, "mean loss " + ws.lossSum() / 4);
  }
}
