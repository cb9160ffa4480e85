package dev.sparkmlp.train;

import dev.sparkmlp.io.Checkpoint;
import dev.sparkmlp.io.CheckpointIO;
import dev.sparkmlp.io.Json;
import dev.sparkmlp.io.ModelFormatException;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.nn.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The checkpoint policy: a {@link Trainer.Listener} that saves the trainer's {@link Trainer.State}
 * to a directory after every {@code every}-th epoch, after the last one and after the epoch that
 * reaches the target of {@link TrainConfig#stopAt()} (which ends the run), and the way back
 * ({@link #resume}). The directory is written through {@link CheckpointIO} (atomically, on any
 * Hadoop path) and replaced each time, so it always holds one whole checkpoint.
 *
 * <p>This class is the one place where a trainer's state and the checkpoint format meet: the
 * state's weights go into the saved model, its history into JSON lines ({@link
 * EpochMetrics#toMap}), the rest field for field.
 */
public final class Checkpointer implements Trainer.Listener {
  private final String dir;
  private final int every;
  private final SavedModel model;
  private final long seed;
  private final String config;

  /**
   * @param dir the checkpoint directory, replaced at each save
   * @param every save after every this many epochs (and after the last); positive
   * @param model what the weights belong to: spec, scaler, task, classes (its own weights are
   *     ignored)
   * @param seed the run's seed, checked on resume
   * @param config the resolved configuration as text, kept for people
   */
  public Checkpointer(String dir, int every, SavedModel model, long seed, String config) {
    if (every <= 0) throw new IllegalArgumentException("checkpoint interval must be positive: " + every);
    this.dir = Objects.requireNonNull(dir, "dir");
    this.every = every;
    this.model = Objects.requireNonNull(model, "model");
    this.seed = seed;
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public void epochEnd(EpochMetrics m, Trainer trainer) {
    if (m.epoch() % every == 0 || m.epoch() == m.epochs() || trainer.reachedTarget()) {
      save(trainer.state());
    }
  }

  /** Writes {@code s} to the directory now. */
  public void save(Trainer.State s) {
    List<String> lines = new ArrayList<>(s.history().size());
    for (EpochMetrics e : s.history()) lines.add(Json.line(e.toMap()));
    Trainer.EarlyStopping es = s.earlyStopping();
    CheckpointIO.save(new Checkpoint(model.withWeights(s.params(), s.buffers()), s.optimizer(),
        s.epochsDone(), s.step(), seed, config, lines, es.best(), es.bestEpoch(), es.badEpochs(),
        es.bestParams(), es.bestBuffers()), dir);
  }

  /**
   * Reads the checkpoint in {@code dir} and restores it into {@code trainer}, after checking that
   * it belongs to this run: the same network and the same seed (another seed would shuffle and
   * drop out differently, so the run would not continue its trajectory).
   *
   * @return the restored state
   * @throws ModelFormatException when the directory is missing, corrupt or belongs to another run
   */
  public static Trainer.State resume(String dir, Network net, long seed, Trainer trainer) {
    return resume(dir, net, seed, null, trainer);
  }

  /**
   * As {@link #resume(String, Network, long, Trainer)}, and when {@code config} is not null the
   * checkpoint's configuration text must also equal it: for callers whose configuration text
   * identifies the run (the Spark ML estimators put their params and row counts there), so that
   * a checkpoint of another fit is never taken for this one.
   */
  public static Trainer.State resume(String dir, Network net, long seed, String config,
      Trainer trainer) {
    Checkpoint cp = CheckpointIO.load(dir);
    if (config != null && !config.equals(cp.config())) {
      throw new ModelFormatException(dir + ": the checkpoint belongs to another run: "
          + firstDifference(cp.config(), config));
    }
    if (!cp.model().spec().equals(net.spec())) {
      throw new ModelFormatException(dir + ": the checkpoint's network differs from the configured one");
    }
    if (cp.seed() != seed) {
      throw new ModelFormatException(dir + ": the checkpoint was trained with seed " + cp.seed()
          + ", this run has seed " + seed + " (resuming would not continue the same trajectory)");
    }
    List<EpochMetrics> history = new ArrayList<>(cp.metricsHistory().size());
    for (int i = 0; i < cp.metricsHistory().size(); i++) {
      try {
        history.add(EpochMetrics.fromJson(Json.parse(cp.metricsHistory().get(i))));
      } catch (RuntimeException e) {
        throw new ModelFormatException(dir + ": field metrics_history[" + i + "]: " + e.getMessage(), e);
      }
    }
    Trainer.State s;
    try {
      s = new Trainer.State(cp.epoch(), cp.step(), cp.model().params(), cp.model().buffers(),
          cp.optimizer(), history, new Trainer.EarlyStopping(cp.bestMetric(), cp.bestEpoch(),
              cp.badEpochs(), cp.bestParams(), cp.bestBuffers()));
      trainer.restore(s);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(dir + ": " + e.getMessage(), e);
    }
    return s;
  }

  /** The first line in which two configuration texts differ, for the error message. */
  private static String firstDifference(String saved, String now) {
    List<String> a = saved.lines().toList();
    List<String> b = now.lines().toList();
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      String x = i < a.size() ? a.get(i) : "(nothing)";
      String y = i < b.size() ? b.get(i) : "(nothing)";
      if (!x.equals(y)) return "it has " + x + ", this run has " + y;
    }
    return "the texts differ";
  }
}
