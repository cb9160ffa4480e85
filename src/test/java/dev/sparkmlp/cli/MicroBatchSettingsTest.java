package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.train.LocalGradients;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** train.micro-batch: read, checked, and passed by the local engine to its gradient source. */
class MicroBatchSettingsTest {
  private static Settings settings(String... sets) {
    return new Settings(ConfigLoader.load(null, List.of(sets), Map.of()));
  }

  @Test
  void theKeyIsReadCheckedAndReachesTheLocalShards() {
    assertEquals(0, settings().microBatch(), "off by default");
    assertEquals(64, settings("train.micro-batch=64").microBatch());
    String e = assertThrows(ConfigLoader.ConfigError.class,
        () -> settings("train.micro-batch=-1").microBatch()).getMessage();
    assertTrue(e.contains("train.micro-batch must be 0 (off) or positive: -1"), e);

    Network net = Network.build(NetworkSpec.mlp(2, new int[] {4}, 2, Activation.RELU, 0f,
        Init.HE_UNIFORM, Activation.SOFTMAX, Loss.CCE, 0f, false, false));
    float[] x = new float[400];
    int[] labels = new int[200];
    for (int r = 0; r < 200; r++) {
      labels[r] = r % 2;
      x[2 * r] = r % 2;
      x[2 * r + 1] = 1;
    }
    Block train = Block.classification(200, 2, x, labels, 2);
    try (LocalEngine engine = new LocalEngine(2, 2, 16)) {
      LocalGradients g = (LocalGradients) engine.gradients(net, train, 100, 1, 1);
      assertEquals(16, g.workspaceRows(0), "50 rows a shard per step, 16 at a time");
      assertEquals(16, g.workspaceRows(1));
    }
  }
}
