package dev.sparkmlp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.Checkpoint;
import dev.sparkmlp.io.CheckpointIO;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.math.Rng;
import dev.sparkmlp.math.Vec;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training that diverges stops with a one-line error naming the epoch and step, and the step
 * checkpoints written before it stay whole and finite: the newest is the state after the step
 * before the one that diverged. An update that makes a weight infinite while the step's loss is
 * still finite is caught at that step, not at the next one's loss.
 */
public class DivergenceTest {
  @TempDir
  Path dir;

  /** 400 rows, batch 40, 2 shards: 10 steps per epoch. */
  public static final int STEPS_PER_EPOCH = 10;
  public static final long SEED = 4;
  public static final float LR = 0.6f;
  public static final Pattern WHERE =
      Pattern.compile("^training diverged at epoch (\\d+) step (\\d+): [^\\n]*$");

  /** y = sum of the 4 features of blobs, a regression an MSE net with SGD at lr LR blows up on. */
  public static Block regression() {
    Block b = TrainerTest.blobs(400, 3);
    float[] y = new float[b.rows];
    for (int r = 0; r < b.rows; r++) {
      for (int j = 0; j < 4; j++) y[r] += b.x[r * 4 + j];
    }
    return Block.regression(b.rows, 4, b.x, 1, y);
  }

  public static Network regressionNet() {
    return Network.build(NetworkSpec.mlp(4, new int[] {16}, 1, Activation.RELU, 0f,
        Init.HE_UNIFORM, Activation.IDENTITY, Loss.MSE, 0f, false, false));
  }

  public static TrainConfig config(float lr) {
    return TrainerTest.config("sgd", lr, 50, 40, 0);
  }

  public static Checkpointer checkpointer(Network net, String cp) {
    SavedModel model = new SavedModel(net.spec(), new float[net.paramCount()],
        new float[net.bufferCount()], null, SavedModel.REGRESSION, 0, Map.of());
    return new Checkpointer(cp, 0, 1, model, SEED, "divergence test");
  }

  /**
   * Checks the message's shape and the checkpoints left behind; returns the 1-based global step
   * that diverged.
   */
  public static long assertStoppedCleanly(TrainingDivergedException e, String cp) {
    Matcher m = WHERE.matcher(e.getMessage());
    assertTrue(m.matches(), "one line naming the epoch and step: " + e.getMessage());
    long global = (Long.parseLong(m.group(1)) - 1) * STEPS_PER_EPOCH + Long.parseLong(m.group(2));
    assertTrue(global >= 3, "diverged only at global step " + global + ": too early to test");
    Checkpoint c = CheckpointIO.load(cp);
    assertEquals(global - 1, c.step(), "the newest checkpoint is the step before");
    float[] w = c.model().params();
    assertTrue(Vec.allFinite(w, 0, w.length), "the checkpoint's weights are finite");
    assertEquals(global - 2, CheckpointIO.load(Checkpointer.previous(cp)).step(), "previous");
    return global;
  }

  @Test
  void aDivergingRunStopsAtItsStepAndKeepsTheLastGoodCheckpoint() {
    Network net = regressionNet();
    float[] w = new float[net.paramCount()];
    float[] buf = new float[0];
    net.initialize(w, buf, SEED);
    String cp = dir.resolve("checkpoint").toString();
    try (LocalGradients g = new LocalGradients(net, regression(), 40, 2, 2, SEED)) {
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> new Trainer(net, config(LR), w, buf).fit(g, null, null, checkpointer(net, cp)));
      assertStoppedCleanly(e, cp);
    }
  }

  /** Adds +Inf to one gradient entry at global step {@code at} (1-based); the loss stays finite. */
  private static final class InfAt implements GradientSource {
    private final GradientSource inner;
    private final long at;
    private long seen;

    InfAt(GradientSource inner, long at) {
      this.inner = inner;
      this.at = at;
    }

    @Override public long rows() { return inner.rows(); }
    @Override public int shards() { return inner.shards(); }
    @Override public int batchSize() { return inner.batchSize(); }
    @Override public int stepsPerEpoch() { return inner.stepsPerEpoch(); }
    @Override public String describe() { return inner.describe(); }

    @Override
    public Gradient compute(float[] params, float[] buffers, int epoch, int step) {
      Gradient g = inner.compute(params, buffers, epoch, step);
      if (++seen == at) g.grad[5] = Float.POSITIVE_INFINITY;
      return g;
    }
  }

  @Test
  void anUpdateThatMakesAWeightInfiniteIsCaughtAtThatStep() {
    Network net = Network.build(TrainerTest.spec(0f, false));
    float[] w = new float[net.paramCount()];
    float[] buf = new float[0];
    net.initialize(w, buf, SEED);
    String cp = dir.resolve("checkpoint").toString();
    try (LocalGradients g = new LocalGradients(net, TrainerTest.blobs(400, 8), 40, 2, 2, SEED)) {
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> new Trainer(net, TrainerTest.config("sgd", 0.1f, 3, 40, 0), w, buf)
              .fit(new InfAt(g, 14), null, null, checkpointer(net, cp)));
      assertTrue(e.getMessage().startsWith("training diverged at epoch 2 step 4: its update"),
          e.getMessage());
      assertTrue(e.getMessage().contains("made 1 weights NaN or infinite"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertEquals(14, assertStoppedCleanly(e, cp));
    }
  }

  @Test
  void allFiniteSeesEveryPosition() {
    float[] x = new float[203];
    for (int i = 0; i < x.length; i++) x[i] = (float) Rng.gaussian(7, i) * 1e30f;
    assertTrue(Vec.allFinite(x, 0, x.length));
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      for (int i : new int[] {0, 31, 32, 100, 202}) {
        float keep = x[i];
        x[i] = bad;
        assertFalse(Vec.allFinite(x, 0, x.length), bad + " at " + i);
        assertTrue(Vec.allFinite(x, i + 1, x.length - i - 1), "a range after " + i);
        assertEquals(1, Vec.countNonFinite(x, 0, x.length));
        x[i] = keep;
      }
    }
    x[3] = Float.MAX_VALUE;
    x[4] = Float.MAX_VALUE;
    assertTrue(Vec.allFinite(x, 0, x.length), "large finite values do not overflow the check");
  }
}
