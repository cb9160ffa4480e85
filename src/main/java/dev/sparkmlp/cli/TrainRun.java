package dev.sparkmlp.cli;

import dev.sparkmlp.io.Fs;
import dev.sparkmlp.io.Json;
import dev.sparkmlp.io.ModelIO;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.plot.CurvesListener;
import dev.sparkmlp.spark.ClusterLostException;
import dev.sparkmlp.spark.SparkMaster;
import dev.sparkmlp.train.Checkpointer;
import dev.sparkmlp.train.Datasets;
import dev.sparkmlp.train.EpochMetrics;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.Metrics;
import dev.sparkmlp.train.TrainConfig;
import dev.sparkmlp.train.TrainResult;
import dev.sparkmlp.train.Trainer;
import dev.sparkmlp.train.Warmup;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One training run as the CLI performs it: read and scale the data (where the engine reads it),
 * build the network, train with the configured engine, score the test set, and write the outputs.
 * Outputs are written atomically: a failed run leaves no half-written model.
 */
final class TrainRun {
  enum Console { NORMAL, QUIET }

  private final Settings s;
  private final Console console;
  private final PrintStream out = System.out;

  TrainRun(Settings s, Console console) {
    this.s = s;
    this.console = console;
  }

  /**
   * The JIT warm-up ({@link Warmup}), started, when {@code train.warm-up} is on, the format gives
   * the shape before the read, and this JVM computes the gradients: the local engine, or Spark
   * with a local master ({@link SparkEngine#master}). It runs
   * through the engine's start and the read. The batch is a shard's share of the run's:
   * {@code train.partitions}, or one shard per core. Else null.
   *
   * <p>On a cluster the driver does not compute: the network goes to the engine instead, whose
   * warm-up jobs run the passes on the executors, a 200 ms slice per task, while the driver reads
   * ({@link SparkEngine#warmExecutorsWith}).
   */
  private Warmup warmup(String engineName, int batch) {
    if (!s.config().getBoolean("train.warm-up")) return null;
    boolean cluster = engineName.equals("spark")
        && !SparkMaster.isLocal(SparkEngine.master(new org.apache.spark.SparkConf(), s));
    NetworkSpec spec;
    // Only reading the header is part of reading the data; the master's lookup above (Spark's
    // classes loading) is part of the engine's start.
    long peek0 = System.nanoTime();
    try {
      int[] shape = Datasets.shapeBeforeReading(s.data());
      if (shape == null) return null;
      spec = s.network(shape[0], shape[1]);
    } catch (RuntimeException e) {
      // A bad data or model setting: the run reports it in its place, after the engine's start.
      return null;
    } finally {
      peekNanos = System.nanoTime() - peek0;
    }
    if (cluster) {
      // The executors compute: the engine's warm-up jobs run the passes there.
      executorWarmUp = spec;
      return null;
    }
    return Warmup.start(spec, Math.max(1, batch / s.partitions()));
  }

  /** On a cluster: the network whose passes warm the executors' JIT; null otherwise. */
  private NetworkSpec executorWarmUp;

  /** The time {@link #warmup} took to read the data's header; 0 when it did not. */
  private long peekNanos;

