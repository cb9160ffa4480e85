package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.math.Segments;
import dev.sparkmlp.optim.Lamb;
import dev.sparkmlp.optim.Lars;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.train.StopAt;
import dev.sparkmlp.train.TrainConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The config keys of large-batch training: lamb and lars, lr scaling, and train.stop-at. */
class LargeBatchSettingsTest {
  private static TrainConfig train(String... sets) {
    return new Settings(ConfigLoader.load(null, List.of(sets), Map.of())).train(10);
  }

  /** The config error of a run with these settings; one line. */
  private static String error(String... sets) {
    String e = assertThrows(ConfigLoader.ConfigError.class, () -> train(sets)).getMessage();
    assertFalse(e.contains("\n"), e);
    return e;
  }

  @Test
  void lambAndLarsReadTheirKeys() {
    OptimizerSpec lamb = train("train.optimizer.name=lamb", "train.optimizer.beta2=0.99",
        "train.optimizer.weight-decay=0.05").optimizer();
    Lamb l = (Lamb) lamb.build(Segments.EMPTY);
    assertEquals(0.99, l.beta2());
    assertEquals(0.05, l.weightDecay());
    OptimizerSpec lars = train("train.optimizer.name=LARS", "train.optimizer.momentum=0.8",
        "train.optimizer.trust-coefficient=0.02").optimizer();
    Lars r = (Lars) lars.build(Segments.EMPTY);
    assertEquals(0.8, r.momentum());
    assertEquals(0.02, r.trustCoefficient());
    assertEquals(0.01, r.weightDecay(), "the reference's weight-decay");
    // Other optimizers have no weight decay of their own: the key does not reach them.
    assertEquals(0, train("train.optimizer.name=adam").optimizer().weightDecay());

    String e = error("train.optimizer.name=lars", "train.optimizer.trust-coefficient=0");
    assertTrue(e.contains("trustCoefficient=0.0"), e);
    e = error("train.optimizer.name=lion");
    assertTrue(e.contains("'lion'") && e.contains("lamb, lars"), e);
  }

  @Test
  void theOptimizerShortcutTakesLambAndLars() {
    CommonOptions o = new CommonOptions();
    o.optimizer = "lamb";
    assertEquals("lamb", o.load().train(10).optimizer().name());
  }

  @Test
  void scalingSetsTheRateForTheBatchSize() {
    // lr 0.001 for base batch 100; batch 1600 is k = 16.
    TrainConfig none = train("train.batch-size=1600");
    assertEquals(0.001f, none.schedule().baseLr());
    TrainConfig linear = train("train.batch-size=1600", "train.schedule.scaling=linear");
    assertEquals(0.016f, linear.schedule().baseLr(), 1e-9);
    TrainConfig sqrt = train("train.batch-size=1600", "train.schedule.scaling=sqrt",
        "train.schedule.warmup-steps=50");
    assertEquals(0.004f, sqrt.schedule().baseLr(), 1e-9);
    assertEquals(50, sqrt.schedule().warmupSteps());
    TrainConfig base = train("train.batch-size=1600", "train.schedule.scaling=linear",
        "train.schedule.base-batch-size=400", "train.optimizer.lr=0.1");
    assertEquals(0.4f, base.schedule().baseLr(), 1e-7);

    String e = error("train.schedule.scaling=square");
    assertTrue(e.contains("train.schedule.scaling must be one of none, linear, sqrt, not 'square'"),
        e);
    e = error("train.schedule.scaling=linear", "train.schedule.base-batch-size=0");
    assertTrue(e.contains("train.schedule.base-batch-size must be positive: 0"), e);
  }

  @Test
  void stopAtReadsMetricAndValue() {
    assertEquals(new StopAt("val_acc", 0.97),
        train("train.stop-at.metric=val_acc", "train.stop-at.value=0.97").stopAt());
    assertEquals(new StopAt("train_loss", 0.05),
        train("train.stop-at.metric=train_loss", "train.stop-at.value=0.05").stopAt());
    assertEquals(StopAt.NONE, train().stopAt());
  }

  @Test
  void stopAtErrorsNameTheKeyInOneLine() {
    String e = error("train.stop-at.metric=val_accuracy", "train.stop-at.value=0.9");
    assertTrue(e.contains("train.stop-at.metric must be one of val_acc, val_loss, train_acc,"
        + " train_loss (or empty for none), not 'val_accuracy'"), e);
    e = error("train.stop-at.metric=val_acc", "train.stop-at.value=97");
    assertTrue(e.contains("train.stop-at.value must be in (0, 1] for val_acc"), e);
    e = error("train.stop-at.metric=val_loss", "train.stop-at.value=-1");
    assertTrue(e.contains("train.stop-at.value must be positive and finite for val_loss"), e);
    e = error("train.stop-at.value=0.97");
    assertTrue(e.contains("train.stop-at.metric is empty"), e);
  }
}
