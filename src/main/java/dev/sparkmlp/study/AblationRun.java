package dev.sparkmlp.study;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.io.Json;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.optim.Clipping;
import dev.sparkmlp.train.EpochMetrics;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.TrainConfig;
import dev.sparkmlp.train.Trainer;
import dev.sparkmlp.train.TrainingDivergedException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of the ablation: the cell's overrides on top of the ablation config, turned into a
 * network and a {@link TrainConfig} by the host's config reader (the one {@code sparkmlp train}
 * uses), and trained by {@link Trainer} on the host's engine with full inference passes over the
 * training and CV (or test) rows after every epoch. A run that diverges is a result, not an error:
 * U[-1,1] with a fixed-step optimizer is expected to.
 */
final class AblationRun {
  private AblationRun() {}

  /** The configuration of one cell: the ablation config with the cell's keys replaced. */
  static Config config(Config base, AblationPlan.Cell cell) {
    return ConfigFactory.parseMap(cell.overrides(), "ablation run " + cell.id()).withFallback(base);
  }

  /**
   * Trains the cell and writes {@code dir/metrics.jsonl} (one line per epoch, as {@code sparkmlp
   * train} writes it, plus the per-layer gradient norms) and {@code dir/result.json}, both
   * atomically.
   */
  static AblationResult train(
      Config base,
      StudyHost host,
      AblationPlan.Cell cell,
      String key,
      Block train,
      Block val,
      String valName,
      String dir) {
    long t0 = System.nanoTime();
    Config c = config(base, cell);
    NetworkSpec spec = host.network(c, train.features, train.targetWidth);
    Network net = Network.build(spec);
    String[] layerNames = net.parameterLayerNames();
    List<AblationResult.Epoch> history = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    String metricsPath = Fs.resolve(dir, "metrics.jsonl");
    String diverged = null;
    AblationResult.Epoch initial;
    try (Compute engine = host.compute();
        GradientSource source =
            engine.gradients(net, train, host.batchSize(c), cell.seed(), cell.epochs());
        Evaluator valEval = engine.evaluator(net, val, valName, AblationResult.METRICS);
        Evaluator trainEval = engine.evaluator(net, train, "training set", AblationResult.METRICS)) {
      TrainConfig cfg = host.train(c, source.stepsPerEpoch());
      float[] params = new float[net.paramCount()];
      float[] buffers = new float[net.bufferCount()];
      net.initialize(params, buffers, cell.seed());
      AblationResult.Snapshot t = AblationResult.Snapshot.of(trainEval.evaluate(params, buffers));
      double penalty =
          cfg.regularization().penalty(params, net.weights(), cfg.batchSize(), train.rows);
      initial =
          new AblationResult.Epoch(
              0,
              t.cce() + penalty,
              t,
              AblationResult.Snapshot.of(valEval.evaluate(params, buffers)),
              initialGradNorms(net, source, params, buffers));
      LayerGradNorms norms = new LayerGradNorms(net.parameterLayers());
      Trainer.Listener listener =
          new Trainer.Listener() {
            @Override
            public void gradient(int epoch, int step, float[] g) {
              norms.add(g);
            }

            @Override
            public void epochEnd(EpochMetrics m, Trainer tr) {
              double[] mean = norms.endEpoch();
              history.add(
                  new AblationResult.Epoch(
                      m.epoch(),
                      m.trainLoss(),
                      AblationResult.Snapshot.of(m.train()),
                      AblationResult.Snapshot.of(m.validation()),
                      mean));
              Map<String, Object> line = m.toMap();
              Map<String, Object> byLayer = new LinkedHashMap<>();
              for (int l = 0; l < layerNames.length; l++) byLayer.put(layerNames[l], mean[l]);
              line.put("grad_norm", byLayer);
              lines.add(Json.line(line));
              Json.writeFileAtomically(metricsPath, String.join("\n", lines) + "\n");
            }
          };
      try {
        new Trainer(net, cfg, params, buffers).fit(source, valEval, trainEval, listener);
      } catch (TrainingDivergedException e) {
        diverged = e.getMessage();
      }
    }
    if (lines.isEmpty()) Json.writeFileAtomically(metricsPath, "");
    AblationResult r =
        new AblationResult(
            cell, key, layerNames, initial, history, diverged, (System.nanoTime() - t0) / 1e9);
    Json.writeFileAtomically(Fs.resolve(dir, "result.json"), r.toJson());
    return r;
  }

  /**
   * Per parameter layer, the L2 norm of the mean data gradient of step 0 of epoch 0 at the given
   * weights. Gradient sources are stateless between steps, so the trainer's own step 0 later sees
   * the same batch. Not modified: params, buffers.
   */
  static double[] initialGradNorms(
      Network net, GradientSource source, float[] params, float[] buffers) {
    Gradient g = source.compute(params, buffers, 0, 0);
    float[] mean = new float[g.grad.length];
    float inv = 1f / g.count;
    for (int i = 0; i < mean.length; i++) mean[i] = g.grad[i] * inv;
    var layers = net.parameterLayers();
    double[] norms = new double[layers.count()];
    for (int l = 0; l < norms.length; l++)
      norms[l] = Clipping.norm(mean, layers.offset(l), layers.length(l));
    return norms;
  }
}
