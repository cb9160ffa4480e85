package dev.sparkmlp.train;

import dev.sparkmlp.io.Checkpoint;
import dev.sparkmlp.io.CheckpointIO;
import dev.sparkmlp.io.Fs;
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
 * reaches the target of {@link TrainConfig#stopAt()} (which ends the run), and, when {@code
 * everySteps} is positive, after every global step that is a multiple of it (mid-epoch states
 * included); and the way back ({@link #resume}).
 *
 * <p>Each save first moves the directory's previous checkpoint to {@code <dir>.prev} (replacing
 * the one there), then writes the new one through {@link CheckpointIO} (atomically, on any Hadoop
 * path). So a crash at any moment leaves at least one whole checkpoint, and when the newest is
 * unreadable (corrupt, truncated, missing) {@link #resume} falls back to {@code <dir>.prev}.
 *
 * <p>This class is the one place where a trainer's state and the checkpoint format meet: the
 * state's weights go into the saved model, its history into JSON lines ({@link
 * EpochMetrics#toMap}), the rest field for field.
 */
public final class Checkpointer implements Trainer.Listener {
  private final String dir;
  private final int every;
  private final int everySteps;
  private final SavedModel model;
  private final long seed;
  private final String config;
  /** True once this checkpointer has written dir, so that what is there is known to be whole. */
  private boolean wrote;

  /**
   * @param dir the checkpoint directory, replaced at each save
   * @param every save after every this many epochs (and after the last); positive
   * @param model what the weights belong to: spec, scaler, task, classes (its own weights are
   *     ignored)
   * @param seed the run's seed, checked on resume
   * @param config the resolved configuration as text, kept for people
   */
  public Checkpointer(String dir, int every, SavedModel model, long seed, String config) {
    this(dir, every, 0, model, seed, config);
  }

  /**
   * As {@link #Checkpointer(String, int, SavedModel, long, String)}, and also saves after every
   * global step that is a multiple of {@code everySteps}; {@code every} may then be 0, which
   * saves only after the last epoch and after the one that reaches the target.
   *
   * @param every save after every this many epochs; 0 = only after the last (needs everySteps > 0)
   * @param everySteps save after every this many optimizer steps; 0 = never
   */
  public Checkpointer(String dir, int every, int everySteps, SavedModel model, long seed,
      String config) {
    if (every < 0 || everySteps < 0 || (every == 0 && everySteps == 0)) {
      throw new IllegalArgumentException("checkpoint intervals must not be negative and one must be"
          + " positive: every " + every + " epochs, every " + everySteps + " steps");
    }
    this.dir = Objects.requireNonNull(dir, "dir");
    this.every = every;
    this.everySteps = everySteps;
    this.model = Objects.requireNonNull(model, "model");
    this.seed = seed;
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public void epochEnd(EpochMetrics m, Trainer trainer) {
    if ((every > 0 && m.epoch() % every == 0) || m.epoch() == m.epochs() || trainer.reachedTarget()) {
      save(trainer.state());
    }
  }

  @Override
  public void stepEnd(Trainer trainer) {
    if (everySteps > 0 && trainer.step() % everySteps == 0) save(trainer.state());
  }

  /** The directory that holds the checkpoint before the newest: {@code <dir>.prev}. */
  public static String previous(String dir) {
    String d = dir.length() > 1 && dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    return d + ".prev";
  }

  /** True when {@code dir} or {@link #previous} holds something that looks like a checkpoint. */
  public static boolean exists(String dir) {
    return Fs.exists(Fs.resolve(dir, "checkpoint.json"))
        || Fs.exists(Fs.resolve(previous(dir), "checkpoint.json"));
  }

  private static boolean loads(String dir) {
    try {
      CheckpointIO.load(dir);
      return true;
    } catch (ModelFormatException | java.io.UncheckedIOException e) {
      return false;
    }
  }

  /**
   * Writes {@code s} to the directory now, after moving the checkpoint there (if any) to {@link
   * #previous}. A checkpoint this object did not write is moved only if it loads, so an unusable
   * one never replaces a usable previous one.
   */
  public void save(Trainer.State s) {
    List<String> lines = new ArrayList<>(s.history().size());
    for (EpochMetrics e : s.history()) lines.add(Json.line(e.toMap()));
    Trainer.EarlyStopping es = s.earlyStopping();
    Trainer.PartialEpoch p = s.partial();
    Checkpoint c = new Checkpoint(model.withWeights(s.params(), s.buffers()), s.optimizer(),
        s.epochsDone(), s.step(), seed, config, lines, es.best(), es.bestEpoch(), es.badEpochs(),
        es.bestParams(), es.bestBuffers(), new Checkpoint.Partial(p.steps(), p.lossSum(),
            p.penaltySum(), p.count(), p.correct(), p.lr()));
    if (Fs.exists(Fs.resolve(dir, "checkpoint.json"))) {
      if (wrote || loads(dir)) {
        Fs.moveReplacing(dir, previous(dir));
      } else {
        Fs.delete(dir); // unusable (a resume fell back past it): keep the good previous one
      }
    }
    CheckpointIO.save(c, dir);
    wrote = true;
  }

  /**
   * Reads the checkpoint in {@code dir} and restores it into {@code trainer}, after checking that
   * it belongs to this run: the same network and the same seed (another seed would shuffle and
   * drop out differently, so the run would not continue its trajectory). When {@code dir} cannot
   * be read (missing, truncated, a checksum or field wrong), the previous checkpoint {@code
   * <dir>.prev} is used instead, with a line on standard error saying so.
   *
   * @return the restored state
   * @throws ModelFormatException when neither checkpoint is usable (naming both problems), or
   *     the one read belongs to another run
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
    Checkpoint cp;
    try {
      cp = CheckpointIO.load(dir);
    } catch (ModelFormatException | java.io.UncheckedIOException latest) {
      String prev = previous(dir);
      try {
        cp = CheckpointIO.load(prev);
      } catch (ModelFormatException | java.io.UncheckedIOException e) {
        throw new ModelFormatException("no usable checkpoint: " + latest.getMessage()
            + "; previous checkpoint: " + e.getMessage(), latest);
      }
      System.err.println("sparkmlp: checkpoint " + dir + " is unusable (" + latest.getMessage()
          + "); resuming from the previous one, " + prev);
      dir = prev;
    }
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
              cp.badEpochs(), cp.bestParams(), cp.bestBuffers()),
          new Trainer.PartialEpoch(cp.partial().steps(), cp.partial().lossSum(),
              cp.partial().penaltySum(), cp.partial().count(), cp.partial().correct(),
              cp.partial().lr()));
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
