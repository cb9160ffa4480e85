package dev.sparkmlp.train;

import static dev.sparkmlp.train.TrainerTest.blobs;
import static dev.sparkmlp.train.TrainerTest.config;
import static dev.sparkmlp.train.TrainerTest.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.nn.Network;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train.stop-at: the epoch that reaches the target is the last, also across a resume. */
class StopAtTest {
  @TempDir
  Path dir;

  private static final long SEED = 4;
  private static final int EPOCHS = 8;
  private final Network net = Network.build(spec(0f, false));
  private final Block train = blobs(300, 21);
  private final Block val = blobs(150, 22);

  /** One run: the weights after each epoch, and the result. */
  private record Run(List<float[]> params, TrainResult result, float[] finalParams) {}

  private Run run(TrainConfig cfg, String resumeFrom, Trainer.Listener extra) {
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, SEED);
    Trainer t = new Trainer(net, cfg, w, buf);
    if (resumeFrom != null) Checkpointer.resume(resumeFrom, net, SEED, t);
    List<float[]> snapshots = new ArrayList<>();
    try (LocalGradients g = new LocalGradients(net, train, 30, 2, 2, SEED);
        LocalEvaluator v = new LocalEvaluator(net, val, 2, "validation")) {
      TrainResult r = t.fit(g, v, null,
          Trainer.Listener.all((m, tr) -> snapshots.add(tr.params().clone()), extra));
      return new Run(snapshots, r, w);
    }
  }

  private static TrainConfig plain() {
    // A small rate, so that the metrics improve over several epochs rather than in the first.
    return config("adam", 0.002f, EPOCHS, 30, 0);
  }

  /**
   * The first epoch k &gt;= 2 whose value beats every earlier one (higher or lower): with the
   * target set to it, epochs 1..k-1 fall short and k reaches it.
   */
  private static int firstRecord(List<EpochMetrics> h, ToDoubleFunction<EpochMetrics> f,
      boolean higher) {
    for (int k = 2; k <= h.size(); k++) {
      double v = f.applyAsDouble(h.get(k - 1));
      boolean beats = true;
      for (int i = 0; i < k - 1; i++) {
        double u = f.applyAsDouble(h.get(i));
        if (higher ? u >= v : u <= v) beats = false;
      }
      if (beats) return k;
    }
    throw new AssertionError("no epoch after the first improves on all before it: " + h);
  }

  @Test
  void theFirstEpochThatReachesTheTargetIsTheLast() {
    Run straight = run(plain(), null, null);
    List<EpochMetrics> h = straight.result().history();
    assertEquals(EPOCHS, h.size());
    assertFalse(straight.result().reachedTarget(), "no target, nothing reached");

    int k = firstRecord(h, m -> m.validation().accuracy(), true);
    double target = h.get(k - 1).validation().accuracy();
    Run stopped = run(plain().withStopAt(new StopAt("val_acc", target)), null, null);
    TrainResult r = stopped.result();
    assertEquals(k, r.history().size(), "stops after epoch " + k);
    assertTrue(r.reachedTarget());
    assertEquals(k, r.targetEpoch());
    assertEquals(h.get(k - 1).step(), r.stepsToTarget());
    double seconds = 0;
    for (EpochMetrics m : r.history()) seconds += m.seconds();
    assertEquals(seconds, r.secondsToTarget(), 1e-12);
    assertTrue(r.secondsToTarget() > 0);
    assertFalse(r.stoppedEarly(), "a target is not early stopping");
    assertArrayEquals(straight.params().get(k - 1), stopped.finalParams(),
        "the weights are those of epoch " + k + ", not restored or trained further");

    // A loss is reached from above: at or below the target.
    int kl = firstRecord(h, EpochMetrics::trainLoss, false);
    Run byLoss = run(plain().withStopAt(new StopAt("train_loss", h.get(kl - 1).trainLoss())),
        null, null);
    assertEquals(kl, byLoss.result().targetEpoch());
    assertEquals(kl, byLoss.result().history().size());
  }

  @Test
  void aTargetNotReachedRunsAllEpochs() {
    Run r = run(plain().withStopAt(new StopAt("val_loss", 1e-9)), null, null);
    assertEquals(EPOCHS, r.result().history().size());
    assertFalse(r.result().reachedTarget());
    assertEquals(0, r.result().targetEpoch());
    assertEquals(-1, r.result().stepsToTarget());
    assertTrue(Double.isNaN(r.result().secondsToTarget()));
  }

  @Test
  void aValidationTargetNeedsAValidationSet() {
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, SEED);
    Trainer t = new Trainer(net, plain().withStopAt(new StopAt("val_loss", 0.5)), w, buf);
    try (LocalGradients g = new LocalGradients(net, train, 30, 2, 2, SEED)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> t.fit(g, null, null, null));
      assertEquals("train.stop-at.metric val_loss needs a validation set", e.getMessage());
    }
  }

  /**
   * With a checkpoint every 5 epochs, the target epoch k &lt; 5 still gets one (it ends the run).
   * A run resumed from it, with more epochs planned, trains none: it reports the same target
   * epoch, steps and seconds and keeps the weights. A run resumed from a checkpoint before the
   * target trains on and stops at the same epoch with the same weights as without the break.
   */
  @Test
  void aResumedRunThatAlreadyReachedTheTargetStopsAtOnce() {
    List<EpochMetrics> h = run(plain(), null, null).result().history();
    int k = firstRecord(h, m -> m.validation().accuracy(), true);
    assertTrue(k < 5, "the target epoch " + k + " comes before the first regular checkpoint");
    TrainConfig cfg = plain().withStopAt(new StopAt("val_acc", h.get(k - 1).validation().accuracy()));

    String cp = dir.resolve("at-target").toString();
    Run first = run(cfg, null, new Checkpointer(cp, 5, model(), SEED, "test"));
    assertEquals(k, first.result().targetEpoch());

    Run resumed = run(cfg, cp, null);
    assertEquals(List.of(), resumed.params(), "no epoch trained after the resume");
    assertArrayEquals(first.finalParams(), resumed.finalParams());
    assertEquals(k, resumed.result().targetEpoch());
    assertEquals(first.result().stepsToTarget(), resumed.result().stepsToTarget());
    assertEquals(first.result().secondsToTarget(), resumed.result().secondsToTarget(), 0,
        "the seconds come from the checkpoint's history");

    // Stopped by the epoch count before the target, checkpointed, resumed with the target.
    String early = dir.resolve("before-target").toString();
    TrainConfig shortRun = new TrainConfig(k - 1, 30, 3, cfg.optimizer(), cfg.schedule(),
        cfg.regularization(), 0, 0, "val_loss", 0, true, cfg.stopAt());
    run(shortRun, null, new Checkpointer(early, 1, model(), SEED, "test"));
    Run continued = run(cfg, early, null);
    assertEquals(1, continued.params().size(), "one more epoch, the target one");
    assertEquals(k, continued.result().targetEpoch());
    assertArrayEquals(first.finalParams(), continued.finalParams());
  }

  private SavedModel model() {
    return new SavedModel(net.spec(), new float[net.paramCount()], new float[net.bufferCount()],
        null, SavedModel.CLASSIFICATION, 3, Map.of());
  }

  @Test
  void reachedComparesInTheMetricsDirection() {
    Metrics train = new Metrics(0.4, 0.8, 100, Map.of());
    Metrics val = new Metrics(0.5, 0.7, 50, Map.of());
    EpochMetrics m = new EpochMetrics(3, 10, 30, 0.45, train, val, 0.01, 1, 100, 7);
    EpochMetrics noVal = new EpochMetrics(3, 10, 30, 0.45, train, null, 0.01, 1, 100, 7);
    assertTrue(new StopAt("val_acc", 0.7).reached(m), "at the target counts");
    assertFalse(new StopAt("val_acc", 0.71).reached(m));
    assertTrue(new StopAt("val_loss", 0.5).reached(m));
    assertFalse(new StopAt("val_loss", 0.49).reached(m));
    assertTrue(new StopAt("train_acc", 0.8).reached(m));
    assertTrue(new StopAt("train_loss", 0.45).reached(m), "the cost, regularization in it");
    assertFalse(new StopAt("train_loss", 0.41).reached(m), "not the data loss 0.4");
    assertFalse(new StopAt("val_acc", 0.1).reached(noVal), "no validation, never reached");
    assertFalse(StopAt.NONE.reached(m));
    EpochMetrics nan = new EpochMetrics(1, 1, 1, Double.NaN, train, null, 0.01, 1, 1, 0);
    assertFalse(new StopAt("train_loss", 10).reached(nan), "NaN never reaches a target");
  }

  @Test
  void badMetricOrValueIsAOneLineErrorNamingTheKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new StopAt("test_acc", 0.9));
    assertEquals("train.stop-at.metric must be one of val_acc, val_loss, train_acc, train_loss"
        + " (or empty for none), not 'test_acc'", e.getMessage());
    for (double bad : new double[] {0, -0.5, 1.5, 97, Double.NaN}) {
      e = assertThrows(IllegalArgumentException.class, () -> new StopAt("val_acc", bad));
      assertTrue(e.getMessage().startsWith("train.stop-at.value must be in (0, 1] for val_acc"),
          e.getMessage());
    }
    for (double bad : new double[] {0, -1, Double.POSITIVE_INFINITY, Double.NaN}) {
      e = assertThrows(IllegalArgumentException.class, () -> new StopAt("train_loss", bad));
      assertTrue(e.getMessage().startsWith(
          "train.stop-at.value must be positive and finite for train_loss"), e.getMessage());
    }
    e = assertThrows(IllegalArgumentException.class, () -> new StopAt("", 0.5));
    assertTrue(e.getMessage().contains("train.stop-at.metric is empty"), e.getMessage());
    assertEquals(1.0, new StopAt("train_acc", 1).value(), "an accuracy of 1 is a valid target");
  }
}
