package dev.sparkmlp.nn;

import static dev.sparkmlp.nn.GradCheck.check;
import static dev.sparkmlp.nn.GradCheck.randomParams;
import static dev.sparkmlp.nn.GradCheck.randomX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Finite-difference checks of every parameter of small random networks, one per activation, loss
 * and layer type (see {@link GradCheck} for the tolerance).
 */
class GradientCheckTest {
  private static final int IN = 5;
  private static final int ROWS = 4;

  private static LayerSpec.Dense dense(int units) {
    return new LayerSpec.Dense(units, Init.XAVIER_UNIFORM);
  }

  private static LayerSpec.Act act(Activation fn) {
    return LayerSpec.Act.of(fn);
  }

  private static Block classes(int rows, int k, long seed) {
    int[] labels = new int[rows];
    for (int r = 0; r < rows; r++) labels[r] = Rng.below(Rng.key(seed, 3), r, k);
    return Block.classification(rows, IN, randomX(rows, IN, seed), labels, k);
  }

  private static Block binary(int rows, long seed) {
    int[] labels = new int[rows];
    for (int r = 0; r < rows; r++) labels[r] = r % 2;
    return Block.binary(rows, IN, randomX(rows, IN, seed), labels);
  }

  private static Block regression(int rows, int k, long seed) {
    float[] y = randomX(rows, k, seed + 1);
    return Block.regression(rows, IN, randomX(rows, IN, seed), k, y);
  }

  private static void report(String what, Object worst) {
    System.out.printf("gradcheck %-24s %s%n", what, worst);
  }

  /**
   * Moves each unit's bias so that its pre-activations over the batch sit at least half their
   * largest gap away from 0 (split at that gap, so both sides are populated): then no perturbation
   * of size h can push a ReLU or LeakyReLU input across its kink.
   */
  private static void awayFromKinks(Network net, float[] params, Block block, int denseLayer) {
    DenseLayer d = (DenseLayer) layer(net, denseLayer);
    Workspace ws = net.newWorkspace(block.rows);
    net.predict(params, new float[net.bufferCount()], block.x, 0, block.rows, ws);
    float[] z = ws.act[denseLayer + 1];
    for (int j = 0; j < d.out; j++) {
      float[] v = new float[block.rows];
      for (int r = 0; r < block.rows; r++) v[r] = z[r * d.out + j];
      Arrays.sort(v);
      int best = 0;
      for (int r = 1; r + 1 < v.length; r++) if (v[r + 1] - v[r] > v[best + 1] - v[best]) best = r;
      float mid = 0.5f * (v[best] + v[best + 1]);
      params[d.biasOffset() + j] -= mid;
      assertTrue(v[best + 1] - v[best] > 8 * GradCheck.H, "gap too small for unit " + j);
    }
  }

