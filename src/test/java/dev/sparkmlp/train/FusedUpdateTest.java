package dev.sparkmlp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Vec;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.optim.Optimizer;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.optim.Regularization;
import dev.sparkmlp.optim.ScheduleSpec;
import org.junit.jupiter.api.Test;

class FusedUpdateTest {

  /**
   * The fused step, run by the local source inside its run (3 shards on 2 threads) and by a
   * source that only has the default (as Spark's), against the separate passes: a copy, a
   * scale, the optimizer's serial step. Weights, mean gradient, optimizer state and t must be
   * equal bit for bit at every step.
   */
  @Test
  void equalsTheSeparatePassesBitForBit() {
    Network net = Network.build(TrainerTest.spec(0.3f, true));
    Block train = TrainerTest.blobs(300, 5);
    for (String name : new String[] {"sgd", "momentum", "rmsprop", "adam"}) {
      float[] w0 = new float[net.paramCount()];
      float[] buf = new float[net.bufferCount()];
      net.initialize(w0, buf, 2);
      float[] wRef = w0.clone();
      float[] wLocal = w0.clone();
      float[] wDefault = w0.clone();
      Optimizer ref = OptimizerSpec.defaults(name).build(net.weights());
      Optimizer local = OptimizerSpec.defaults(name).build(net.weights());
      Optimizer byDefault = OptimizerSpec.defaults(name).build(net.weights());
      float[] gRef = new float[w0.length];
      FusedUpdate fusedLocal = new FusedUpdate(new float[w0.length]);
      float[] gDefault = new float[w0.length];
      FusedUpdate fusedDefault = new FusedUpdate(gDefault);
      try (LocalGradients a = new LocalGradients(net, train, 60, 3, 1, 4);
          LocalGradients b = new LocalGradients(net, train, 60, 3, 2, 4);
          LocalGradients c = new LocalGradients(net, train, 60, 3, 1, 4)) {
        GradientSource onlyDefault = defaultOnly(c);
        for (int s = 0; s < 5; s++) {
          Gradient gr = a.compute(wRef, buf, 0, s);
          System.arraycopy(gr.grad, 0, gRef, 0, gRef.length);
          Vec.scale(1f / gr.count, gRef, 0, gRef.length);
          ref.step(wRef, gRef, 0.05f);
          Gradient gl = fusedLocal.step(b, local, wLocal, buf, 0, s, 0.05f);
          assertEquals(gr.lossSum, gl.lossSum, name + " loss");
          assertEquals(gr.count, gl.count, name + " count");
          assertTrue(fusedLocal.finite());
          fusedDefault.step(onlyDefault, byDefault, wDefault, buf, 0, s, 0.05f);
          assertArrayEquals(wRef, wLocal, name + " step " + s + ", local");
          assertArrayEquals(wRef, wDefault, name + " step " + s + ", default");
          assertArrayEquals(gRef, gDefault, name + " mean gradient, step " + s);
        }
      }
      assertEquals(5, local.steps(), name);
      assertEquals(5, byDefault.steps(), name);
      for (String key : ref.state().arrays().keySet()) {
        assertArrayEquals(ref.state().arrays().get(key), local.state().arrays().get(key), name + " " + key);
      }
      assertFalse(java.util.Arrays.equals(w0, wLocal), name + ": the weights moved");
    }
  }

  /** A NaN loss: no part is updated and t stays, so the state is the one before the step. */
  @Test
  void aStepWithANonFiniteLossUpdatesNothing() {
    float[] w = {1f, 2f, 3f};
    float[] before = w.clone();
    Gradient nan = new Gradient();
    nan.grad = new float[] {0.5f, -0.5f, 1f};
    nan.batchStats = new float[0];
    nan.count = 2;
    nan.lossSum = Double.NaN;
    Optimizer adam = OptimizerSpec.defaults("adam").build(new dev.sparkmlp.math.Segments(
        new int[] {0}, new int[] {3}));
    FusedUpdate fused = new FusedUpdate(new float[3]);
    Gradient out = fused.step(fixed(nan), adam, w, new float[0], 0, 0, 0.1f);
    assertTrue(Double.isNaN(out.lossSum));
    assertArrayEquals(before, w);
    assertEquals(0, adam.steps());
    // The next, finite step is adam's first: w - lr * sign(g) to float precision.
    nan.lossSum = 1.0;
    fused.step(fixed(nan), adam, w, new float[0], 0, 1, 0.1f);
    assertEquals(1, adam.steps());
    assertArrayEquals(new float[] {0.9f, 2.1f, 2.9f}, w, 1e-6f);
  }

