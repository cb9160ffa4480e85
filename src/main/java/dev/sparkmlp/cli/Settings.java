package dev.sparkmlp.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.LayerSpec;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.optim.LrScaling;
import dev.sparkmlp.optim.OptimizerSpec;
import dev.sparkmlp.optim.Regularization;
import dev.sparkmlp.optim.ScheduleSpec;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.StopAt;
import dev.sparkmlp.train.TrainConfig;
import java.util.List;
import java.util.Locale;

/**
 * Turns a loaded {@link Config} into the typed specs of the core packages. A wrong value becomes a
 * {@link ConfigLoader.ConfigError} naming the key and where it was set.
 */
final class Settings {
  private final Config c;

  Settings(Config c) {
    this.c = c;
  }

  Config config() {
    return c;
  }

  String engine() {
    String e = str("train.engine").toLowerCase(Locale.ROOT);
    if (!e.equals("local") && !e.equals("spark")) fail("train.engine", "must be local or spark, not '" + e + "'");
    return e;
  }

  String output() {
    return str("output");
  }

  int partitions() {
    int p = integer("train.partitions");
    return p > 0 ? p : Runtime.getRuntime().availableProcessors();
  }

  int threads() {
    int t = integer("train.threads");
    return t > 0 ? t : Runtime.getRuntime().availableProcessors();
  }

  DataSpec data() {
    return guard("data", () -> {
      String delim = str("data.delimiter");
      if (delim.equals("\\t") || delim.equalsIgnoreCase("tab")) delim = "\t";
      if (delim.length() != 1) fail("data.delimiter", "must be one character, not '" + delim + "'");
      String taskName = str("data.task").toUpperCase(Locale.ROOT);
      Task task;
      try {
        task = Task.valueOf(taskName);
      } catch (IllegalArgumentException e) {
        throw fail("data.task", "must be classification or regression, not '" + str("data.task") + "'");
      }
      return new DataSpec(str("data.format"), str("data.train"), str("data.train-labels"),
          integer("data.train-offset"), integer("data.train-rows"), str("data.validation"),
          str("data.validation-labels"), c.getDouble("data.validation-split"), str("data.test"),
          str("data.test-labels"), task, integer("data.classes"), str("data.label-column"),
          str("data.header"), delim.charAt(0), integer("data.features"), str("data.scale"));
    });
  }

  /** The network for data of the given input width and output width (classes or targets). */
  NetworkSpec network(int inputs, int outputs) {
    return guard("model", () -> {
      List<Integer> layers = c.getIntList("model.layers");
      int[] hidden = layers.stream().mapToInt(Integer::intValue).toArray();
      for (int h : hidden) if (h <= 0) throw fail("model.layers", "widths must be positive: " + layers);
      Activation act = Activation.parse(str("model.activation"));
      if (act == Activation.SOFTMAX) throw fail("model.activation", "softmax is an output activation only");
      Loss loss = Loss.parse(str("model.loss"));
      String out = str("model.output");
      Activation outAct = out.equalsIgnoreCase("auto")
          ? switch (loss) {
              case CCE -> Activation.SOFTMAX;
              case BCE -> Activation.SIGMOID;
              case MSE -> Activation.IDENTITY;
            }
          : Activation.parse(out);
      double dropout = c.getDouble("model.dropout");
      if (!(dropout >= 0 && dropout < 1)) throw fail("model.dropout", "must be in [0, 1): " + dropout);
      NetworkSpec spec = NetworkSpec.mlp(inputs, hidden, outputs, act, (float) c.getDouble("model.alpha"),
          Init.parse(str("model.init")), outAct, loss, (float) dropout, c.getBoolean("model.batch-norm"),
          c.getBoolean("model.layer-norm"));
      float momentum = (float) c.getDouble("model.batch-norm-momentum");
      try {
        // Checked even without batch norm: a wrong value in the config is wrong either way.
        LayerSpec.BatchNorm.checkMomentum(momentum);
      } catch (IllegalArgumentException e) {
        throw fail("model.batch-norm-momentum", e.getMessage());
      }
      return spec.withBatchNormMomentum(momentum);
    });
  }