  private static Layer layer(Network net, int index) {
    try {
      var f = Network.class.getDeclaredField("layers");
      f.setAccessible(true);
      return ((Layer[]) f.get(net))[index];
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void everyHiddenActivation(Activation fn) {
    var spec = new NetworkSpec(IN, List.of(dense(6), act(fn), dense(3), act(Activation.SOFTMAX)),
        Loss.CCE);
    Network net = Network.build(spec);
    Block block = classes(ROWS, 3, 11);
    float[] p = randomParams(net, 5);
    if (fn == Activation.RELU || fn == Activation.LEAKY_RELU) awayFromKinks(net, p, block, 0);
    report("hidden " + fn, check(net, p, block, 0));
  }

  @Test
  void leakyReluAndEluWithNonDefaultAlpha() {
    for (Activation fn : new Activation[] {Activation.LEAKY_RELU, Activation.ELU}) {
      var spec = new NetworkSpec(IN, List.of(dense(6), new LayerSpec.Act(fn, 0.3f), dense(2),
          act(Activation.IDENTITY)), Loss.MSE);
      Network net = Network.build(spec);
      Block block = regression(ROWS, 2, 12);
      float[] p = randomParams(net, 6);
      awayFromKinks(net, p, block, 0);
      report(fn + " alpha 0.3", check(net, p, block, 0));
    }
  }

  @Test
  void mseWithIdentityOutput() {
    var spec = new NetworkSpec(IN, List.of(dense(6), act(Activation.TANH), dense(3),
        act(Activation.IDENTITY)), Loss.MSE);
    Network net = Network.build(spec);
    report("mse identity", check(net, randomParams(net, 1), regression(ROWS, 3, 2), 0));
  }

  @Test
  void bceWithSigmoidOutputFusedAndUnfused() {
    var spec = new NetworkSpec(IN, List.of(dense(6), act(Activation.TANH), dense(1),
        act(Activation.SIGMOID)), Loss.BCE);
    Block block = binary(ROWS, 3);
    Network fused = Network.build(spec);
    Network unfused = Network.buildUnfused(spec);
    assertTrue(fused.isFused());
    assertTrue(!unfused.isFused());
    report("bce sigmoid fused", check(fused, randomParams(fused, 3), block, 0));
    report("bce sigmoid unfused", check(unfused, randomParams(unfused, 3), block, 0));
  }

  @Test
  void cceWithSoftmaxOutputFusedAndUnfused() {
    var spec = new NetworkSpec(IN, List.of(dense(6), act(Activation.TANH), dense(4),
        act(Activation.SOFTMAX)), Loss.CCE);
    Block block = classes(ROWS, 4, 4);
    Network fused = Network.build(spec);
    Network unfused = Network.buildUnfused(spec);
    report("cce softmax fused", check(fused, randomParams(fused, 4), block, 0));
    report("cce softmax unfused", check(unfused, randomParams(unfused, 4), block, 0));
  }

  @Test
  void bceWithSeveralSigmoidOutputs() {
    var spec = new NetworkSpec(IN, List.of(dense(6), act(Activation.TANH), dense(3),
        act(Activation.SIGMOID)), Loss.BCE);
    float[] y = new float[ROWS * 3];
    for (int i = 0; i < y.length; i++) y[i] = (i * 7 % 3 == 0) ? 1f : 0f;
    Block block = new Block(ROWS, IN, 3, randomX(ROWS, IN, 5), y, null);
    report("bce 3 sigmoid fused", check(Network.build(spec), randomParams(Network.build(spec), 5),
        block, 0));
    Network unfused = Network.buildUnfused(spec);
    report("bce 3 sigmoid unfused", check(unfused, randomParams(unfused, 5), block, 0));
  }

  @Test
  void threeDenseLayers() {
    var spec = new NetworkSpec(IN, List.of(dense(6), act(Activation.TANH), dense(4),
        act(Activation.SIGMOID), dense(3), act(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    report("three dense", check(net, randomParams(net, 7), classes(ROWS, 3, 7), 0));
  }

  /** dL/dx through three Dense layers, checked against central differences of the inputs. */
  @Test
  void inputGradientThroughThreeLayers() {
    var spec = new NetworkSpec(IN, List.of(dense(6), act(Activation.TANH), dense(4),
        act(Activation.GELU), dense(3), act(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    float[] p = randomParams(net, 8);
    Block block = classes(ROWS, 3, 8);
    float[] buffers = new float[0];
    Workspace ws = net.newWorkspace(ROWS);
    ws.enableInputGradient();
    ws.reset();
    net.accumulate(p, buffers, block, GradCheck.identity(ROWS), 0, ROWS, 0, ws);
    float[] dx = Arrays.copyOf(ws.inputGradient(), ROWS * IN);
    float[] gradWithHook = ws.grad().clone();
    float[] gradWithoutHook = GradCheck.analytic(net, p, buffers, block, 0);
    assertTrue(Arrays.equals(gradWithHook, gradWithoutHook),
        "the hook must not change the gradient");
    Workspace probe = net.newWorkspace(ROWS);
    double[] w = GradCheck.toDouble(p);
    double[] x = GradCheck.toDouble(block.x);
    double worst = 0;
    double worstDirect = 0;
    for (int i = 0; i < block.x.length; i++) {
      double saved = x[i];
      x[i] = saved + GradCheck.REFERENCE_H;
      double plus = Reference.loss(spec, w, x, block, 0);
      x[i] = saved - GradCheck.REFERENCE_H;
      double minus = Reference.loss(spec, w, x, block, 0);
      x[i] = saved;
      double numeric = (plus - minus) / (2 * GradCheck.REFERENCE_H);
      double err = GradCheck.relativeError(dx[i], numeric, GradCheck.FLOOR);
      worst = Math.max(worst, err);
      assertTrue(err < GradCheck.TOLERANCE,
          "input " + i + ": analytic " + dx[i] + " numeric " + numeric);

      float f = block.x[i];
      block.x[i] = f + GradCheck.H;
      double fPlus = GradCheck.lossSum(net, p, buffers, block, 0, probe);
      block.x[i] = f - GradCheck.H;
      double fMinus = GradCheck.lossSum(net, p, buffers, block, 0, probe);
      block.x[i] = f;
      double direct = (fPlus - fMinus) / (2 * GradCheck.H);
      double directErr = GradCheck.relativeError(dx[i], direct, GradCheck.DIRECT_FLOOR);
      worstDirect = Math.max(worstDirect, directErr);
      assertTrue(directErr < GradCheck.DIRECT_TOLERANCE,
          "input " + i + ": analytic " + dx[i] + " float numeric " + direct);
    }
    report("input gradient", new GradCheck.Worst(worst, worstDirect));
  }

  @Test
  void batchNorm() {
    var spec = new NetworkSpec(IN, List.of(dense(6), new LayerSpec.BatchNorm(0.9f, 1e-5f),
        act(Activation.TANH), dense(4), new LayerSpec.BatchNorm(0.8f, 1e-3f), act(Activation.ELU),
        dense(3), act(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    report("batch norm", check(net, randomParams(net, 9), classes(ROWS, 3, 9), 0));
  }

  /** Batch norm straight on the input, where no gradient is needed below it. */
  @Test
  void batchNormAsFirstLayer() {
    var spec = new NetworkSpec(IN, List.of(new LayerSpec.BatchNorm(0.9f, 1e-5f), dense(4),
        act(Activation.SIGMOID), dense(2), act(Activation.IDENTITY)), Loss.MSE);
    Network net = Network.build(spec);
    report("batch norm first", check(net, randomParams(net, 10), regression(ROWS, 2, 10), 0));
  }

  @Test
  void layerNorm() {
    var spec = new NetworkSpec(IN, List.of(dense(6), new LayerSpec.LayerNorm(1e-5f),
        act(Activation.TANH), dense(4), new LayerSpec.LayerNorm(1e-3f), act(Activation.GELU),
        dense(3), act(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    report("layer norm", check(net, randomParams(net, 11), classes(ROWS, 3, 11), 0));
  }

  /** The same dropoutKey in every loss evaluation fixes the mask, so the loss is smooth in w. */
  @Test
  void dropoutWithFixedMask() {
    var spec = new NetworkSpec(IN, List.of(dense(6), act(Activation.TANH),
        new LayerSpec.Dropout(0.4f), dense(5), act(Activation.SIGMOID),
        new LayerSpec.Dropout(0.25f), dense(3), act(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    long key = Rng.key(42, Rng.DROPOUT, 3);
    float[] p = randomParams(net, 12);
    Block block = classes(ROWS, 3, 12);
    report("dropout", check(net, p, block, key));
    // The mask must really drop something, and differ under another key.
    Workspace ws = net.newWorkspace(ROWS);
    net.accumulate(p, new float[0], block, GradCheck.identity(ROWS), 0, ROWS, key, ws);
    float[] mask = Arrays.copyOf(ws.cache[2], ROWS * 6);
    int dropped = 0;
    for (float m : mask) {
      if (m == 0f) {
        dropped++;
      } else {
        assertEquals(1f / 0.6f, m, 1e-6f);
      }
    }
    assertTrue(dropped > 0 && dropped < mask.length, "dropped " + dropped + " of " + mask.length);
    net.accumulate(p, new float[0], block, GradCheck.identity(ROWS), 0, ROWS, key + 1, ws);
    assertTrue(!Arrays.equals(mask, Arrays.copyOf(ws.cache[2], ROWS * 6)));
  }

  @Test
  void everyLayerTypeTogether() {
    List<LayerSpec> layers = new ArrayList<>();
    layers.add(dense(6));
    layers.add(new LayerSpec.BatchNorm(0.9f, 1e-5f));
    layers.add(act(Activation.GELU));
    layers.add(new LayerSpec.Dropout(0.3f));
    layers.add(dense(5));
    layers.add(new LayerSpec.LayerNorm(1e-5f));
    layers.add(act(Activation.TANH));
    layers.add(dense(4));
    layers.add(act(Activation.SIGMOID));
    var spec = new NetworkSpec(IN, layers, Loss.BCE);
    float[] y = new float[ROWS * 4];
    for (int i = 0; i < y.length; i++) y[i] = (i % 3 == 0) ? 1f : 0f;
    Block block = new Block(ROWS, IN, 4, randomX(ROWS, IN, 13), y, null);
    Network net = Network.build(spec);
    report("all layers", check(net, randomParams(net, 13), block, 77));
  }
}
