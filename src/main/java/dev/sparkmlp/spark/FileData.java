package dev.sparkmlp.spark;

import dev.sparkmlp.data.Csv;
import dev.sparkmlp.data.CsvOptions;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.FeatureStats;
import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.data.Splits;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.nn.OutputMetric;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Datasets;
import dev.sparkmlp.train.Shards;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * A run's training, validation and test sets read by the executors from csv, libsvm, parquet or
 * orc files ({@link FileBlocks}), or on a cluster from idx files ({@link IdxFiles}), the
 * counterpart of {@code train.Datasets}: the same rows, the same held-out split, the same scaler,
 * and the training shards of {@code train.Shards}, so that training follows the local engine's
 * trajectory bitwise. Only counts, shapes and per-row shard
 * tables (one int per row) live on the driver.
 *
 * <p>{@link #load} reads and checks every set before it returns, so bad data fails before
 * training starts. The training rows are cached as {@code partitions} shards, then the scaler is
 * fitted on them on the executors ({@link FeatureStats}: exact sums, so the same numbers as the
 * local fit) and the cached rows are replaced by scaled ones. Validation rows are cached scaled
 * in contiguous ranges; test rows are laid out when {@link #test} asks, or at load when only the
 * layout checks them (idx). A scaler that needs no statistics (divide255, none) is applied as the
 * rows are laid out.
 *
 * <p>The rows of a set are numbered in (file path, row within the file) order: a directory or
 * glob of part files is one set in the order of its sorted paths.
 */
public final class FileData implements AutoCloseable {
  private final SparkSession spark;
  private final JavaSparkContext jsc;
  private final int partitions;
  private final Rows train;
  private final Rows validationFile;
  private final Rows test;
  private final boolean classification;
  private final int[] trainRows;
  private final int[] heldOut;
  private final Shards shards;
  private Scaler scaler;
  private DataFrameBlocks.Shipped trainBlocks;
  private DataFrameBlocks.Shipped trainEval;
  private DataFrameBlocks.Shipped validation;
  /** The test rows, laid out at load when only their layout checks them (idx); else null. */
  private DataFrameBlocks.Shipped testBlocks;
  private final List<Broadcast<int[]>> tables = new ArrayList<>();
  private final List<JavaRDD<ShardBlock>> cached = new ArrayList<>();

  /**
   * A data set the executors read: its rows (numbered 0..rows-1 in file order), their shape, and
   * a layout of them into cached blocks.
   */
  interface Rows {
    /** The path the user gave, to name the set. */
    String path();

    int rows();

    FileParts.Shape shape();

    /** How many pieces (file splits) the set is read in. */
    int pieceCount();

    /**
     * Row g to shard {@code router.shard(g)} (none when negative), scaled by {@code scaler} when
     * not null, cached as one ShardBlock per partition, the rows of a shard in ascending order. A
     * {@link DataException} of a task reaches the caller as itself, and nothing stays cached.
     */
    JavaRDD<ShardBlock> layout(SparkSession spark, DataFrameBlocks.Router router, int partitions,
        Scaler scaler, String name);

    /**
     * Whether finding the set's rows and shape at load checked every row (a scan). When not
     * (idx: only the headers), the set's rows are checked as they are laid out, and FileData lays
     * out even the test set at load, so that a bad file fails before training, not after it.
     */
    default boolean checkedAtLoad() {
      return true;
    }
  }

  /** Plans the layout of sets already scanned; caches nothing. */
  private FileData(SparkSession spark, DataSpec spec, long seed, int partitions, int batch,
      Rows train, Rows validationFile, Rows test) {
    this.spark = spark;
    this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.partitions = partitions;
    this.classification = spec.task() == Task.CLASSIFICATION;
    this.train = train;
    this.validationFile = validationFile;
    this.test = test;

    int n = train.rows();
    int from = spec.trainOffset();
    int to = spec.trainRows() > 0 ? from + spec.trainRows() : n;
    if (to > n || from >= to) {
      throw new DataException(spec.train(), "rows", "data.train-offset + data.train-rows = " + to
          + " but the data has only " + n + " rows");
    }
    if (spec.validation().isBlank() && spec.validationSplit() > 0) {
      int[][] parts = Splits.indices(to - from, spec.validationSplit(), seed);
      trainRows = shifted(parts[0], from);
      heldOut = shifted(parts[1], from);
    } else {
      trainRows = new int[to - from];
      for (int i = 0; i < trainRows.length; i++) trainRows[i] = from + i;
      heldOut = null;
    }
    shards = Shards.assign(trainRows.length, partitions, seed);
    Shards.stepsPerEpoch(shards.sizes(), batch);
  }

  /**
   * Caches the training shards, fits the scaler on them and scales them; caches the validation
   * rows (and the training rows in contiguous ranges, for evaluateTrain), scaled.
   */
  private void layOut(DataSpec spec, boolean evaluateTrain) {
    int n = train.rows();
    int[] table = new int[n];
    Arrays.fill(table, -1);
    for (int p = 0; p < partitions; p++) for (int r : shards.rows(p)) table[trainRows[r]] = p;
    Broadcast<int[]> lookup = jsc.broadcast(table);
    tables.add(lookup);
    Scaler.Kind kind = Datasets.scaleKind(spec);
    int d = train.shape().features();
    // standard and minmax are fitted on the laid-out rows, then applied in a second pass; the
    // others need no statistics and are applied as the rows are laid out.
    boolean fitted = kind == Scaler.Kind.STANDARD || kind == Scaler.Kind.MINMAX;
    if (!fitted) {
      scaler = Scaler.fit(kind, new dev.sparkmlp.data.Block(0, d, 1, new float[0], new float[0],
          null));
    }
    JavaRDD<ShardBlock> raw = train.layout(spark, new FileBlocks.Table(lookup, n), partitions,
        fitted ? null : scaler, fitted ? "sparkmlp training rows (unscaled)"
            : "sparkmlp training rows");
    cached.add(raw);
    JavaRDD<ShardBlock> blocks = raw;
    if (fitted) {
      FeatureStats stats = FileBlocks.stats(raw, d, spec.train());
      scaler = Scaler.fit(kind, stats, spec.train());
      blocks = FileBlocks.scaled(raw, scaler, "sparkmlp training rows");
    }
    cached.remove(raw);
    tables.remove(lookup);
    trainBlocks = new DataFrameBlocks.Shipped(blocks, shards.sizes(), trainRows.length, lookup);
    trainEval = evaluateTrain ? contiguous(train, trainRows, "training set") : null;
    if (validationFile != null) {
      validation = contiguous(validationFile, all(validationFile.rows()), "validation set");
    } else if (heldOut != null) {
      validation = contiguous(train, heldOut, "validation set");
    }
    if (test != null && !test.checkedAtLoad()) {
      testBlocks = contiguous(test, all(test.rows()), "test set");
    }
  }

  /**
   * Reads and checks every set of {@code spec}; lays out the training shards as
   * {@code Shards.assign(rows, partitions, seed)} does and checks the batch against them.
   *
   * @param evaluateTrain also lay out the training rows for {@link #trainEvaluation}
   * @throws DataException for bad data, naming the file and the row or field
   */
  public static FileData load(SparkSession spark, DataSpec spec, long seed, int partitions,
      int batch, boolean evaluateTrain) {
    if (!spec.executorRead()) {
      throw new IllegalArgumentException("data.format " + spec.format()
          + " is read on the driver, not by FileData");
    }
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive: " + partitions);
    }
    boolean libsvm = spec.format().equals("libsvm");
    boolean classification = spec.task() == Task.CLASSIFICATION;
    FileBlocks.Scan train = FileBlocks.scan(spark, format(spark, spec, spec.train(),
        spec.features(), spec.classes()), spec.train(), new FileBlocks.ShapeRule(libsvm
            ? spec.features() : 0, spec.classes(), classification, !libsvm));
    int d = train.shape().features();
    int k = train.shape().classes();
    FileBlocks.Scan validation = spec.validation().isBlank() ? null
        : scanOther(spark, spec, spec.validation(), d, k);
    FileBlocks.Scan test = spec.hasTest() ? scanOther(spark, spec, spec.test(), d, k) : null;
    return layOut(new FileData(spark, spec, seed, partitions, batch, train, validation, test),
        spec, evaluateTrain);
  }

  /**
   * As {@link #load}, for idx files, which the executors read ({@link IdxFiles}); for a cluster
   * (in local mode the driver's read, handed over by reference, costs less). Null when the
   * executors do not see the files the driver sees (a local path on a cluster whose machines do
   * not share it, or an executor that joined after the check), when a file is missing or a
   * header is bad: then the driver reads the files
   * ({@code train.Datasets}), and reports what is wrong with them as the local engine does. With
   * {@code warmUp}, the executors run training passes of that network while they read
   * ({@link ExecutorWarmup}).
   */
  public static FileData loadIdx(SparkSession spark, DataSpec spec, long seed, int partitions,
      int batch, boolean evaluateTrain, NetworkSpec warmUp) {
    if (!spec.format().equals("idx") || spec.task() != Task.CLASSIFICATION) {
      throw new IllegalArgumentException("not an idx classification set: " + spec.format());
    }
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive: " + partitions);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int k = Datasets.idxClasses(spec);
    IdxFiles train = IdxFiles.open(spec.train(), spec.trainLabels(), k);
    IdxFiles validation = spec.validation().isBlank() || train == null ? null
        : IdxFiles.open(spec.validation(), spec.validationLabels(), k);
    IdxFiles test = !spec.hasTest() || train == null ? null
        : IdxFiles.open(spec.test(), spec.testLabels(), k);
    List<IdxFiles> sets = new ArrayList<>();
    for (IdxFiles s : new IdxFiles[] {train, validation, test}) if (s != null) sets.add(s);
    if (train == null || (validation == null) != spec.validation().isBlank()
        || (test == null) == spec.hasTest() || !IdxFiles.visible(jsc, partitions, sets, warmUp,
            Math.max(1, batch / partitions))) {
      return null;
    }
    for (IdxFiles s : sets) {
      if (s.shape().features() != train.shape().features()) {
        throw new DataException(s.path(), "header", "images of " + s.shape().features()
            + " pixels, but the training images have " + train.shape().features());
      }
    }
    try {
      return layOut(new FileData(spark, spec, seed, partitions, batch, train, validation, test),
          spec, evaluateTrain);
    } catch (Layout.Unreadable e) {
      // An executor that joined after the check, say, does not see a file: the driver reads.
      System.err.println("sparkmlp: " + e.getMessage() + "; the driver reads the idx files");
      return null;
    }
  }

  /** Lays out {@code data}'s sets; on failure closes it and rethrows. */
  private static FileData layOut(FileData data, DataSpec spec, boolean evaluateTrain) {
    try {
      data.layOut(spec, evaluateTrain);
    } catch (RuntimeException e) {
      data.close();
      throw e;
    }
    return data;
  }

  /** The reader of {@code path} in the spec's format; {@code classes} 0 = infer. */
  static FileParts.Format format(SparkSession spark, DataSpec spec, String path, int features,
      int classes) {
    return switch (spec.format()) {
      case "csv" -> {
        CsvOptions opt = Datasets.csvOptions(spec, classes);
        yield new FileParts.CsvFormat(opt, head(spark, path, opt));
      }
      case "libsvm" -> new FileParts.LibSvmFormat(spec.task(), features);
      case "parquet", "orc" -> ColumnarFormat.of(spark, spec.format(), path, spec.columnarLabel(),
          spec.task(), classes);
      default -> throw new IllegalArgumentException("data.format " + spec.format()
          + " is read on the driver");
    };
  }

  /** The head of the first file at {@code path} (sorted), read on the driver: one line. */
  private static Csv.Head head(SparkSession spark, String path, CsvOptions opt) {
    String[] files = spark.read().text(path).inputFiles();
    if (files.length == 0) throw new DataException(path, null, "no files");
    Arrays.sort(files);
    try (InputStream in = Fs.open(files[0])) {
      return Csv.head(in, files[0], opt);
    } catch (IOException e) {
      throw new DataException(files[0], null, e.getMessage());
    }
  }

  /** A validation or test set: the training set's features and classes. */
  private static FileBlocks.Scan scanOther(SparkSession spark, DataSpec spec, String path,
      int features, int classes) {
    boolean classification = spec.task() == Task.CLASSIFICATION;
    FileParts.Format f = format(spark, spec, path, spec.format().equals("libsvm") ? features : 0,
        classes);
    return FileBlocks.scan(spark, f, path, new FileBlocks.ShapeRule(features, classes,
        classification, !spec.format().equals("libsvm")));
  }

  /** The given rows of a scanned set, scaled, in contiguous ranges over at most P partitions. */
  private DataFrameBlocks.Shipped contiguous(Rows set, int[] rows, String what) {
    int p = Math.max(1, Math.min(partitions, rows.length));
    int[] table = FileBlocks.contiguousTable(set.rows(), rows, p);
    Broadcast<int[]> b = jsc.broadcast(table);
    tables.add(b);
    JavaRDD<ShardBlock> blocks = set.layout(spark, new FileBlocks.Table(b, set.rows()), p,
        scaler, "sparkmlp " + what);
    cached.add(blocks);
    return new DataFrameBlocks.Shipped(blocks, FileBlocks.sizes(table, p), rows.length, null);
  }

  private static int[] shifted(int[] rows, int by) {
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) out[i] = rows[i] + by;
    return out;
  }

  private static int[] all(int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) out[i] = i;
    return out;
  }

  public int features() {
    return train.shape().features();
  }

  /** Classification: the class count (one-hot width); regression: 1. */
  public int targetWidth() {
    return classification ? train.shape().classes() : 1;
  }

  public boolean classification() {
    return classification;
  }

  public Scaler scaler() {
    return scaler;
  }

  public long trainRows() {
    return trainRows.length;
  }

  /** How many pieces (file splits) the training files were read in. */
  public int trainPieces() {
    return train.pieceCount();
  }

  /** Validation rows, or -1 without a validation set. */
  public long validationRows() {
    return validation == null ? -1 : validation.rows();
  }

  /** Test rows, or -1 without a test set. */
  public long testRows() {
    return test == null ? -1 : test.rows();
  }

  /** As below, without micro-batches. */
  public SparkGradients gradients(Network net, int batch, long seed, int totalEpochs,
      int treeDepth) {
    return gradients(net, batch, seed, totalEpochs, treeDepth, 0);
  }

  /**
   * The gradient source over the cached training shards; it owns them from now on (closing it
   * unpersists them). Once only. {@code microBatch}: train.micro-batch, 0 = off.
   */
  public SparkGradients gradients(Network net, int batch, long seed, int totalEpochs,
      int treeDepth, int microBatch) {
    if (trainBlocks == null) throw new IllegalStateException("the training rows were handed over");
    checkNetwork(net);
    DataFrameBlocks.Shipped s = trainBlocks;
    trainBlocks = null;
    return SparkGradients.fromShipped(jsc, net, s, batch, seed, totalEpochs, treeDepth,
        microBatch);
  }

  /** The validation set's evaluator, or null when there is none. */
  public SparkEvaluation validation(Network net, List<? extends OutputMetric> metrics) {
    return validation == null ? null : evaluation(net, validation, "validation set", metrics);
  }

  /** The training set's evaluator, or null unless load was asked for it. */
  public SparkEvaluation trainEvaluation(Network net, List<? extends OutputMetric> metrics) {
    return trainEval == null ? null : evaluation(net, trainEval, "training set", metrics);
  }

  /**
   * The test set's evaluator, or null without one; its rows laid out now (scaled) unless load
   * laid them out already.
   */
  public SparkEvaluation test(Network net, List<? extends OutputMetric> metrics) {
    if (test == null) return null;
    DataFrameBlocks.Shipped s = testBlocks != null ? testBlocks
        : contiguous(test, all(test.rows()), "test set");
    return evaluation(net, s, "test set", metrics);
  }

  private SparkEvaluation evaluation(Network net, DataFrameBlocks.Shipped s, String what,
      List<? extends OutputMetric> metrics) {
    checkNetwork(net);
    return new SparkEvaluation(jsc, net, s, what, metrics);
  }

  private void checkNetwork(Network net) {
    if (net.inputs() != features() || net.outputs() != targetWidth()) {
      throw new IllegalArgumentException("the network has " + net.inputs() + " inputs and "
          + net.outputs() + " outputs; the data has " + features() + " features and "
          + targetWidth() + " targets");
    }
  }

  /** Unpersists what no gradient source or evaluator took over, and destroys the row tables. */
  @Override
  public void close() {
    if (trainBlocks != null) {
      Release.rdd(trainBlocks.blocks());
      Release.broadcast(trainBlocks.lookup());
      trainBlocks = null;
    }
    for (JavaRDD<ShardBlock> b : cached) Release.rdd(b);
    cached.clear();
    for (Broadcast<int[]> b : tables) Release.broadcast(b);
    tables.clear();
  }
}