  /** An update that overflows is reported, and the trainer's divergence check sees it. */
  @Test
  void anOverflowingUpdateIsNotFinite() {
    float[] w = {1f, 2f};
    Gradient huge = new Gradient();
    huge.grad = new float[] {3e38f, 1f};
    huge.batchStats = new float[0];
    huge.count = 1;
    huge.lossSum = 1.0;
    Optimizer sgd = OptimizerSpec.defaults("sgd").build(new dev.sparkmlp.math.Segments(
        new int[] {0}, new int[] {2}));
    FusedUpdate fused = new FusedUpdate(new float[2]);
    fused.step(fixed(huge), sgd, w, new float[0], 0, 0, 10f);
    assertFalse(fused.finite());
    assertEquals(Float.NEGATIVE_INFINITY, w[0]);
    assertEquals(-8f, w[1]);
  }

  @Test
  void onlyElementWiseOptimizersFit() {
    dev.sparkmlp.math.Segments seg = new dev.sparkmlp.math.Segments(new int[] {0}, new int[] {2});
    assertTrue(FusedUpdate.fits(OptimizerSpec.defaults("adam").build(seg)));
    Optimizer lamb = OptimizerSpec.defaults("lamb").build(seg);
    assertFalse(FusedUpdate.fits(lamb));
    Gradient g = new Gradient();
    g.grad = new float[2];
    g.batchStats = new float[0];
    g.count = 1;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FusedUpdate(new float[2]).step(fixed(g), lamb, new float[2], new float[0], 0, 0, 0.1f));
    assertTrue(e.getMessage().startsWith("lamb is not element-wise"), e.getMessage());
  }

  /**
   * Through the trainer: without clipping it takes the fused step, with a clip norm no gradient
   * reaches it takes the separate passes; the trajectories must be equal bit for bit, and the
   * gradient listener must see the same mean gradients.
   */
  @Test
  void theTrainersFusedAndSeparateStepsGiveTheSameWeights() {
    Network net = Network.build(TrainerTest.spec(0f, true));
    Block train = TrainerTest.blobs(240, 7);
    float[][] out = new float[2][];
    java.util.List<java.util.List<float[]>> grads = java.util.List.of(
        new java.util.ArrayList<>(), new java.util.ArrayList<>());
    for (int run = 0; run < 2; run++) {
      float[] w = new float[net.paramCount()];
      float[] buf = new float[net.bufferCount()];
      net.initialize(w, buf, 9);
      TrainConfig cfg = new TrainConfig(2, 40, 3, OptimizerSpec.defaults("adam"),
          new ScheduleSpec("constant", 0.01f, 0, 1, 1f, 0f, 1000), Regularization.NONE,
          run == 0 ? 0 : 1e30, 0, "val_loss", 0, true);
      java.util.List<float[]> seen = grads.get(run);
      Trainer.Listener listener = new Trainer.Listener() {
        @Override
        public void epochEnd(EpochMetrics m, Trainer t) {}

        @Override
        public void gradient(int epoch, int step, float[] g) {
          seen.add(g.clone());
        }
      };
      try (LocalGradients src = new LocalGradients(net, train, 40, 2, 2, 3)) {
        new Trainer(net, cfg, w, buf).fit(src, null, null, listener);
      }
      out[run] = w;
    }
    assertArrayEquals(out[1], out[0]);
    assertEquals(12, grads.get(0).size());
    for (int i = 0; i < 12; i++) assertArrayEquals(grads.get(1).get(i), grads.get(0).get(i), "step " + i);
  }

  /** A source with only the interface's default fused compute, as the Spark source has. */
  private static GradientSource defaultOnly(GradientSource inner) {
    return new GradientSource() {
      @Override
      public long rows() {
        return inner.rows();
      }

      @Override
      public int shards() {
        return inner.shards();
      }

      @Override
      public int batchSize() {
        return inner.batchSize();
      }

      @Override
      public int stepsPerEpoch() {
        return inner.stepsPerEpoch();
      }

      @Override
      public Gradient compute(float[] params, float[] buffers, int epoch, int step) {
        return inner.compute(params, buffers, epoch, step);
      }

      @Override
      public String describe() {
        return "default only";
      }
    };
  }

  /** A source that returns g at every step. */
  private static GradientSource fixed(Gradient g) {
    return new GradientSource() {
      @Override
      public long rows() {
        return 10;
      }

      @Override
      public int shards() {
        return 1;
      }

      @Override
      public int batchSize() {
        return (int) g.count;
      }

      @Override
      public int stepsPerEpoch() {
        return 5;
      }

      @Override
      public Gradient compute(float[] params, float[] buffers, int epoch, int step) {
        return g;
      }

      @Override
      public String describe() {
        return "fixed";
      }
    };
  }
}
