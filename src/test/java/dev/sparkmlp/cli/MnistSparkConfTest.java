package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkmlp.nn.LayerSpec;
import dev.sparkmlp.train.TrainConfig;
import java.io.File;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * conf/mnist-spark.conf loads (every key is known) and says what its comment and the README say:
 * Spark, batch 2000, 784-256-256-10, Adam at 1e-3 x 2000/100 = 0.02 after a 30-step warm-up,
 * decayed by 0.6 per epoch.
 */
class MnistSparkConfTest {
  @Test
  void theSparkConfigIsTheOneDescribed() {
    Settings s = new Settings(ConfigLoader.load(new File("conf/mnist-spark.conf"), List.of(),
        Map.of()));
    assertEquals("spark", s.engine());
    assertEquals(2000, s.batchSize());
    List<Integer> widths = s.network(784, 10).layers().stream()
        .filter(l -> l instanceof LayerSpec.Dense).map(l -> ((LayerSpec.Dense) l).units())
        .toList();
    assertEquals(List.of(256, 256, 10), widths);
    TrainConfig cfg = s.train(30);
    assertEquals("adam", cfg.optimizer().name());
    assertEquals(0.02f, cfg.schedule().baseLr(), 1e-7f, "1e-3 scaled linearly to batch 2000");
    assertEquals("exponential", cfg.schedule().kind());
    assertEquals(0.6f, cfg.schedule().gamma(), 1e-7f);
    assertEquals(30, cfg.schedule().warmupSteps());
  }
}
