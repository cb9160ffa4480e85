package dev.sparkmlp.data;

import java.util.List;

/**
 * How to read a CSV file. Start from {@link #classification()} or {@link #regression()} and change
 * what differs with the withers.
 *
 * @param header true: the first non-blank line is a header; false: it is data; null: a header if
 *     any of its fields is not a number
 * @param labelColumn the label (classification) or target (regression) column, by header name or
 *     by 0-based index written as text; null means the last column. A header name wins over an
 *     index with the same text.
 * @param classes number of classes; 0 infers {@code max label + 1} (at least 2). Ignored for
 *     regression.
 * @param delimiter field separator, an ASCII character other than a quote or line break
 * @param oneHotTargets classification labels are given as K one-hot columns instead of one label
 *     column: the {@code targetColumns} when given, else the last {@code classes} columns
 * @param targetColumns regression with several targets, or the one-hot columns; names or 0-based
 *     indices as for {@code labelColumn}. Empty when unused.
 */
public record CsvOptions(Boolean header, String labelColumn, Task task, int classes,
    char delimiter, boolean oneHotTargets, List<String> targetColumns)
    implements java.io.Serializable {

  public CsvOptions {
    if (task == null) throw new IllegalArgumentException("task must be given");
    if (classes < 0) throw new IllegalArgumentException("classes must be >= 0, got " + classes);
    if (delimiter >= 128 || delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      throw new IllegalArgumentException("delimiter must be an ASCII character other than a quote "
          + "or line break, got '" + delimiter + "'");
    }
    targetColumns = targetColumns == null ? List.of() : List.copyOf(targetColumns);
  }

  /**
   * Checks that the options fit together. The withers cannot check this, since a combination is
   * often built one wither at a time; {@link Csv#read} calls it first.
   *
   * @return this
   * @throws IllegalArgumentException naming the conflicting options
   */
  public CsvOptions check() {
    if (oneHotTargets && task != Task.CLASSIFICATION) {
      throw new IllegalArgumentException("oneHotTargets applies to classification only");
    }
    if (oneHotTargets && labelColumn != null) {
      throw new IllegalArgumentException("with oneHotTargets, name the one-hot columns in "
          + "targetColumns, not labelColumn");
    }
    if (oneHotTargets && targetColumns.isEmpty() && classes < 2) {
      throw new IllegalArgumentException("oneHotTargets needs targetColumns or classes >= 2 to "
          + "know which columns are the targets");
    }
    if (!targetColumns.isEmpty() && task == Task.CLASSIFICATION && !oneHotTargets) {
      throw new IllegalArgumentException("targetColumns applies to regression or one-hot "
          + "classification; use labelColumn for a single label column");
    }
    if (!targetColumns.isEmpty() && labelColumn != null) {
      throw new IllegalArgumentException("give either labelColumn or targetColumns, not both");
    }
    return this;
  }

  /** Auto-detected header, label in the last column, comma-separated, classes inferred. */
  public static CsvOptions classification() {
    return new CsvOptions(null, null, Task.CLASSIFICATION, 0, ',', false, List.of());
  }

  /** Auto-detected header, one target in the last column, comma-separated. */
  public static CsvOptions regression() {
    return new CsvOptions(null, null, Task.REGRESSION, 0, ',', false, List.of());
  }

  public CsvOptions withHeader(Boolean v) {
    return new CsvOptions(v, labelColumn, task, classes, delimiter, oneHotTargets, targetColumns);
  }

  public CsvOptions withLabelColumn(String v) {
    return new CsvOptions(header, v, task, classes, delimiter, oneHotTargets, targetColumns);
  }

  public CsvOptions withTask(Task v) {
    return new CsvOptions(header, labelColumn, v, classes, delimiter, oneHotTargets, targetColumns);
  }

  public CsvOptions withClasses(int v) {
    return new CsvOptions(header, labelColumn, task, v, delimiter, oneHotTargets, targetColumns);
  }

  public CsvOptions withDelimiter(char v) {
    return new CsvOptions(header, labelColumn, task, classes, v, oneHotTargets, targetColumns);
  }

  public CsvOptions withOneHotTargets(boolean v) {
    return new CsvOptions(header, labelColumn, task, classes, delimiter, v, targetColumns);
  }

  public CsvOptions withTargetColumns(List<String> v) {
    return new CsvOptions(header, labelColumn, task, classes, delimiter, oneHotTargets, v);
  }
}
