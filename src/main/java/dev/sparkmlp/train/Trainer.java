package dev.sparkmlp.train;

import dev.sparkmlp.math.Segments;
import dev.sparkmlp.math.Vec;
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
 *            (without regularization and clipping, an element-wise optimizer's step is one pass
 *            of mean, update and finite check of w that the source runs part by part right after
 *            the sum of each part: FusedUpdate)
 *            running BN stats += batch stats averaged over shards
 *            a NaN or infinite loss, w or BN stat: TrainingDivergedException(epoch, step)
 * per epoch: evaluate validation, early stopping, target check (cfg.stopAt()), listeners (console
 *            line, metrics file, checkpoint); the epoch that reached the target is the last
 * </pre>
 *
 * <p>The target is judged on the history, so a run restored from a state whose history already
 * reached it trains no further epoch, and reports the same epoch, step and seconds to target as
 * the run that reached it.
 *
 * <p>Call order: construct; optionally {@link #restore}; {@link #fit}. The arrays passed to the
 * constructor are updated in place. {@link #state()} may be read at any time between steps, for
 * example by a {@link Listener} at the end of an epoch.
 */
public final class Trainer {
  /**
   * Sees the training as it goes. Call order per epoch: {@link #gradient} then {@link #stepEnd}
   * once per step, in step order, then {@link #epochEnd} once. All run on the driver, in the
   * training thread.
   */
  public interface Listener {
    /**
     * After each epoch, once the epoch's metrics are in the history; {@link Trainer#state()} may
     * be read here (a checkpoint does).
     */
    void epochEnd(EpochMetrics metrics, Trainer trainer);

    /**
     * At every step, with the mean gradient g of the step's mini-batch, regularization included,
     * before clipping. Not modified: g, which is valid only during the call and laid out as the
     * params. Without regularization and clipping, when the optimizer is element-wise, the call
     * comes after the update (made in one pass with the mean, {@link FusedUpdate}), with the same
     * g; otherwise before it. The default does nothing, so a listener that needs no per-step view
     * costs nothing per step.
     *
     * @param epoch 0-based epoch
     * @param step 0-based step within the epoch
     */
    default void gradient(int epoch, int step, float[] g) {}

    /**
     * After each step's update, including the batch-norm statistics: {@link Trainer#state()} is
     * then the state after {@link Trainer#stepInEpoch()} steps of epoch {@link
     * Trainer#epochsDone()} + 1 (a step checkpoint saves it). The default does nothing.
     */
    default void stepEnd(Trainer trainer) {}

    /** A listener that calls each of {@code listeners} in turn; nulls are skipped. */
    static Listener all(Listener... listeners) {
      Listener[] ls = java.util.Arrays.stream(listeners).filter(java.util.Objects::nonNull)
          .toArray(Listener[]::new);
      return new Listener() {
        @Override
        public void epochEnd(EpochMetrics metrics, Trainer trainer) {
          for (Listener l : ls) l.epochEnd(metrics, trainer);
        }

        @Override
        public void gradient(int epoch, int step, float[] g) {
          for (Listener l : ls) l.gradient(epoch, step, g);
        }

        @Override
        public void stepEnd(Trainer trainer) {
          for (Listener l : ls) l.stepEnd(trainer);
        }
      };
    }
  }

  /**
   * Everything a run needs to continue on the same trajectory, after a whole epoch or in the
   * middle of one: what a checkpoint stores ({@link Checkpointer}) and what {@link #restore} takes
   * back. The seed and the configuration are the run's, not the state's: a resumed run must be
   * given the same.
   *
   * @param epochsDone epochs completed
   * @param step global optimizer steps taken
   * @param params the current parameters, laid out as the network's
   * @param buffers the current non-trained buffers (batch-norm running statistics)
   * @param optimizer the optimizer's step count and moment arrays
   * @param history one entry per completed epoch
   * @param earlyStopping the early-stopping bookkeeping
   * @param partial the steps taken in epoch {@code epochsDone + 1}; {@link PartialEpoch#NONE} at
   *     an epoch boundary
   */
  public record State(int epochsDone, long step, float[] params, float[] buffers,
      OptimizerState optimizer, List<EpochMetrics> history, EarlyStopping earlyStopping,
      PartialEpoch partial) {
    /** A state at an epoch boundary. */
    public State(int epochsDone, long step, float[] params, float[] buffers,
        OptimizerState optimizer, List<EpochMetrics> history, EarlyStopping earlyStopping) {
      this(epochsDone, step, params, buffers, optimizer, history, earlyStopping, PartialEpoch.NONE);
    }

    public State {
      java.util.Objects.requireNonNull(partial, "partial");
      java.util.Objects.requireNonNull(params, "params");
      java.util.Objects.requireNonNull(buffers, "buffers");
      java.util.Objects.requireNonNull(optimizer, "optimizer");
      java.util.Objects.requireNonNull(earlyStopping, "earlyStopping");
      history = List.copyOf(history);
      if (epochsDone < 0) throw new IllegalArgumentException("epochs done must not be negative: " + epochsDone);
      if (step < 0) throw new IllegalArgumentException("step must not be negative: " + step);
      if (earlyStopping.bestParams() != null && (earlyStopping.bestParams().length != params.length
          || earlyStopping.bestBuffers().length != buffers.length)) {
        throw new IllegalArgumentException("best weights have " + earlyStopping.bestParams().length
            + " params and " + earlyStopping.bestBuffers().length + " buffers, the current ones "
            + params.length + " and " + buffers.length);
      }
    }
  }

  /**
   * The part of an epoch already trained: its position and the running sums its metrics line is
   * computed from, so that a run resumed mid-epoch reports the same line as one never stopped.
   *
   * @param steps steps of the epoch taken; 0 at an epoch boundary
   * @param lossSum sum of the steps' G.lossSum
   * @param penaltySum sum of the steps' regularization penalties
   * @param count rows seen
   * @param correct rows classified correctly
   * @param lr the learning rate of the last step taken (0 before any)
   */
  public record PartialEpoch(int steps, double lossSum, double penaltySum, long count,
      long correct, double lr) {
    public static final PartialEpoch NONE = new PartialEpoch(0, 0, 0, 0, 0, 0);

    public PartialEpoch {
      if (steps < 0 || count < 0 || correct < 0 || correct > count) {
        throw new IllegalArgumentException("partial epoch: bad steps/count/correct " + steps + "/"
            + count + "/" + correct);
      }
      if (steps == 0 && count != 0) {
        throw new IllegalArgumentException("partial epoch: " + count + " rows seen in 0 steps");
      }
    }
  }

  /**
   * Early stopping's bookkeeping.
   *
   * @param best the best monitored validation value so far; NaN before the first
   * @param bestEpoch the 1-based epoch that reached it; 0 before any
   * @param badEpochs epochs since the last improvement
   * @param bestParams the params at the best epoch, or null when they are not kept
   * @param bestBuffers the buffers at the best epoch; null exactly when {@code bestParams} is
   */
  public record EarlyStopping(double best, int bestEpoch, int badEpochs, float[] bestParams,
      float[] bestBuffers) {
    public static final EarlyStopping NONE = new EarlyStopping(Double.NaN, 0, 0, null, null);

    public EarlyStopping {
      if (badEpochs < 0) throw new IllegalArgumentException("bad epochs must not be negative: " + badEpochs);
      if ((bestParams == null) != (bestBuffers == null)) {
        throw new IllegalArgumentException("best params and best buffers must both be present or both null");
      }
    }
  }

  private final Network net;
  private final TrainConfig cfg;
  private final float[] params;
  private final float[] buffers;
  private final Optimizer optimizer;
  private final Segments weights;
  private final List<EpochMetrics> history = new ArrayList<>();

  private int epochsDone;
  private long step;
  private double best = Double.NaN;
  private int bestEpoch;
  private int badEpochs;
  private float[] bestParams;
  private float[] bestBuffers;
  private boolean stoppedEarly;
  /** The first epoch of the history that reached cfg.stopAt(); 0 while none has. */
  private int targetEpoch;
  /** The current epoch's progress, fields so that a listener can read it between steps. */
  private int stepInEpoch;
  private double lossSum;
  private double penaltySum;
  private long count;
  private long correct;
  private double lr;

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
    this.optimizer = cfg.optimizer().build(weights);
  }

  /** A copy of the current state; later training does not change it. */
  public State state() {
    return new State(epochsDone, step, params.clone(), buffers.clone(), optimizer.state(), history,
        new EarlyStopping(best, bestEpoch, badEpochs,
            bestParams == null ? null : bestParams.clone(),
            bestBuffers == null ? null : bestBuffers.clone()),
        stepInEpoch == 0 ? PartialEpoch.NONE
            : new PartialEpoch(stepInEpoch, lossSum, penaltySum, count, correct, lr));
  }

  /**
   * Continues from {@code s}: copies its weights into the arrays given to the constructor and
   * takes its step counts, optimizer state, history, early-stopping bookkeeping and partial epoch
   * (so {@link #fit} starts at that step of that epoch). Call before {@link #fit}.
   *
   * @throws IllegalArgumentException when the state's arrays do not fit this network, or its
   *     optimizer state is not this optimizer's
   */
  public void restore(State s) {
    if (s.params().length != params.length || s.buffers().length != buffers.length) {
      throw new IllegalArgumentException("the state has " + s.params().length + " params and "
          + s.buffers().length + " buffers, the network " + params.length + " and " + buffers.length);
    }
    optimizer.restore(s.optimizer());
    System.arraycopy(s.params(), 0, params, 0, params.length);
    System.arraycopy(s.buffers(), 0, buffers, 0, buffers.length);
    epochsDone = s.epochsDone();
    step = s.step();
    history.clear();
    history.addAll(s.history());
    EarlyStopping es = s.earlyStopping();
    best = es.best();
    bestEpoch = es.bestEpoch();
    badEpochs = es.badEpochs();
    bestParams = es.bestParams() == null ? null : es.bestParams().clone();
    bestBuffers = es.bestBuffers() == null ? null : es.bestBuffers().clone();
    stoppedEarly = false;
    targetEpoch = targetEpoch(cfg.stopAt(), history);
    PartialEpoch p = s.partial();
    stepInEpoch = p.steps();
    lossSum = p.lossSum();
    penaltySum = p.penaltySum();
    count = p.count();
    correct = p.correct();
    lr = p.lr();
  }

  /**
   * Trains until {@code cfg.epochs()} epochs are done, early stopping fires, or an epoch reaches
   * the target {@code cfg.stopAt()} (that epoch is then the last; its listeners still run).
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
    StopAt target = cfg.stopAt();
    if (target.needsValidation() && validation == null) {
      throw new IllegalArgumentException(
          "train.stop-at.metric " + target.metric() + " needs a validation set");
    }
    targetEpoch = targetEpoch(target, history);
    int steps = source.stepsPerEpoch();
    if (stepInEpoch > steps) {
      throw new IllegalArgumentException("the state is at step " + stepInEpoch + " of epoch "
          + (epochsDone + 1) + ", which has only " + steps + " steps");
    }
    LrSchedule schedule = cfg.schedule().build();
    Regularization reg = cfg.regularization();
    float[] g = new float[params.length];
    // Nothing between the mean and the update: the two and the finite check in one pass, run
    // by the source right after the sum.
    FusedUpdate fused = reg.isZero() && !(cfg.clipNorm() > 0) && FusedUpdate.fits(optimizer)
        ? new FusedUpdate(g) : null;
    long start = System.nanoTime();
    int firstEpoch = epochsDone;
    double trainSeconds = 0;
    long trainedRows = 0;

    for (int epoch = epochsDone; epoch < cfg.epochs() && !stoppedEarly && targetEpoch == 0;
        epoch++) {
      long t0 = System.nanoTime();
      // Rows of a resumed partial epoch were trained by an earlier process, not in this time.
      long countBefore = stepInEpoch == 0 ? 0 : count;
      if (stepInEpoch == 0) {
        lossSum = 0;
        penaltySum = 0;
        count = 0;
        correct = 0;
        lr = 0;
      }
      for (int s = stepInEpoch; s < steps; s++) {
        // Without regularization and clipping the mean and the update run inside the source's
        // step (FusedUpdate), which skips them when the loss is not finite (thrown just below).
        double stepLr = schedule.lr(step, steps);
        Gradient grad = fused != null
            ? fused.step(source, optimizer, params, buffers, epoch, s, (float) stepLr)
            : source.compute(params, buffers, epoch, s);
        if (grad.count == 0) throw new IllegalStateException("step " + s + " of epoch " + (epoch + 1) + " saw no rows");
        lossSum += grad.lossSum;
        count += grad.count;
        correct += grad.correct;
        if (!Double.isFinite(grad.lossSum)) {
          throw new TrainingDivergedException(epoch + 1, s + 1, grad.lossSum / grad.count);
        }
        boolean finite;
        lr = stepLr;
        if (fused != null) {
          finite = fused.finite();
          if (listener != null) listener.gradient(epoch, s, g);
        } else {
          System.arraycopy(grad.grad, 0, g, 0, g.length);
          Vec.scale(1f / grad.count, g, 0, g.length);
          if (!reg.isZero()) {
            penaltySum += reg.penalty(params, weights, grad.count, source.rows());
            reg.addGradient(params, g, weights, grad.count, source.rows());
          }
          if (listener != null) listener.gradient(epoch, s, g);
          if (cfg.clipNorm() > 0) Clipping.clipByGlobalNorm(g, cfg.clipNorm());
          optimizer.step(params, g, (float) lr, source.ranges());
          finite = Vec.allFinite(params, 0, params.length);
        }
        if (buffers.length > 0 && grad.shards > 0) {
          net.updateRunningStats(buffers, grad.batchStats, grad.shards);
        }
        // The loss checks the weights of the next step only; this catches an update that
        // overflowed at the step that made it, before any listener (a checkpoint) sees it.
        if (!finite || !Vec.allFinite(buffers, 0, buffers.length)) {
          throw TrainingDivergedException.update(epoch + 1, s + 1, grad.lossSum / grad.count, lr,
              Vec.countNonFinite(params, 0, params.length),
              Vec.countNonFinite(buffers, 0, buffers.length));
        }
        step++;
        stepInEpoch = s + 1;
        if (listener != null) listener.stepEnd(this);
      }
      double stepSeconds = (System.nanoTime() - t0) / 1e9;
      trainSeconds += stepSeconds;
      trainedRows += count - countBefore;

      Metrics train = trainEval != null
          ? trainEval.evaluate(params, buffers)
          : Metrics.of(lossSum, correct, count);
      double trainLoss = trainEval != null
          ? train.loss() + (reg.isZero() ? 0 : reg.penalty(params, weights, cfg.batchSize(), source.rows()))
          : (lossSum + penaltySum * (double) count / steps) / count;
      Metrics val = validation == null ? null : validation.evaluate(params, buffers);
      epochsDone = epoch + 1;
      stepInEpoch = 0;
      double epochSeconds = (System.nanoTime() - t0) / 1e9;
      double elapsed = (System.nanoTime() - start) / 1e9;
      double eta = elapsed / (epochsDone - firstEpoch) * (cfg.epochs() - epochsDone);
      EpochMetrics m = new EpochMetrics(epochsDone, cfg.epochs(), step, trainLoss, train, val, lr,
          epochSeconds, (count - countBefore) / stepSeconds, eta);
      history.add(m);
      if (val != null && cfg.patience() > 0) earlyStopping(val);
      if (target.reached(m)) targetEpoch = epochsDone;
      if (listener != null) listener.epochEnd(m, this);
    }
    if (stoppedEarly && cfg.restoreBest() && bestParams != null) {
      System.arraycopy(bestParams, 0, params, 0, params.length);
      System.arraycopy(bestBuffers, 0, buffers, 0, buffers.length);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new TrainResult(List.copyOf(history), stoppedEarly, bestEpoch, seconds,
        trainSeconds > 0 ? trainedRows / trainSeconds : Double.NaN, targetEpoch);
  }

  /** The 1-based epoch of the first entry of history that reaches target; 0 when none does. */
  private static int targetEpoch(StopAt target, List<EpochMetrics> history) {
    for (EpochMetrics m : history) if (target.reached(m)) return m.epoch();
    return 0;
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

  /**
   * True once an epoch has reached the target of {@code cfg.stopAt()}, from the {@link
   * Listener#epochEnd} of that epoch on, which is then the last (a {@link Checkpointer} saves it).
   */
  public boolean reachedTarget() {
    return targetEpoch > 0;
  }

  public int epochsDone() {
    return epochsDone;
  }

  public long step() {
    return step;
  }

  /** Steps taken in the current epoch, {@link #epochsDone()} + 1; 0 between epochs. */
  public int stepInEpoch() {
    return stepInEpoch;
  }

  public float[] params() {
    return params;
  }

  public float[] buffers() {
    return buffers;
  }

  public List<EpochMetrics> history() {
    return List.copyOf(history);
  }
}
