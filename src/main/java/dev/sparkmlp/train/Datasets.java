package dev.sparkmlp.train;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Checks;
import dev.sparkmlp.data.Cifar;
import dev.sparkmlp.data.Csv;
import dev.sparkmlp.data.CsvOptions;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.Idx;
import dev.sparkmlp.data.LibSvm;
import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.data.Splits;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.io.Fs;
import java.io.IOException;
import java.io.InputStream;

/**
 * A run's training, validation and test sets, read as {@link DataSpec} says and scaled with
 * statistics of the training set only.
 *
 * @param validation null when there is none
 * @param test null when there is none
 */
public record Datasets(Block train, Block validation, Block test, Scaler scaler) {
  /** The classes of an idx set when data.classes is 0: the digits of MNIST and Fashion-MNIST. */
  static final int IDX_CLASSES = 10;

  /** Reads and scales the data; {@code seed} chooses a held-out validation split. */
  public static Datasets load(DataSpec spec, long seed) {
    Block train = read(spec, spec.train(), spec.trainLabels(), 0);
    if (spec.trainOffset() > 0 || spec.trainRows() > 0) {
      int from = spec.trainOffset();
      int to = spec.trainRows() > 0 ? from + spec.trainRows() : train.rows;
      if (to > train.rows) {
        throw new DataException(spec.train(), "rows", "data.train-offset + data.train-rows = " + to
            + " but the file has only " + train.rows + " rows");
      }
      train = train.slice(from, to);
    }
    Checks.nonEmpty(train, spec.train());
    int classes = train.isClassification() ? train.targetWidth : 0;
    Block validation = null;
    if (!spec.validation().isBlank()) {
      validation = read(spec, spec.validation(), spec.validationLabels(), classes);
    } else if (spec.validationSplit() > 0) {
      Splits.Pair pair = Splits.split(train, spec.validationSplit(), seed);
      train = pair.train();
      validation = pair.validation();
    }
    Block test = spec.hasTest() ? read(spec, spec.test(), spec.testLabels(), classes) : null;
    Scaler scaler = Scaler.fit(scaleKind(spec), train);
    return new Datasets(scaler.apply(train), validation == null ? null : scaler.apply(validation),
        test == null ? null : scaler.apply(test), scaler);
  }

  /** An idx set's classes: data.classes, else {@link #IDX_CLASSES}. */
  public static int idxClasses(DataSpec spec) {
    return spec.classes() > 0 ? spec.classes() : IDX_CLASSES;
  }

  /** An idx image file's labels: {@code labelsPath}, or when blank the file beside the images. */
  public static String idxLabels(String imagesPath, String labelsPath) {
    return labelsPath == null || labelsPath.isBlank() ? Idx.defaultLabelsName(imagesPath)
        : labelsPath;
  }

  /** The scaling data.scale asks for; auto = divide255 for idx and cifar, else standard. */
  public static Scaler.Kind scaleKind(DataSpec spec) {
    if (!spec.scale().equalsIgnoreCase("auto")) return Scaler.Kind.parse(spec.scale());
    return switch (spec.format()) {
      case "idx", "cifar" -> Scaler.Kind.DIVIDE255;
      default -> Scaler.Kind.STANDARD;
    };
  }

  /**
   * Reads one file of the spec's format. {@code classes} forces the class count (so validation and
   * test sets agree with the training set); 0 means the spec's, or inferred.
   */
  public static Block read(DataSpec spec, String path, String labelsPath, int classes) {
    int k = classes > 0 ? classes : spec.classes();
    try {
      Block b = switch (spec.format()) {
        case "idx" -> {
          String labels = idxLabels(path, labelsPath);
          if (!Fs.exists(labels)) {
            throw new DataException(labels, "file", "labels file not found (set the labels path explicitly,"
                + " e.g. --train-labels or data.train-labels)");
          }
          try (InputStream img = open(path); InputStream lab = open(labels)) {
            yield Idx.read(img, path, lab, labels, k > 0 ? k : IDX_CLASSES);
          }
        }
        case "cifar" -> {
          try (InputStream in = open(path)) {
            yield Cifar.read(in, path);
          }
        }
        case "csv" -> {
          try (InputStream in = open(path)) {
            yield Csv.read(in, path, csvOptions(spec, k));
          }
        }
        case "libsvm" -> {
          try (InputStream in = open(path)) {
            yield LibSvm.read(in, path, spec.features(), spec.task(), k);
          }
        }
        case "parquet", "orc" -> throw new DataException(path, null, "data.format " + spec.format()
            + " is read by Spark executors only: set train.engine = spark (--engine spark)");
        default -> throw new IllegalStateException(spec.format());
      };
      Checks.nonEmpty(b, path);
      return b;
    } catch (IOException e) {
      throw new DataException(path, "file", e.getMessage());
    }
  }

  /**
   * The training rows' {features, classes} when the format tells them before the rows are read:
   * idx from its image header (classes: data.classes, else {@link #IDX_CLASSES}, as {@link #read}
   * assumes), cifar from its fixed records (10 classes). Null for the other formats, whose shape
   * only a full read gives, and for a file that cannot be opened or whose header is bad (the
   * read reports it).
   */
  public static int[] shapeBeforeReading(DataSpec spec) {
    if (spec.task() != Task.CLASSIFICATION) return null;
    switch (spec.format()) {
      case "idx" -> {
        if (!Fs.exists(spec.train())) return null;
        try (InputStream in = Fs.open(spec.train())) {
          return new int[] {Idx.imageHeader(in, spec.train()).pixels(),
              spec.classes() > 0 ? spec.classes() : IDX_CLASSES};
        } catch (IOException | RuntimeException e) {
          return null;
        }
      }
      case "cifar" -> {
        return new int[] {Cifar.PIXELS, Cifar.CLASSES};
      }
      default -> {
        return null;
      }
    }
  }

  /** How {@code spec} reads a CSV file: "auto" header = null, blank label column = null (last). */
  public static CsvOptions csvOptions(DataSpec spec, int classes) {
    return (spec.task() == Task.REGRESSION ? CsvOptions.regression() : CsvOptions.classification())
        .withHeader(spec.header().equalsIgnoreCase("auto") ? null : Boolean.valueOf(spec.header()))
        .withLabelColumn(spec.labelColumn().isBlank() ? null : spec.labelColumn())
        .withClasses(classes)
        .withDelimiter(spec.delimiter());
  }

  private static InputStream open(String path) {
    if (!Fs.exists(path)) throw new DataException(path, "file", "file not found");
    return Fs.open(path);
  }
}
