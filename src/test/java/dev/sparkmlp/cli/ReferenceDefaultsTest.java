package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.sparkmlp.data.CsvOptions;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.LayerSpec;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.optim.LrScaling;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.optim.Regularization;
import dev.sparkmlp.optim.ScheduleSpec;
import dev.sparkmlp.train.Datasets;
import dev.sparkmlp.train.StopAt;
import dev.sparkmlp.train.TrainConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * conf/reference.conf restates the defaults the specs keep in their DEFAULT_ constants. These tests
 * hold the two together: first key by key, then by building the specs from the reference alone.
 */
class ReferenceDefaultsTest {
  private static Config reference(String... sets) {
    return ConfigLoader.load(null, List.of(sets), Map.of());
  }

  @Test
  void everyKeyWithASpecDefaultStatesThatDefault() {
    Config c = reference();
    // model.alpha is one key for two activations; its default is that of the default activation.
    assertEquals("leaky_relu", c.getString("model.activation"));
    assertEquals(LayerSpec.Act.DEFAULT_LEAKY_RELU_ALPHA, (float) c.getDouble("model.alpha"),
        "model.alpha");
    assertEquals(LayerSpec.BatchNorm.DEFAULT_MOMENTUM,
        (float) c.getDouble("model.batch-norm-momentum"), "model.batch-norm-momentum");

    assertEquals(OptimizerSpec.DEFAULT_BETA1, c.getDouble("train.optimizer.beta1"), "beta1");
    assertEquals(OptimizerSpec.DEFAULT_BETA2, c.getDouble("train.optimizer.beta2"), "beta2");
    assertEquals(OptimizerSpec.DEFAULT_EPS, c.getDouble("train.optimizer.eps"), "eps");
    assertEquals(OptimizerSpec.DEFAULT_MOMENTUM, c.getDouble("train.optimizer.momentum"),
        "momentum");
    assertEquals(OptimizerSpec.DEFAULT_RHO, c.getDouble("train.optimizer.rho"), "rho");
    assertEquals(OptimizerSpec.DEFAULT_BIAS_CORRECTION,
        c.getBoolean("train.optimizer.bias-correction"), "bias-correction");
    assertEquals(OptimizerSpec.DEFAULT_ADAMW_WEIGHT_DECAY,
        c.getDouble("train.optimizer.weight-decay"), "weight-decay");
    assertEquals(OptimizerSpec.DEFAULT_TRUST_COEFFICIENT,
        c.getDouble("train.optimizer.trust-coefficient"), "trust-coefficient");
    assertEquals(LrScaling.NONE.rule(), c.getString("train.schedule.scaling"), "scaling");
    assertEquals(LrScaling.DEFAULT_BASE_BATCH_SIZE, c.getInt("train.schedule.base-batch-size"),
        "base-batch-size");
    assertEquals(StopAt.NONE.metric(), c.getString("train.stop-at.metric"), "stop-at.metric");
    assertEquals(StopAt.NONE.value(), c.getDouble("train.stop-at.value"), "stop-at.value");

    // train.schedule.gamma is one key for step and exponential; its default is step's.
    assertEquals(ScheduleSpec.DEFAULT_STEP_EPOCHS, c.getInt("train.schedule.step-epochs"),
        "step-epochs");
    assertEquals(ScheduleSpec.DEFAULT_STEP_GAMMA, (float) c.getDouble("train.schedule.gamma"),
        "gamma");

    assertEquals(Regularization.NONE.l1(), (float) c.getDouble("train.l1"), "l1");
    assertEquals(Regularization.NONE.l2(), (float) c.getDouble("train.l2"), "l2");
  }

  @Test
  void theReferenceAloneBuildsTheSpecsDefaults() {
    // Batch and layer norm on, so that their layers (and the norm defaults) are in the network.
    Settings s = new Settings(reference("model.batch-norm=true", "model.layer-norm=true"));
    NetworkSpec expected = NetworkSpec.mlp(4, new int[] {128, 128, 128, 128}, 3,
        Activation.LEAKY_RELU, LayerSpec.Act.defaultAlpha(Activation.LEAKY_RELU), Init.HE_UNIFORM,
        Activation.SOFTMAX, Loss.CCE, 0f, true, true);
    assertEquals(expected, s.network(4, 3));
    assertTrue(expected.layers().contains(new LayerSpec.BatchNorm(
        LayerSpec.BatchNorm.DEFAULT_MOMENTUM, LayerSpec.BatchNorm.DEFAULT_EPS)));

    for (String name : OptimizerSpec.NAMES) {
      TrainConfig t = new Settings(reference("train.optimizer.name=" + name)).train(7);
      assertEquals(OptimizerSpec.defaults(name), t.optimizer(), name);
      assertEquals(Regularization.NONE, t.regularization());
      assertEquals(StopAt.NONE, t.stopAt());
    }
    assertTrue(OptimizerSpec.NAMES.containsAll(List.of("lamb", "lars")));
    for (String kind : List.of("constant", "step", "cosine")) {
      TrainConfig t = new Settings(reference("train.schedule.kind=" + kind)).train(7);
      float lr = (float) reference().getDouble("train.optimizer.lr");
      assertEquals(ScheduleSpec.defaults(kind, lr).withTotalSteps(7L * t.epochs()), t.schedule(),
          kind);
    }

    assertEquals(CsvOptions.classification(), Datasets.csvOptions(s.data(), 0));
  }

  /** One range, [0, 1), checked in LayerSpec.BatchNorm; the config error names the key. */
  @Test
  void batchNormMomentumBoundaries() {
    Settings zero = new Settings(reference("model.batch-norm=true", "model.batch-norm-momentum=0"));
    assertTrue(zero.network(2, 2).layers().contains(new LayerSpec.BatchNorm(0f, 1e-5f)));
    for (String bad : List.of("1", "1.0", "-0.1")) {
      // Rejected even with batch norm off: a wrong value is wrong either way.
      Settings s = new Settings(reference("model.batch-norm-momentum=" + bad));
      var e = assertThrows(ConfigLoader.ConfigError.class, () -> s.network(2, 2));
      assertTrue(e.getMessage().contains(
          "model.batch-norm-momentum batch norm momentum must be in [0, 1)"), e.getMessage());
    }
  }
}
