package dev.sparkmlp.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.math.Ranges;
import dev.sparkmlp.math.Segments;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A step split over parts, on other threads, gives the serial step's bits, for every rule. */
class OptimizerRangesTest {
  private static final String[] NAMES = {"sgd", "momentum", "rmsprop", "adam", "adamw", "lamb",
      "lars"};

  @Test
  void splitStepsEqualSerialStepsBitForBit() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try {
      int n = 1001;
      Segments weights = new Segments(new int[] {0, 600}, new int[] {500, 300});
      for (String name : NAMES) {
        Optimizer serial = OptimizerSpec.defaults(name).build(weights);
        Optimizer split = OptimizerSpec.defaults(name).build(weights);
        List<int[]> seen = new ArrayList<>();
        // Three uneven parts, each on a thread of its own.
        Ranges three = (len, job) -> {
          int[] cut = {0, len / 5, len / 2, len};
          List<Future<?>> parts = new ArrayList<>();
          for (int i = 0; i < 3; i++) {
            int from = cut[i];
            int to = cut[i + 1];
            synchronized (seen) {
              seen.add(new int[] {from, to});
            }
            parts.add(threads.submit(() -> job.run(from, to)));
          }
          for (Future<?> f : parts) {
            try {
              f.get();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        };
        Random rnd = new Random(3);
        float[] w1 = new float[n];
        for (int i = 0; i < n; i++) w1[i] = (float) rnd.nextGaussian();
        float[] w2 = w1.clone();
        for (int step = 0; step < 5; step++) {
          float[] g = new float[n];
          for (int i = 0; i < n; i++) g[i] = (float) rnd.nextGaussian() * 0.1f;
          serial.step(w1, g, 0.01f);
          split.step(w2, g, 0.01f, three);
          assertArrayEquals(w1, w2, name + " step " + step);
        }
        assertEquals(5, split.steps(), name);
        for (String key : serial.state().arrays().keySet()) {
          assertArrayEquals(serial.state().arrays().get(key), split.state().arrays().get(key),
              name + " state " + key);
        }
        boolean elementwise = split.elementwise();
        assertEquals(elementwise, !seen.isEmpty(),
            name + ": split only when element-wise, serial otherwise");
        if (elementwise) assertEquals(15, seen.size(), name);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * begin, the job over parts in any order (each part's g written just before it runs), end:
   * the serial step's bits and t; without end, t and the state stay.
   */
  @Test
  void aStepInPartsEqualsTheSerialStepAndOnlyEndAdvancesT() {
    int n = 777;
    Segments weights = new Segments(new int[] {0}, new int[] {n});
    for (String name : new String[] {"sgd", "momentum", "rmsprop", "adam"}) {
      Optimizer serial = OptimizerSpec.defaults(name).build(weights);
      Optimizer parts = OptimizerSpec.defaults(name).build(weights);
      Random rnd = new Random(5);
      float[] w1 = new float[n];
      for (int i = 0; i < n; i++) w1[i] = (float) rnd.nextGaussian();
      float[] w2 = w1.clone();
      float[] g2 = new float[n];
      for (int step = 0; step < 4; step++) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) g[i] = (float) rnd.nextGaussian() * 0.1f;
        serial.step(w1, g, 0.01f);
        java.util.Arrays.fill(g2, Float.NaN);
        Ranges.Job job = parts.begin(w2, g2, 0.01f);
        int[] cut = {0, 100, 512, n};
        for (int p = 2; p >= 0; p--) {
          System.arraycopy(g, cut[p], g2, cut[p], cut[p + 1] - cut[p]);
          job.run(cut[p], cut[p + 1]);
        }
        assertEquals(step, parts.steps(), name + ": t before end");
        parts.end();
        assertArrayEquals(w1, w2, name + " step " + step);
      }
      assertEquals(4, parts.steps(), name);
      // An abandoned step: begun, no part run, no end.
      float[] before = w2.clone();
      parts.begin(w2, g2, 0.01f);
      assertEquals(4, parts.steps(), name);
      assertArrayEquals(before, w2, name);
      for (String key : serial.state().arrays().keySet()) {
        assertArrayEquals(serial.state().arrays().get(key), parts.state().arrays().get(key),
            name + " state " + key);
      }
    }
  }

  @Test
  void onlyElementWiseRulesStepInPartsAndEndNeedsBegin() {
    Segments weights = new Segments(new int[] {0}, new int[] {4});
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> OptimizerSpec.defaults("lamb").build(weights).begin(new float[4], new float[4], 0.1f));
    assertTrue(e.getMessage().startsWith("lamb is not element-wise"), e.getMessage());
    Optimizer adam = OptimizerSpec.defaults("adam").build(weights);
    IllegalStateException s = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalStateException.class, adam::end);
    assertEquals("adam: end() without begin()", s.getMessage());
    IllegalArgumentException lr = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> adam.begin(new float[4], new float[4], Float.NaN));
    assertTrue(lr.getMessage().contains("learning rate NaN"), lr.getMessage());
    assertEquals(0, adam.steps());
  }

  @Test
  void theElementWiseRulesAreTheOnesWithoutLayerNormsOrSegments() {
    Segments weights = new Segments(new int[] {0}, new int[] {4});
    for (String name : new String[] {"sgd", "momentum", "rmsprop", "adam"}) {
      assertTrue(OptimizerSpec.defaults(name).build(weights).elementwise(), name);
      assertTrue(OptimizerSpec.defaults(name).build(weights).isElementwise(), name);
    }
    for (String name : new String[] {"adamw", "lamb", "lars"}) {
      assertFalse(OptimizerSpec.defaults(name).build(weights).elementwise(), name);
      assertFalse(OptimizerSpec.defaults(name).build(weights).isElementwise(), name);
    }
  }
}
