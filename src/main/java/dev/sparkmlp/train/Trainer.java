package dev.sparkmlp.train;

import dev.sparkmlp.math.Segments;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.optim.Clipping;
import dev.sparkmlp.optim.LrSchedule;
import dev.sparkmlp.optim.Optimizer;
import dev.sparkmlp.optim.OptimizerState;
import dev.sparkmlp.optim.Regularization;
import java.util.ArrayList;
import java.util.List;

/**
 * The training loop. It owns the weights, the optimizer state, the learning-rate schedule,
 * regularization, clipping, early stopping and the metrics history; gradients come from a
 * {@link GradientSource} it knows nothing else about.
 *
 * <pre>
 * per step:  G   = source.compute(w, epoch, step)           sum over the global mini-batch
 *            g   = G.grad / G.count + dR(w)                 mean gradient plus regularization
 *            g   = clip(g, clipNorm)                        by global norm
 *            w   = optimizer.step(w, g, schedule(step))
 *            running BN stats += batch stats averaged over shards
 * per epoch: evaluate validation, early stopping, one console line, listener (metrics file, checkpoint)
 * </pre>
 *
 * <p>Call order: construct; optionally {@link #restore}; {@link #fit}. The arrays passed to the
 * constructor are updated in place.
 */
public final class Trainer {
  /** Called after each epoch; a checkpoint may read the trainer's state there. */
  public interface Listener {
    void epochEnd(EpochMetrics metrics, Trainer trainer);
  }

  private final Network net;
  private final TrainConfig cfg;
  private final float[] params;
  private final float[] buffers;
  private final Optimizer optimizer;
  private final Segments weights;
  private final Segments layers;
  private final List<EpochMetrics> history = new ArrayList<>();

  private int epochsDone;
  private long step;
  private double best = Double.NaN;
  private int bestEpoch;
  private int badEpochs;
  private float[] bestParams;
  private float[] bestBuffers;
  private boolean stoppedEarly;

  public Trainer(Network net, TrainConfig cfg, float[] params, float[] buffers) {
    if (params.length != net.paramCount() || buffers.length != net.bufferCount()) {
      throw new IllegalArgumentException("params/buffers do not match the network: " + params.length
          + "/" + buffers.length + " vs " + net.paramCount() + "/" + net.bufferCount());
    }
    this.net = net;
    this.cfg = cfg;
    this.params = params;
    this.buffers = buffers;
    this.weights = net.weights();
    this.layers = net.parameterLayers();
    this.optimizer = cfg.optimizer().build(weights);
  }

  /**
   * Continues from a checkpoint: epochs completed, global step, optimizer state, history and
   * early-stopping state. The params and buffers given to the constructor must already hold the
   * checkpoint's weights.
   */
  public void restore(int epochsDone, long step, OptimizerState optimizerState, List<EpochMetrics> history,
      double best, int bestEpoch, int badEpochs, float[] bestParams, float[] bestBuffers) {
    this.epochsDone = epochsDone;
    this.step = step;
    if (optimizerState != null) optimizer.restore(optimizerState);
    this.history.clear();
    this.history.addAll(history);
    this.best = best;
    this.bestEpoch = bestEpoch;
    this.badEpochs = badEpochs;
    this.bestParams = bestParams == null ? null : bestParams.clone();
    this.bestBuffers = bestBuffers == null ? null : bestBuffers.clone();
  }

