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

  @Test
  void theElementWiseRulesAreTheOnesWithoutLayerNormsOrSegments() {
    Segments weights = new Segments(new int[] {0}, new int[] {4});
    for (String name : new String[] {"sgd", "momentum", "rmsprop", "adam"}) {
      assertTrue(OptimizerSpec.defaults(name).build(weights).elementwise(), name);
    }
    for (String name : new String[] {"adamw", "lamb", "lars"}) {
      assertFalse(OptimizerSpec.defaults(name).build(weights).elementwise(), name);
    }
  }
}