  TrainConfig train(int stepsPerEpoch) {
    return guard("train", () -> {
      String name = str("train.optimizer.name").toLowerCase(Locale.ROOT);
      OptimizerSpec base = OptimizerSpec.defaults(name);
      OptimizerSpec opt = new OptimizerSpec(base.name(), c.getDouble("train.optimizer.beta1"),
          c.getDouble("train.optimizer.beta2"), c.getDouble("train.optimizer.eps"),
          c.getDouble("train.optimizer.momentum"), c.getDouble("train.optimizer.rho"),
          c.getBoolean("train.optimizer.bias-correction"),
          OptimizerSpec.WEIGHT_DECAY_NAMES.contains(base.name())
              ? c.getDouble("train.optimizer.weight-decay") : 0,
          c.getDouble("train.optimizer.trust-coefficient"));
      int epochs = integer("train.epochs");
      float lr = (float) c.getDouble("train.optimizer.lr");
      if (!(lr > 0) || Float.isInfinite(lr)) throw fail("train.optimizer.lr", "must be positive: " + lr);
      ScheduleSpec schedule = new ScheduleSpec(str("train.schedule.kind"), lr,
          c.getLong("train.schedule.warmup-steps"), integer("train.schedule.step-epochs"),
          (float) c.getDouble("train.schedule.gamma"), (float) c.getDouble("train.schedule.min-lr"),
          (long) epochs * stepsPerEpoch);
      int batch = integer("train.batch-size");
      schedule = lrScaling().apply(schedule, Math.max(1, batch));
      String n = str("train.regularization-n").toLowerCase(Locale.ROOT);
      if (!n.equals("batch") && !n.equals("dataset")) {
        throw fail("train.regularization-n", "must be batch or dataset, not '" + n + "'");
      }
      Regularization reg = new Regularization((float) c.getDouble("train.l1"), (float) c.getDouble("train.l2"),
          n.equals("dataset"));
      return new TrainConfig(epochs, batch, c.getLong("train.seed"), opt, schedule, reg,
          c.getDouble("train.clip-norm"), integer("train.early-stopping.patience"),
          str("train.early-stopping.monitor"), c.getDouble("train.early-stopping.min-delta"),
          c.getBoolean("train.early-stopping.restore-best"),
          new StopAt(str("train.stop-at.metric").trim(), c.getDouble("train.stop-at.value")));
    });
  }

  /** train.schedule.scaling and train.schedule.base-batch-size; errors name the key. */
  LrScaling lrScaling() {
    String rule = str("train.schedule.scaling").trim().toLowerCase(Locale.ROOT);
    if (!LrScaling.RULES.contains(rule)) {
      throw fail("train.schedule.scaling",
          "must be one of " + String.join(", ", LrScaling.RULES) + ", not '" + rule + "'");
    }
    int base = integer("train.schedule.base-batch-size");
    if (base < 1) throw fail("train.schedule.base-batch-size", "must be positive: " + base);
    return new LrScaling(rule, base);
  }

  int batchSize() {
    int b = integer("train.batch-size");
    if (b <= 0) fail("train.batch-size", "must be positive: " + b);
    return b;
  }

  /** train.micro-batch: rows per accumulation pass on a shard or partition; 0 = off. */
  int microBatch() {
    int m = integer("train.micro-batch");
    if (m < 0) fail("train.micro-batch", "must be 0 (off) or positive: " + m);
    return m;
  }

  long seed() {
    return c.getLong("train.seed");
  }

  String str(String key) {
    try {
      return c.getString(key);
    } catch (ConfigException e) {
      throw new ConfigLoader.ConfigError(e.getMessage());
    }
  }

  int integer(String key) {
    try {
      return c.getInt(key);
    } catch (ConfigException e) {
      throw new ConfigLoader.ConfigError(e.getMessage());
    }
  }

  private ConfigLoader.ConfigError fail(String key, String message) {
    String where = c.hasPath(key) ? c.getValue(key).origin().description() : "config";
    throw new ConfigLoader.ConfigError(where + ": " + key + " " + message);
  }

  /** Runs a mapping, turning the core's IllegalArgumentException into a config error. */
  private <T> T guard(String section, java.util.function.Supplier<T> f) {
    try {
      return f.get();
    } catch (ConfigException e) {
      throw new ConfigLoader.ConfigError(e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ConfigLoader.ConfigError("config section '" + section + "': " + e.getMessage());
    }
  }
}
