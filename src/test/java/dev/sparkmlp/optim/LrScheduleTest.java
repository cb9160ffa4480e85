package dev.sparkmlp.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
  private static final double TOL = 1e-6;

  @Test
  void constant() {
    LrSchedule s = ScheduleSpec.constant(0.05f).build();
    assertEquals(0.05f, s.lr(0, 10));
    assertEquals(0.05f, s.lr(123_456, 10));
  }

  @Test
  void stepDecaysEveryStepEpochs() {
    // base 1, gamma 0.5, every 2 epochs, 10 steps per epoch
    LrSchedule s = new ScheduleSpec("step", 1f, 0, 2, 0.5f, 0f, 0).build();
    assertEquals(1.0, s.lr(0, 10), TOL);
    assertEquals(1.0, s.lr(19, 10), TOL); // epoch 1, floor(1/2) = 0
    assertEquals(0.5, s.lr(20, 10), TOL); // epoch 2, floor(2/2) = 1
    assertEquals(0.5, s.lr(39, 10), TOL); // epoch 3
    assertEquals(0.25, s.lr(45, 10), TOL); // epoch 4, 0.5^2
  }

  @Test
  void exponentialDecaysOncePerEpoch() {
    LrSchedule s = new ScheduleSpec("exponential", 0.8f, 0, 1, 0.5f, 0f, 0).build();
    assertEquals(0.8, s.lr(0, 10), TOL);
    assertEquals(0.8, s.lr(9, 10), TOL); // still epoch 0: no decay within an epoch
    assertEquals(0.4, s.lr(10, 10), TOL);
    assertEquals(0.2, s.lr(25, 10), TOL); // epoch 2: 0.8 * 0.5^2
  }

  @Test
  void cosineWithWarmup() {
    // base 1, min 0.1, warm-up 10 steps, total 110: the cosine runs over steps 10..110
    LrSchedule s = new ScheduleSpec("cosine", 1f, 10, 1, 1f, 0.1f, 110).build();
    // warm-up: target(step) = 1 (progress clamped to 0), times (step + 1) / 10
    assertEquals(0.1, s.lr(0, 7), TOL);
    assertEquals(0.5, s.lr(4, 7), TOL);
    assertEquals(1.0, s.lr(9, 7), TOL);
    // progress = (step - 10) / 100
    assertEquals(1.0, s.lr(10, 7), TOL); // progress 0
    // progress 0.25: 0.1 + 0.9 * (1 + cos(pi/4)) / 2 = 0.1 + 0.9 * 0.8535534
    assertEquals(0.8681980515, s.lr(35, 7), TOL);
    assertEquals(0.55, s.lr(60, 7), TOL); // progress 0.5: 0.1 + 0.9 * 0.5
    assertEquals(0.1, s.lr(110, 7), TOL); // progress 1
    assertEquals(0.1, s.lr(5000, 7), TOL); // stays at minLr
  }

  @Test
  void warmupScalesTheDecayedTarget() {
    // step decay every 2 epochs of 5 steps, warm-up 15 steps
    LrSchedule s = new ScheduleSpec("step", 1f, 15, 2, 0.5f, 0f, 0).build();
    assertEquals(1.0 / 15, s.lr(0, 5), TOL); // epoch 0, target 1, times 1/15
    assertEquals(0.5 * 13 / 15, s.lr(12, 5), TOL); // epoch 2, target 0.5, times 13/15
    assertEquals(0.5, s.lr(15, 5), TOL); // warm-up over
    LrSchedule c = ScheduleSpec.constant(0.2f).withWarmupSteps(4).build();
    assertEquals(0.05, c.lr(0, 100), TOL);
    assertEquals(0.15, c.lr(2, 100), TOL);
    assertEquals(0.2, c.lr(3, 100), TOL);
    assertEquals(0.2, c.lr(4, 100), TOL);
  }

  @Test
  void batchSizeScalingRules() {
    // base batch 100: batch 400 is k = 4, batch 50 is k = 0.5
    LrScaling linear = new LrScaling("linear", 100);
    LrScaling sqrt = new LrScaling(" SQRT ", 100);
    assertEquals(4.0, linear.factor(400), 0);
    assertEquals(0.5, linear.factor(50), 0);
    assertEquals(2.0, sqrt.factor(400), 0);
    assertEquals(Math.sqrt(0.5), sqrt.factor(50), 1e-15);
    assertEquals(1.0, LrScaling.NONE.factor(4096), 0);
    assertEquals(1.0, linear.factor(100), 0, "the base batch keeps the configured rate");
    assertEquals("sqrt", sqrt.rule());
  }

  @Test
  void scalingMultipliesTheScheduleAndTheWarmupRampsToTheScaledRate() {
    // lr 0.001 for batch 100, run at batch 800 with linear scaling: 0.008, reached by a 4-step
    // linear warm-up: 0.008 * (step + 1) / 4.
    ScheduleSpec spec = ScheduleSpec.constant(0.001f).withWarmupSteps(4);
    ScheduleSpec scaled = new LrScaling("linear", 100).apply(spec, 800);
    assertEquals(0.008f, scaled.baseLr(), 1e-9);
    assertEquals(4, scaled.warmupSteps());
    LrSchedule s = scaled.build();
    assertEquals(0.002, s.lr(0, 10), TOL);
    assertEquals(0.006, s.lr(2, 10), TOL);
    assertEquals(0.008, s.lr(3, 10), TOL);
    assertEquals(0.008, s.lr(500, 10), TOL);

    // Cosine keeps its shape: base 0.1 and final 0.01 both times sqrt(400 / 100) = 2.
    ScheduleSpec cosine = ScheduleSpec.defaults("cosine", 0.1f).with("minLr", "0.01")
        .withTotalSteps(100);
    LrSchedule c = new LrScaling("sqrt", 100).apply(cosine, 400).build();
    assertEquals(0.2, c.lr(0, 10), TOL);
    assertEquals(0.11, c.lr(50, 10), TOL); // 0.02 + 0.18 * (1 + cos(pi / 2)) / 2
    assertEquals(0.02, c.lr(100, 10), TOL);

    assertEquals(spec, LrScaling.NONE.apply(spec, 800), "none leaves the schedule as it is");
  }

  @Test
  void scalingErrorsNameTheProblem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LrScaling("quadratic", 100));
    assertEquals("unknown lr scaling rule 'quadratic'; valid: none, linear, sqrt", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new LrScaling("linear", 0));
    assertTrue(e.getMessage().contains("baseBatchSize=0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new LrScaling("sqrt", 100).factor(-5));
    assertTrue(e.getMessage().contains("batchSize=-5"), e.getMessage());
  }

  @Test
  void defaultsAndOverrides() {
    ScheduleSpec d = ScheduleSpec.defaults("Exponential", 0.1f);
    assertEquals(new ScheduleSpec("exponential", 0.1f, 0, 10, 0.95f, 0f, 0), d);
    assertEquals(0.1f, ScheduleSpec.defaults("step", 0.1f).gamma());
    ScheduleSpec c = ScheduleSpec.defaults("cosine", 0.1f).with("minLr", "0.01")
        .with("warmupSteps", "5").withTotalSteps(50);
    assertEquals(new ScheduleSpec("cosine", 0.1f, 5, 10, 0.1f, 0.01f, 50), c);
    assertEquals(0.5f, ScheduleSpec.defaults("step", 0.1f).with("gamma", "0.5").gamma());
    assertEquals(3, ScheduleSpec.defaults("step", 0.1f).with("stepEpochs", "3").stepEpochs());
    assertEquals(0.3f, ScheduleSpec.defaults("step", 0.1f).with("baseLr", "0.3").baseLr());
  }

  @Test
  void errorsNameTheProblem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScheduleSpec.defaults("linear", 0.1f));
    assertEquals("unknown lr schedule 'linear'; valid: constant, step, exponential, cosine",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ScheduleSpec.defaults("cosine", 0.1f).withWarmupSteps(10).withTotalSteps(10).build());
    assertTrue(e.getMessage().contains("totalSteps=10"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ScheduleSpec.defaults("step", 0.1f).with("stepEpochs", "x"));
    assertTrue(e.getMessage().contains("'stepEpochs'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ScheduleSpec.defaults("step", 0.1f).with("decay", "0.1"));
    assertTrue(e.getMessage().contains("'decay'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ScheduleSpec.constant(0f));
    assertThrows(IllegalArgumentException.class,
        () -> new ScheduleSpec("step", 0.1f, 0, 0, 0.5f, 0f, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new ScheduleSpec("cosine", 0.1f, 0, 1, 1f, 0.2f, 10));
    assertThrows(IllegalArgumentException.class,
        () -> ScheduleSpec.constant(0.1f).build().lr(5, 0));
  }
}
