package dev.sparkmlp.train;

import static dev.sparkmlp.train.TrainerTest.blobs;
import static dev.sparkmlp.train.TrainerTest.config;
import static dev.sparkmlp.train.TrainerTest.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.CheckpointIO;
import dev.sparkmlp.io.ModelFormatException;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.nn.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Step checkpoints: a run stopped after any step and resumed from its newest checkpoint ends
 * bitwise where an uninterrupted run does (weights, batch-norm buffers, every epoch's metrics but
 * the timings), with dropout, batch norm, Adam and early stopping; and a corrupt newest checkpoint
 * falls back to the previous one.
 */
class StepCheckpointTest {
  @TempDir
  Path dir;

  private static final long SEED = 9;
  private static final int EPOCHS = 4;

  /** 400 rows, batch 40: 10 steps per epoch. */
  private static final Network NET = Network.build(spec(0.2f, true));
  private static final Block TRAIN = blobs(400, 8);
  private static final Block VAL = blobs(120, 18);

  /** Thrown by {@link #killAfter} to stop a run as a crash would. */
  private static final class Killed extends RuntimeException {
    Killed() {
      super("killed");
    }
  }

  private record Outcome(float[] params, float[] buffers, List<EpochMetrics> history) {}

  private static Trainer.Listener killAfter(long globalStep) {
    return new Trainer.Listener() {
      @Override
      public void epochEnd(EpochMetrics metrics, Trainer trainer) {}

      @Override
      public void stepEnd(Trainer trainer) {
        if (trainer.step() == globalStep) throw new Killed();
      }
    };
  }

  private static Outcome train(Trainer.Listener l, String resumeFrom) {
    float[] w = new float[NET.paramCount()];
    float[] buf = new float[NET.bufferCount()];
    NET.initialize(w, buf, SEED);
    Trainer t = new Trainer(NET, config("adam", 0.01f, EPOCHS, 40, 3), w, buf);
    if (resumeFrom != null) Checkpointer.resume(resumeFrom, NET, SEED, t);
    try (LocalGradients g = new LocalGradients(NET, TRAIN, 40, 2, 2, SEED);
        LocalEvaluator v = new LocalEvaluator(NET, VAL, 2, "validation")) {
      return new Outcome(w, buf, t.fit(g, v, null, l).history());
    }
  }

  private Checkpointer checkpointer(String cp, int everySteps) {
    SavedModel model = new SavedModel(NET.spec(), new float[NET.paramCount()],
        new float[NET.bufferCount()], null, SavedModel.CLASSIFICATION, 3, Map.of());
    return new Checkpointer(cp, 0, everySteps, model, SEED, "test config");
  }

  /** Everything of an epoch's metrics but the timings. */
  private static List<String> learning(List<EpochMetrics> history) {
    return history.stream().map(m -> m.epoch() + " " + m.step() + " " + m.trainLoss() + " "
        + m.train() + " " + m.validation() + " " + m.lr()).toList();
  }

  private static void assertSameRun(Outcome expected, Outcome actual) {
    assertArrayEquals(expected.params(), actual.params(), "params");
    assertArrayEquals(expected.buffers(), actual.buffers(), "buffers");
    assertEquals(learning(expected.history()), learning(actual.history()), "metrics");
  }

  /** Stopped mid-epoch 2 (17), after the last step of epoch 3 (30), and on a checkpoint (21). */
  @ParameterizedTest(name = "killed after step {0}")
  @ValueSource(ints = {17, 21, 30})
  void runKilledAfterAnyStepResumesBitwise(int killStep) {
    Outcome straight = train(null, null);
    String cp = dir.resolve("checkpoint").toString();
    assertThrows(Killed.class, () -> train(Trainer.Listener.all(checkpointer(cp, 3),
        killAfter(killStep)), null));
    int saved = killStep / 3 * 3;
    var c = CheckpointIO.load(cp);
    assertEquals(saved, c.step());
    assertEquals((saved - 1) / 10, c.epoch(), "epochs done");
    assertEquals(saved - 10 * c.epoch(), c.partial().steps(), "steps into the epoch");
    assertEquals(saved - 3, CheckpointIO.load(Checkpointer.previous(cp)).step(), "previous");

    assertSameRun(straight, train(null, cp));
  }

  @Test
  void corruptNewestCheckpointFallsBackToThePreviousAndNeitherUsableIsAClearError()
      throws IOException {
    Outcome straight = train(null, null);
    String cp = dir.resolve("checkpoint").toString();
    assertThrows(Killed.class, () -> train(Trainer.Listener.all(checkpointer(cp, 4),
        killAfter(14)), null));
    flip(dir.resolve("checkpoint/weights.bin"));
    assertThrows(ModelFormatException.class, () -> CheckpointIO.load(cp));

    // The previous checkpoint (step 8) continues the same trajectory.
    assertSameRun(straight, train(null, cp));
    // Resumed into the same directory, the first save drops the corrupt newest instead of
    // letting it replace the usable previous one.
    assertThrows(Killed.class, () -> train(Trainer.Listener.all(checkpointer(cp, 4),
        killAfter(13)), cp));
    assertEquals(12, CheckpointIO.load(cp).step());
    assertEquals(8, CheckpointIO.load(Checkpointer.previous(cp)).step());
    assertSameRun(straight, train(null, cp));
    flip(dir.resolve("checkpoint/weights.bin"));

    Files.writeString(dir.resolve("checkpoint.prev/checkpoint.json"), "{\"format\": ");
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> train(null, cp));
    assertTrue(e.getMessage().startsWith("no usable checkpoint: "), e.getMessage());
    assertTrue(e.getMessage().contains(cp + "/weights.bin"), e.getMessage());
    assertTrue(e.getMessage().contains(cp + ".prev/checkpoint.json"), e.getMessage());
  }

  private static void flip(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 3] ^= 1;
    Files.write(file, bytes);
  }

  @Test
  void stepCheckpointsAreTakenAtMultiplesOfTheIntervalAndAfterTheLastEpoch() {
    // With a step interval of 7 over 4 epochs of 10 steps: saves after steps 7, 14, ..., 35 and
    // after the last epoch (40): the newest is the final state, the previous step 35's.
    String cp = dir.resolve("checkpoint").toString();
    Outcome full = train(checkpointer(cp, 7), null);
    var last = CheckpointIO.load(cp);
    assertEquals(40, last.step());
    assertEquals(EPOCHS, last.epoch());
    assertEquals(0, last.partial().steps());
    var prev = CheckpointIO.load(Checkpointer.previous(cp));
    assertEquals(35, prev.step());
    assertEquals(5, prev.partial().steps());
    assertEquals(3, prev.epoch());
    assertArrayEquals(full.params(), last.model().params());
  }
}