  /**
   * Trains until {@code cfg.epochs()} epochs are done or early stopping fires.
   *
   * @param validation may be null; early stopping needs it
   * @param trainEval may be null: the epoch's training metrics are then the running mean over its
   *     mini-batches; otherwise a full inference pass over the training set
   */
  public TrainResult fit(GradientSource source, Evaluator validation, Evaluator trainEval, Listener listener) {
    if (cfg.patience() > 0 && validation == null) {
      throw new IllegalArgumentException(
          "early stopping (train.early-stopping.patience > 0) needs a validation set");
    }
    int steps = source.stepsPerEpoch();
    LrSchedule schedule = cfg.schedule().build();
    Regularization reg = cfg.regularization();
    float[] g = new float[params.length];
    double[] norms = new double[layers.count()];
    long start = System.nanoTime();
    int firstEpoch = epochsDone;
    double trainSeconds = 0;
    long trainedRows = 0;

    for (int epoch = epochsDone; epoch < cfg.epochs() && !stoppedEarly; epoch++) {
      long t0 = System.nanoTime();
      double lossSum = 0, penaltySum = 0;
      long count = 0, correct = 0;
      java.util.Arrays.fill(norms, 0);
      double lr = 0;
      for (int s = 0; s < steps; s++) {
        Gradient grad = source.compute(params, buffers, epoch, s);
        if (grad.count == 0) throw new IllegalStateException("step " + s + " of epoch " + (epoch + 1) + " saw no rows");
        lossSum += grad.lossSum;
        count += grad.count;
        correct += grad.correct;
        if (!Double.isFinite(grad.lossSum)) {
          throw new TrainingDivergedException(epoch + 1, s + 1, grad.lossSum / grad.count);
        }
        float inv = 1f / grad.count;
        float[] sum = grad.grad;
        for (int i = 0; i < g.length; i++) g[i] = sum[i] * inv;
        if (!reg.isZero()) {
          penaltySum += reg.penalty(params, weights, grad.count, source.rows());
          reg.addGradient(params, g, weights, grad.count, source.rows());
        }
        for (int l = 0; l < norms.length; l++) norms[l] += Clipping.norm(g, layers.offset(l), layers.length(l));
        if (cfg.clipNorm() > 0) Clipping.clipByGlobalNorm(g, cfg.clipNorm());
        lr = schedule.lr(step, steps);
        optimizer.step(params, g, (float) lr);
        if (buffers.length > 0 && grad.shards > 0) {
          net.updateRunningStats(buffers, grad.batchStats, grad.shards);
        }
        step++;
      }
      double stepSeconds = (System.nanoTime() - t0) / 1e9;
      trainSeconds += stepSeconds;
      trainedRows += count;

      Metrics train = trainEval != null
          ? trainEval.evaluate(params, buffers)
          : Metrics.of(lossSum, correct, count, Double.NaN, Double.NaN);
      double trainLoss = trainEval != null
          ? train.loss() + (reg.isZero() ? 0 : reg.penalty(params, weights, cfg.batchSize(), source.rows()))
          : (lossSum + penaltySum * (double) count / steps) / count;
      Metrics val = validation == null ? null : validation.evaluate(params, buffers);
      for (int l = 0; l < norms.length; l++) norms[l] /= steps;
      epochsDone = epoch + 1;
      double epochSeconds = (System.nanoTime() - t0) / 1e9;
      double elapsed = (System.nanoTime() - start) / 1e9;
      double eta = elapsed / (epochsDone - firstEpoch) * (cfg.epochs() - epochsDone);
      EpochMetrics m = new EpochMetrics(epochsDone, cfg.epochs(), step, trainLoss, train, val, lr,
          epochSeconds, count / stepSeconds, eta, net.parameterLayerNames(), norms.clone());
      history.add(m);
      if (val != null && cfg.patience() > 0) earlyStopping(val);
      if (listener != null) listener.epochEnd(m, this);
    }
    if (stoppedEarly && cfg.restoreBest() && bestParams != null) {
      System.arraycopy(bestParams, 0, params, 0, params.length);
      System.arraycopy(bestBuffers, 0, buffers, 0, buffers.length);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new TrainResult(List.copyOf(history), stoppedEarly, bestEpoch, seconds,
        trainSeconds > 0 ? trainedRows / trainSeconds : Double.NaN);
  }

  private void earlyStopping(Metrics val) {
    boolean lower = cfg.monitor().equals("val_loss");
    double v = lower ? val.loss() : val.accuracy();
    boolean improved = Double.isNaN(best) || (lower ? v < best - cfg.minDelta() : v > best + cfg.minDelta());
    if (improved) {
      best = v;
      bestEpoch = epochsDone;
      badEpochs = 0;
      if (cfg.restoreBest()) {
        if (bestParams == null) {
          bestParams = new float[params.length];
          bestBuffers = new float[buffers.length];
        }
        System.arraycopy(params, 0, bestParams, 0, params.length);
        System.arraycopy(buffers, 0, bestBuffers, 0, buffers.length);
      }
    } else if (++badEpochs >= cfg.patience()) {
      stoppedEarly = true;
    }
  }

  public int epochsDone() {
    return epochsDone;
  }

  public long step() {
    return step;
  }

  public float[] params() {
    return params;
  }

  public float[] buffers() {
    return buffers;
  }

  public OptimizerState optimizerState() {
    return optimizer.state();
  }

  public List<EpochMetrics> history() {
    return List.copyOf(history);
  }

  public double bestMetric() {
    return best;
  }

  public int bestEpoch() {
    return bestEpoch;
  }

  public int badEpochs() {
    return badEpochs;
  }

  public float[] bestParams() {
    return bestParams;
  }

  public float[] bestBuffers() {
    return bestBuffers;
  }
}