  /** The summary values written to summary.json. */
  Map<String, Object> run() {
    long t0 = System.nanoTime();
    String output = s.output();
    String engineName = s.engine();
    long seed = s.seed();
    int batch = s.batchSize();
    // The JIT warm-up runs through the engine's start and the read. The engine starts first: an
    // unreachable Spark master is reported before the data is read.
    Warmup warm = warmup(engineName, batch);
    try (warm; Engine engine = createEngine(engineName)) {
      if (executorWarmUp != null && engine instanceof SparkEngine spark) {
        spark.warmExecutorsWith(executorWarmUp);
      }
      long loadStart = System.nanoTime();
      boolean evaluateTrain = s.config().getBoolean("train.evaluate-train");
      RunData data = engine.load(s.data(), seed, batch, evaluateTrain);
      int warmUpPasses = 0;
      if (warm != null) {
        warm.close();
        warmUpPasses = warm.passes();
      }
      NetworkSpec spec = s.network(data.features(), data.targetWidth());
      Network net = Network.build(spec);
      GradientSource source = data.gradients(net, batch, seed, s.integer("train.epochs"));
      TrainConfig cfg = s.train(source.stepsPerEpoch());
      if (cfg.stopAt().needsAccuracy() && !data.classification()) {
        throw new ConfigLoader.ConfigError("train.stop-at.metric " + cfg.stopAt().metric()
            + " needs a classification task; a regression run has no accuracy (use "
            + cfg.stopAt().metric().replace("_acc", "_loss") + ")");
      }
      Evaluator validation = data.validation(net);
      Evaluator trainEval = evaluateTrain ? data.trainEvaluation(net) : null;

      float[] params = new float[net.paramCount()];
      float[] buffers = new float[net.bufferCount()];
      net.initialize(params, buffers, seed);
      Trainer trainer = new Trainer(net, cfg, params, buffers);
      String resume = s.str("train.resume");
      if (!resume.isBlank()) {
        Trainer.State resumed = Checkpointer.resume(resume, net, seed, trainer);
        if (console == Console.NORMAL) {
          out.printf("sparkmlp: resumed from %s after epoch %d%s%n", resume, resumed.epochsDone(),
              resumed.partial().steps() == 0 ? ""
                  : String.format(" and %d steps of epoch %d", resumed.partial().steps(),
                      resumed.epochsDone() + 1));
        }
      }

      if (console == Console.NORMAL) {
        out.printf("sparkmlp: %s, %,d parameters; %,d training rows%s%s%s%n", describe(spec),
            net.paramCount(), data.trainRows(),
            data.readByExecutors() ? " (read by the executors)" : "",
            data.validationRows() < 0 ? "" : String.format(", %,d validation",
                data.validationRows()),
            data.testRows() < 0 ? "" : String.format(", %,d test", data.testRows()));
        out.printf("sparkmlp: %s, batch %d, %d steps/epoch, %s lr %s%s, seed %d -> %s%n", source.describe(), batch,
            source.stepsPerEpoch(), cfg.optimizer().name(), s.str("train.optimizer.lr"),
            scaledLr(cfg), seed, output);
      }
      int checkpointEvery = s.integer("train.checkpoint-every");
      int checkpointEverySteps = s.integer("train.checkpoint-every-steps");
      if (checkpointEvery < 0 || checkpointEverySteps < 0) {
        throw new ConfigLoader.ConfigError("train.checkpoint-every and train.checkpoint-every-steps"
            + " must not be negative: " + checkpointEvery + ", " + checkpointEverySteps);
      }
      String metricsPath = Fs.resolve(output, "metrics.jsonl");
      Trainer.Listener progress = (m, t) -> {
        if (console == Console.NORMAL) out.println(m.line());
        StringBuilder lines = new StringBuilder();
        for (EpochMetrics e : t.history()) lines.append(Json.line(e.toMap())).append('\n');
        Json.writeFileAtomically(metricsPath, lines.toString());
      };
      Trainer.Listener checkpoints = checkpointEvery <= 0 && checkpointEverySteps <= 0 ? null
          : new Checkpointer(Fs.resolve(output, "checkpoint"), checkpointEvery, checkpointEverySteps,
              savedModel(spec, params, buffers, data, cfg), seed,
              s.config().root().render(com.typesafe.config.ConfigRenderOptions.concise()));
      double startupSeconds = (loadStart - t0 - peekNanos) / 1e9;
      double loadSeconds = (System.nanoTime() - loadStart + peekNanos) / 1e9;
      TrainResult result;
      try {
        result = trainer.fit(source, validation, trainEval,
            Trainer.Listener.all(progress, new CurvesListener(output, System.err), checkpoints));
      } catch (ClusterLostException e) {
        String dir = Fs.resolve(output, "checkpoint");
        if (checkpoints == null || !Checkpointer.exists(dir)) throw e;
        throw new ClusterLostException(e.getMessage() + "; the last checkpoint is in " + dir
            + " (continue with --resume " + dir + ")", e);
      }

      Metrics test = null;
      if (data.testRows() >= 0) {
        try (Evaluator testEval = data.test(net)) {
          test = testEval.evaluate(params, buffers);
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      SavedModel model = savedModel(spec, params, buffers, data, cfg);
      ModelIO.save(model, Fs.resolve(output, "model"));
      Map<String, Object> summary = summary(result, cfg, test, seconds, startupSeconds,
          loadSeconds, warmUpPasses);
      Json.writeFileAtomically(Fs.resolve(output, "summary.json"), Json.pretty(summary) + "\n");
      Json.writeFileAtomically(Fs.resolve(output, "config.conf"),
          s.config().root().render(com.typesafe.config.ConfigRenderOptions.defaults().setOriginComments(false)));
      if (result.stoppedEarly()) {
        out.printf("sparkmlp: early stopping after epoch %d; restored the weights of epoch %d%n",
            result.last().epoch(), result.bestEpoch());
      }
      if (result.reachedTarget()) {
        out.printf("sparkmlp: %s reached %s at epoch %d (step %d) after %s of training%n",
            cfg.stopAt().metric(), s.str("train.stop-at.value"), result.targetEpoch(),
            result.stepsToTarget(), seconds(result.secondsToTarget()));
      }
      if (test != null) {
        out.printf("test loss %.4f  test accuracy %.2f%%  (%,d rows)%n", test.loss(), 100 * test.accuracy(), test.count());
      }
      out.printf("sparkmlp: done in %s; model and metrics in %s%n", seconds(seconds), output);
      return summary;
    }
  }

  private Engine createEngine(String name) {
    if (name.equals("spark")) return SparkEngineFactory.create(s);
    return new LocalEngine(s.partitions(), s.threads(), s.microBatch());
  }

  static String describe(NetworkSpec spec) {
    StringBuilder sb = new StringBuilder().append(spec.inputs());
    for (var l : spec.layers()) if (l instanceof dev.sparkmlp.nn.LayerSpec.Dense d) sb.append('-').append(d.units());
    return sb.append(" MLP").toString();
  }

  private static String seconds(double s) {
    return s < 120 ? String.format("%.1fs", s) : String.format("%dm%02ds", (long) s / 60, (long) s % 60);
  }

  private SavedModel savedModel(NetworkSpec spec, float[] params, float[] buffers, RunData data,
      TrainConfig cfg) {
    Map<String, String> info = new LinkedHashMap<>();
    info.put("created", Instant.now().toString());
    info.put("sparkmlp", "0.1.0");
    info.put("optimizer", cfg.optimizer().name());
    info.put("epochs", String.valueOf(cfg.epochs()));
    info.put("seed", String.valueOf(cfg.seed()));
    info.put("train", s.str("data.train"));
    boolean classification = data.classification();
    return new SavedModel(spec, params.clone(), buffers.clone(), data.scaler(),
        classification ? SavedModel.CLASSIFICATION : SavedModel.REGRESSION,
        classification ? data.classes() : 0, info);
  }

  /** ", scaled to X" when a scaling rule changed the configured rate, else "". */
  private String scaledLr(TrainConfig cfg) {
    float configured = (float) s.config().getDouble("train.optimizer.lr");
    float used = cfg.schedule().baseLr();
    if (used == configured) return "";
    return String.format(" (%s scaling to batch %d from %d: %s)", s.str("train.schedule.scaling"),
        cfg.batchSize(), s.integer("train.schedule.base-batch-size"), used);
  }

  private static Map<String, Object> summary(TrainResult r, TrainConfig cfg, Metrics test,
      double seconds, double startupSeconds, double loadSeconds, int warmUpPasses) {
    EpochMetrics last = r.last();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("train_loss", last == null ? Double.NaN : last.trainLoss());
    m.put("train_accuracy", last == null ? Double.NaN : last.train().accuracy());
    m.put("val_loss", last == null || last.validation() == null ? null : last.validation().loss());
    m.put("val_accuracy", last == null || last.validation() == null ? null : last.validation().accuracy());
    if (test != null) {
      m.put("test_loss", test.loss());
      m.put("test_accuracy", test.accuracy());
    }
    m.put("epochs", last == null ? 0 : last.epoch());
    m.put("seconds", seconds);
    // Before training: the engine's start (a Spark session and its executors), then reading the
    // data and shipping it to the engine. Load plus seconds_to_target is the time to the target
    // from the first byte read.
    m.put("startup_seconds", startupSeconds);
    m.put("load_seconds", loadSeconds);
    // JIT warm-up passes run during the load (train.warm-up); 0 when none ran.
    m.put("warm_up_passes", warmUpPasses);
    m.put("samples_per_second", r.samplesPerSecond());
    m.put("stopped_early", r.stoppedEarly());
    if (r.stoppedEarly()) m.put("best_epoch", r.bestEpoch());
    if (cfg.stopAt().isOn()) {
      // Null when not reached: there is no time or epoch to report.
      m.put("target_metric", cfg.stopAt().metric());
      m.put("target_value", cfg.stopAt().value());
      m.put("reached_target", r.reachedTarget());
      m.put("seconds_to_target", r.reachedTarget() ? r.secondsToTarget() : null);
      m.put("epochs_to_target", r.reachedTarget() ? r.targetEpoch() : null);
      m.put("steps_to_target", r.reachedTarget() ? r.stepsToTarget() : null);
    }
    return m;
  }
}
