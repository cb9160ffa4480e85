package dev.sparkmlp.train;

import static dev.sparkmlp.train.TrainerTest.blobs;
import static dev.sparkmlp.train.TrainerTest.config;
import static dev.sparkmlp.train.TrainerTest.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.ModelFormatException;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.math.Vec;
import dev.sparkmlp.nn.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trainer state, checkpoints through real files, resume, and the per-step gradient hook. */
class CheckpointerTest {
  @TempDir
  Path dir;

  private static final long SEED = 9;

  private static SavedModel model(Network net) {
    return new SavedModel(net.spec(), new float[net.paramCount()], new float[net.bufferCount()],
        null, SavedModel.CLASSIFICATION, 3, Map.of());
  }

  /** Final weights and history after {@code epochs} epochs, with early stopping at patience 3. */
  private record Outcome(float[] params, float[] buffers, TrainResult result) {}

  private static Outcome train(Network net, Block train, Block val, int epochs, Trainer.Listener l,
      String resumeFrom) {
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, SEED);
    Trainer t = new Trainer(net, config("adam", 0.01f, epochs, 40, 3), w, buf);
    if (resumeFrom != null) Checkpointer.resume(resumeFrom, net, SEED, t);
    try (LocalGradients g = new LocalGradients(net, train, 40, 2, 2, SEED);
        LocalEvaluator v = new LocalEvaluator(net, val, 2, "validation")) {
      return new Outcome(w, buf, t.fit(g, v, null, l));
    }
  }

  @Test
  void resumingFromCheckpointFilesContinuesTheSameTrajectoryBitForBit() {
    Network net = Network.build(spec(0.2f, true));
    Block train = blobs(400, 8);
    Block val = blobs(120, 18);
    Outcome straight = train(net, train, val, 6, null, null);

    String cp = dir.resolve("checkpoint").toString();
    Checkpointer every2 = new Checkpointer(cp, 2, model(net), SEED, "test config");
    Outcome firstHalf = train(net, train, val, 3, every2, null);
    assertNotEquals(straight.params()[0], 0f);
    assertTrue(Files.exists(dir.resolve("checkpoint/checkpoint.json")));
    // The checkpoint after epoch 3 (the last) replaced the one of epoch 2.
    Outcome resumed = train(net, train, val, 6, null, cp);

    assertArrayEquals(straight.params(), resumed.params());
    assertArrayEquals(straight.buffers(), resumed.buffers());
    assertEquals(learning(straight.result().history()), learning(resumed.result().history()),
        "the history continues: epochs 1-3 from the checkpoint, 4-6 trained");
    assertEquals(firstHalf.result().history(), resumed.result().history().subList(0, 3),
        "the checkpoint's history reads back equal, timings included");
  }

  /** What a history says about learning, without its timings and the planned epoch count. */
  private static List<String> learning(List<EpochMetrics> history) {
    return history.stream().map(m -> m.epoch() + " " + m.step() + " " + m.trainLoss() + " "
        + m.train() + " " + m.validation() + " " + m.lr()).toList();
  }

  @Test
  void stateIsACopyAndRestoreChecksShapes() {
    Network net = Network.build(spec(0f, false));
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 1);
    Trainer t = new Trainer(net, config("adam", 0.01f, 1, 40, 0), w, buf);
    Trainer.State s = t.state();
    w[0] += 1;
    assertNotEquals(w[0], s.params()[0], "state() copies the params");
    Trainer.State wrong = new Trainer.State(0, 0, new float[3], new float[0], s.optimizer(),
        List.of(), Trainer.EarlyStopping.NONE);
    var e = assertThrows(IllegalArgumentException.class, () -> t.restore(wrong));
    assertTrue(e.getMessage().contains("3 params"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Trainer.State(-1, 0, w, buf,
        s.optimizer(), List.of(), Trainer.EarlyStopping.NONE));
  }

  @Test
  void resumeRejectsAnotherSeedAnotherNetworkAndACorruptCheckpoint() throws Exception {
    Network net = Network.build(spec(0f, false));
    Block train = blobs(200, 1);
    Block val = blobs(60, 2);
    String cp = dir.resolve("cp").toString();
    train(net, train, val, 1, new Checkpointer(cp, 1, model(net), SEED, "c"), null);

    float[] w = new float[net.paramCount()];
    Trainer t = new Trainer(net, config("adam", 0.01f, 2, 40, 0), w, new float[0]);
    var seed = assertThrows(ModelFormatException.class, () -> Checkpointer.resume(cp, net, 10, t));
    assertTrue(seed.getMessage().contains("seed 9") && seed.getMessage().contains(cp), seed.getMessage());

    Network other = Network.build(spec(0f, true));
    Trainer t2 = new Trainer(other, config("adam", 0.01f, 2, 40, 0),
        new float[other.paramCount()], new float[other.bufferCount()]);
    var net2 = assertThrows(ModelFormatException.class, () -> Checkpointer.resume(cp, other, SEED, t2));
    assertTrue(net2.getMessage().contains("network differs"), net2.getMessage());

    Trainer sgd = new Trainer(net, config("sgd", 0.01f, 2, 40, 0), w, new float[0]);
    var opt = assertThrows(ModelFormatException.class, () -> Checkpointer.resume(cp, net, SEED, sgd));
    assertTrue(opt.getMessage().startsWith(cp + ": "), opt.getMessage());

    Path json = dir.resolve("cp/checkpoint.json");
    Files.writeString(json, Files.readString(json).replace("train_count", "train_cnt"));
    var hist = assertThrows(ModelFormatException.class, () -> Checkpointer.resume(cp, net, SEED, t));
    assertTrue(hist.getMessage().contains("metrics_history[0]") && hist.getMessage().contains("train_count"),
        hist.getMessage());

    var missing = assertThrows(ModelFormatException.class,
        () -> Checkpointer.resume(dir.resolve("none").toString(), net, SEED, t));
    assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Checkpointer(cp, 0, model(net), SEED, "c"));
  }

  @Test
  void gradientHookSeesEveryStepsMeanGradientBeforeTheUpdate() {
    Network net = Network.build(spec(0f, false));
    Block train = blobs(200, 3);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[0];
    net.initialize(w, buf, 4);
    float[] w0 = w.clone();
    List<String> calls = new ArrayList<>();
    List<float[]> grads = new ArrayList<>();
    Trainer.Listener hook = new Trainer.Listener() {
      @Override
      public void epochEnd(EpochMetrics m, Trainer t) {
        calls.add("end " + m.epoch());
      }

      @Override
      public void gradient(int epoch, int step, float[] g) {
        calls.add(epoch + ":" + step);
        grads.add(g.clone());
      }
    };
    try (LocalGradients g = new LocalGradients(net, train, 50, 2, 2, 4)) {
      new Trainer(net, config("sgd", 0.1f, 2, 50, 0), w, buf)
          .fit(g, null, null, Trainer.Listener.all(null, hook));
      assertEquals(List.of("0:0", "0:1", "0:2", "0:3", "end 1", "1:0", "1:1", "1:2", "1:3", "end 2"), calls);
      // The first step's gradient is the mean gradient of batch 0 at the initial weights.
      Gradient first = g.compute(w0, buf, 0, 0);
      float[] mean = first.grad.clone();
      Vec.scale(1f / first.count, mean, 0, mean.length);
      assertArrayEquals(mean, grads.get(0));
    }
  }
}
