package dev.sparkmlp.study;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.Idx;
import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.data.Splits;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.math.Rng;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Datasets;
import java.util.ArrayList;
import java.util.List;

/**
 * The ablation's datasets, read once and scaled with statistics of their own training rows only:
 * the grid's training rows and CV rows, the few rows of the small-sample runs, and the full
 * training set with the test set.
 */
final class AblationData {
  /** RNG stream of the small-sample label permutation, apart from the streams of math.Rng. */
  static final long LABEL_STREAM = 0xAB1L;

  private final DataSpec spec;
  private final AblationPlan plan;
  private final Block train;
  private final Block cv;
  private final Scaler.Kind scale;
  private Block small;
  private Block randomSmall;
  private Block fullTrain;
  private Block test;

  private AblationData(DataSpec spec, AblationPlan plan, Block train, Block cv, Scaler.Kind scale) {
    this.spec = spec;
    this.plan = plan;
    this.train = train;
    this.cv = cv;
    this.scale = scale;
  }

  /**
   * Fails with one message that lists every data file the plan needs but cannot find, so that a run
   * without CIFAR-10 says so before it starts.
   */
  static void checkFilesExist(DataSpec spec, AblationPlan plan, String configName) {
    List<String> need = new ArrayList<>();
    addWithLabels(need, spec, spec.train(), spec.trainLabels());
    if (!spec.validation().isBlank())
      addWithLabels(need, spec, spec.validation(), spec.validationLabels());
    if (plan.full().epochs() > 0) {
      addWithLabels(need, spec, spec.test(), spec.testLabels());
      for (String f : plan.full().extraTrain()) addWithLabels(need, spec, f, "");
    }
    // A file may be needed twice (CIFAR-10's data_batch_2.bin is CV and full-data training).
    java.util.Set<String> missing = new java.util.LinkedHashSet<>();
    for (String f : need) if (!Fs.exists(f)) missing.add(f);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "the data files of this ablation are missing: "
              + String.join(", ", missing)
              + " (working directory "
              + System.getProperty("user.dir")
              + "; see the comments in "
              + configName
              + " for where to get them)");
    }
  }

  private static void addWithLabels(List<String> need, DataSpec spec, String path, String labels) {
    need.add(path);
    if (spec.format().equals("idx"))
      need.add(labels.isBlank() ? Idx.defaultLabelsName(path) : labels);
  }

  /** Reads the grid's training and CV rows. */
  static AblationData load(DataSpec spec, AblationPlan plan) {
    // Datasets.load slices data.train-offset/train-rows and fits the configured scaling on them;
    // the CV rows are then scaled with the same statistics.
    DataSpec gridSpec =
        new DataSpec(
            spec.format(),
            spec.train(),
            spec.trainLabels(),
            plan.trainOffset(),
            plan.trainRows(),
            "",
            "",
            0,
            "",
            "",
            spec.task(),
            spec.classes(),
            spec.labelColumn(),
            spec.header(),
            spec.delimiter(),
            spec.features(),
            spec.scale());
    Datasets grid = Datasets.load(gridSpec, 0);
    Block train = grid.train();
    boolean sameFile = spec.validation().isBlank();
    String cvPath = sameFile ? spec.train() : spec.validation();
    Block cvFile =
        Datasets.read(
            spec,
            cvPath,
            sameFile ? spec.trainLabels() : spec.validationLabels(),
            train.targetWidth);
    int to = plan.cvRows() == 0 ? cvFile.rows : plan.cvOffset() + plan.cvRows();
    if (plan.cvOffset() >= cvFile.rows || to > cvFile.rows) {
      throw new DataException(
          cvPath,
          "rows",
          "ablation.cv-offset + ablation.cv-rows = "
              + to
              + " but the file has only "
              + cvFile.rows
              + " rows");
    }
    Block cv = grid.scaler().apply(Splits.head(cvFile, plan.cvOffset(), to));
    return new AblationData(spec, plan, train, cv, grid.scaler().kind());
  }

  Block train() {
    return train;
  }

  Block cv() {
    return cv;
  }

  /** The first small-sample rows of the grid's training rows. */
  Block small() {
    if (small == null) small = Splits.head(train, 0, plan.small().rows());
    return small;
  }

  /** The small-sample rows with their labels permuted (seeded by the first seed). */
  Block randomSmall() {
    if (randomSmall == null)
      randomSmall = permuteLabels(small(), Rng.key(plan.seeds().get(0), LABEL_STREAM));
    return randomSmall;
  }

  /** All of data.train (or its first full-data.train-rows rows) plus full-data.extra-train. */
  Block fullTrain() {
    loadFull();
    return fullTrain;
  }

  Block test() {
    loadFull();
    return test;
  }

  private void loadFull() {
    if (fullTrain != null) return;
    AblationPlan.FullData f = plan.full();
    List<Block> parts = new ArrayList<>();
    parts.add(Datasets.read(spec, spec.train(), spec.trainLabels(), train.targetWidth));
    for (String extra : f.extraTrain())
      parts.add(Datasets.read(spec, extra, "", train.targetWidth));
    Block raw = concat(parts);
    if (f.trainRows() > 0) {
      if (f.trainRows() > raw.rows) {
        throw new DataException(
            spec.train(),
            "rows",
            "ablation.full-data.train-rows = "
                + f.trainRows()
                + " but the training files have only "
                + raw.rows
                + " rows");
      }
      raw = Splits.head(raw, 0, f.trainRows());
    }
    Scaler scaler = Scaler.fit(scale, raw);
    fullTrain = scaler.apply(raw);
    test = scaler.apply(Datasets.read(spec, spec.test(), spec.testLabels(), train.targetWidth));
  }

  /** The same rows with the labels permuted: class counts stay, any link to the image is gone. */
  static Block permuteLabels(Block b, long key) {
    int[] perm = new int[b.rows];
    Rng.permutation(key, perm, b.rows);
    int k = b.targetWidth;
    int[] labels = new int[b.rows];
    float[] y = new float[b.y.length];
    for (int i = 0; i < b.rows; i++) {
      labels[i] = b.labels[perm[i]];
      System.arraycopy(b.y, perm[i] * k, y, i * k, k);
    }
    return new Block(b.rows, b.features, k, b.x, y, labels);
  }

  static Block concat(List<Block> parts) {
    if (parts.size() == 1) return parts.get(0);
    Block first = parts.get(0);
    int rows = 0;
    for (Block b : parts) rows += b.rows;
    float[] x = new float[rows * first.features];
    float[] y = new float[rows * first.targetWidth];
    int[] labels = first.labels == null ? null : new int[rows];
    int r = 0;
    for (Block b : parts) {
      if (b.features != first.features || b.targetWidth != first.targetWidth) {
        throw new IllegalArgumentException(
            "the training files differ in shape: "
                + b.features
                + "x"
                + b.targetWidth
                + " vs "
                + first.features
                + "x"
                + first.targetWidth);
      }
      System.arraycopy(b.x, 0, x, r * first.features, b.rows * first.features);
      System.arraycopy(b.y, 0, y, r * first.targetWidth, b.rows * first.targetWidth);
      if (labels != null) System.arraycopy(b.labels, 0, labels, r, b.rows);
      r += b.rows;
    }
    return new Block(rows, first.features, first.targetWidth, x, y, labels);
  }
}
