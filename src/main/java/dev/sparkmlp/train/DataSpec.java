package dev.sparkmlp.train;

import dev.sparkmlp.data.Task;

/**
 * Where a run's data comes from and how it is read (the {@code data.*} config keys).
 *
 * @param format idx | cifar | csv | libsvm | parquet | orc (parquet and orc: Spark engine only)
 * @param trainRows 0 = all rows from trainOffset on
 * @param validationSplit without a validation file, the held-out fraction (&lt; 1) or row count
 * @param classes 0 = infer
 * @param labelColumn csv: a header name or 0-based index; empty = last column. parquet, orc: the
 *     label column's name; empty = "label"
 * @param header csv: "auto", "true" or "false"
 * @param features libsvm: 0 = infer from the training file
 * @param scale auto | none | divide255 | standard | minmax
 */
public record DataSpec(String format, String train, String trainLabels, int trainOffset, int trainRows,
    String validation, String validationLabels, double validationSplit, String test, String testLabels,
    Task task, int classes, String labelColumn, String header, char delimiter, int features, String scale) {

  public DataSpec {
    format = format.trim().toLowerCase(java.util.Locale.ROOT);
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException("data.format must be idx, cifar, csv, libsvm, parquet or orc, not '"
          + format + "'");
    }
    if (train == null || train.isBlank()) throw new IllegalArgumentException("data.train is not set");
    if (trainOffset < 0 || trainRows < 0) throw new IllegalArgumentException("data.train-offset and data.train-rows must not be negative");
    if (validationSplit < 0) throw new IllegalArgumentException("data.validation-split must not be negative");
  }

  public static final java.util.List<String> FORMATS =
      java.util.List.of("idx", "cifar", "csv", "libsvm", "parquet", "orc");
  /** Formats whose rows Spark executors read, with train.engine = spark. */
  public static final java.util.List<String> EXECUTOR_FORMATS =
      java.util.List.of("csv", "libsvm", "parquet", "orc");

  /** Whether Spark executors read this format (else the driver reads it, as the local engine does). */
  public boolean executorRead() {
    return EXECUTOR_FORMATS.contains(format);
  }

  /** The Parquet or ORC label column: labelColumn, or "label" when empty. */
  public String columnarLabel() {
    return labelColumn.isBlank() ? "label" : labelColumn;
  }

  public boolean hasValidation() {
    return !validation.isBlank() || validationSplit > 0;
  }

  public boolean hasTest() {
    return !test.isBlank();
  }
}
