package dev.sparkmlp.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.math.Segments;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptimizerStateTest {
  private static final int N = 7;
  private static final Segments DECAYED = Segments.of(0, 5);

  /** A deterministic, varied gradient for step k. */
  private static float[] grad(int k) {
    float[] g = new float[N];
    for (int i = 0; i < N; i++) g[i] = (float) Math.sin(1.7 * k + 0.9 * i) * (1 + i % 3);
    return g;
  }

  private static float[] initial() {
    float[] w = new float[N];
    for (int i = 0; i < N; i++) w[i] = 0.1f * (i - 3);
    return w;
  }

  private static List<Optimizer> all() {
    return OptimizerSpec.NAMES.stream().map(n -> OptimizerSpec.defaults(n).build(DECAYED)).toList();
  }

  @Test
  void everyOptimizerIsCovered() {
    assertEquals(List.of("sgd", "momentum", "rmsprop", "adam", "adamw", "lamb", "lars"),
        all().stream().map(Optimizer::name).toList());
  }

  @Test
  void restoreContinuesTheIdenticalTrajectory() {
    for (Optimizer opt : all()) {
      float[] w = initial();
      for (int k = 0; k < 3; k++) opt.step(w, grad(k), 0.05f);
      OptimizerState saved = opt.state();
      float[] wSaved = w.clone();
      for (int k = 3; k < 6; k++) opt.step(w, grad(k), 0.05f);

      Optimizer resumed = OptimizerSpec.defaults(opt.name()).build(DECAYED);
      resumed.restore(saved);
      assertEquals(3, resumed.steps(), opt.name());
      for (int k = 3; k < 6; k++) resumed.step(wSaved, grad(k), 0.05f);

      assertArrayEquals(w, wSaved, opt.name() + ": resumed weights differ");
      assertEquals(opt.state(), resumed.state(), opt.name() + ": resumed state differs");
      assertEquals(6, resumed.steps());
    }
  }

  @Test
  void stateHoldsTheNamedArrays() {
    Map<String, List<String>> expected = Map.of("sgd", List.of(), "momentum", List.of("velocity"),
        "rmsprop", List.of("s"), "adam", List.of("m", "v"), "adamw", List.of("m", "v"),
        "lamb", List.of("m", "v"), "lars", List.of("velocity"));
    for (Optimizer opt : all()) {
      assertEquals(new OptimizerState(opt.name(), 0, Map.of()), opt.state(), "before any step");
      opt.step(initial(), grad(0), 0.1f);
      OptimizerState s = opt.state();
      assertEquals(opt.name(), s.optimizer());
      assertEquals(1, s.t());
      assertEquals(expected.get(opt.name()), List.copyOf(s.arrays().keySet()), opt.name());
      for (float[] a : s.arrays().values()) assertEquals(N, a.length);
    }
  }

  @Test
  void stateAndRestoreCopyTheArrays() {
    Optimizer opt = new Adam();
    float[] w = initial();
    opt.step(w, grad(0), 0.1f);
    OptimizerState s = opt.state();
    float m0 = s.arrays().get("m")[0];
    s.arrays().get("m")[0] = 123f;
    assertEquals(m0, opt.state().arrays().get("m")[0], "state() must hand out a copy");

    Optimizer other = new Adam();
    OptimizerState s2 = opt.state();
    other.restore(s2);
    s2.arrays().get("v")[1] = -5f;
    assertEquals(opt.state(), other.state(), "restore() must keep a copy");
  }

  @Test
  void copyHasTheSameConfigurationAndFreshState() {
    for (Optimizer opt : all()) {
      float[] w = initial();
      for (int k = 0; k < 3; k++) opt.step(w, grad(k), 0.05f);
      Optimizer fresh = opt.copy();
      assertEquals(opt.getClass(), fresh.getClass());
      assertEquals(0, fresh.steps(), opt.name());
      assertEquals(Map.of(), fresh.state().arrays(), opt.name());
      assertEquals(3, opt.steps(), "copy() leaves the original alone");

      // Same configuration: the copy retraces a freshly built optimizer's trajectory.
      Optimizer built = OptimizerSpec.defaults(opt.name()).build(DECAYED);
      float[] a = initial();
      float[] b = initial();
      for (int k = 0; k < 3; k++) {
        fresh.step(a, grad(k), 0.05f);
        built.step(b, grad(k), 0.05f);
      }
      assertArrayEquals(b, a, opt.name());
      assertArrayEquals(w, a, opt.name() + ": same trajectory as the original");
    }
    Optimizer custom = new Momentum(0.5, false);
    assertEquals("Momentum(beta=0.5, biasCorrection=false)", custom.copy().toString());
  }

  @Test
  void restoreRejectsForeignOrBrokenState() {
    Optimizer adam = new Adam();
    adam.step(initial(), grad(0), 0.1f);
    OptimizerState adamState = adam.state();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RmsProp().restore(adamState));
    assertTrue(e.getMessage().contains("'adam'") && e.getMessage().contains("'rmsprop'"),
        e.getMessage());

    Map<String, float[]> onlyM = new LinkedHashMap<>();
    onlyM.put("m", new float[N]);
    e = assertThrows(IllegalArgumentException.class,
        () -> new Adam().restore(new OptimizerState("adam", 4, onlyM)));
    assertTrue(e.getMessage().contains("[m]"), e.getMessage());

    Map<String, float[]> uneven = new LinkedHashMap<>();
    uneven.put("m", new float[N]);
    uneven.put("v", new float[N + 1]);
    e = assertThrows(IllegalArgumentException.class,
        () -> new Adam().restore(new OptimizerState("adam", 4, uneven)));
    assertTrue(e.getMessage().contains("'v' has 8"), e.getMessage());

    // Same arrays, other optimizer: LAMB's m and v are not Adam's.
    e = assertThrows(IllegalArgumentException.class,
        () -> new Lamb(0.9, 0.999, 1e-8, 0.01, DECAYED).restore(adamState));
    assertTrue(e.getMessage().contains("'adam'") && e.getMessage().contains("'lamb'"),
        e.getMessage());

    e = assertThrows(IllegalArgumentException.class,
        () -> new Adam().restore(new OptimizerState("adam", 4, Map.of())));
    assertTrue(e.getMessage().contains("needs [m, v]"), e.getMessage());

    assertThrows(IllegalArgumentException.class,
        () -> new OptimizerState("adam", -1, Map.of()));

    // Restored for 7 parameters, then stepped with 3: refused, with the reason.
    Optimizer restored = new Adam();
    restored.restore(adamState);
    e = assertThrows(IllegalArgumentException.class,
        () -> restored.step(new float[3], new float[3], 0.1f));
    assertTrue(e.getMessage().contains("state is for 7 parameters"), e.getMessage());
  }

  @Test
  void restoringAFreshStateResets() {
    Optimizer opt = new Momentum();
    OptimizerState fresh = opt.state();
    opt.step(initial(), grad(0), 0.1f);
    opt.restore(fresh);
    assertEquals(0, opt.steps());
    assertEquals(fresh, opt.state());
    // Sgd has no arrays, only t.
    Optimizer sgd = new Sgd();
    sgd.restore(new OptimizerState("sgd", 42, Map.of()));
    assertEquals(42, sgd.steps());
  }

  @Test
  void stateEqualityComparesContents() {
    Map<String, float[]> a = Map.of("s", new float[] {1f, 2f});
    Map<String, float[]> b = Map.of("s", new float[] {1f, 2f});
    Map<String, float[]> c = Map.of("s", new float[] {1f, 3f});
    assertEquals(new OptimizerState("rmsprop", 2, a), new OptimizerState("rmsprop", 2, b));
    assertEquals(new OptimizerState("rmsprop", 2, a).hashCode(),
        new OptimizerState("rmsprop", 2, b).hashCode());
    assertNotEquals(new OptimizerState("rmsprop", 2, a), new OptimizerState("rmsprop", 2, c));
    assertNotEquals(new OptimizerState("rmsprop", 2, a), new OptimizerState("rmsprop", 3, a));
    assertEquals("OptimizerState[rmsprop, t=2, s[2]]",
        new OptimizerState("rmsprop", 2, a).toString());
  }
}
