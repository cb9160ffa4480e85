package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Parquet or ORC files of numeric rows. The schema is a numeric label column (by name) plus
 * either
 *
 * <ul>
 *   <li>one column of features: an array of numbers or an {@code org.apache.spark.ml.linalg.Vector},
 *       the same length in every row; or
 *   <li>numeric scalar columns, one per feature, in schema order.
 * </ul>
 *
 * Every value becomes a float32. A null, a NaN or infinite value, a value beyond the float range,
 * an array of another length and a label that is not a class index are errors naming the file,
 * the 1-based row within it and the column. A label column that is missing or not numeric, and a
 * feature column that is neither numeric nor an array or vector, are errors before any row is
 * read.
 */
final class ColumnarFormat extends FileParts.Format {
  private static final long serialVersionUID = 1L;
  /** As many classes as a reader infers at most from the largest label (data.Input). */
  static final int MAX_INFERRED_CLASSES = 1 << 16;

  private final String format;
  private final String label;
  private final String[] featureColumns;
  private final boolean oneColumn;
  private final Task task;
  private final int classes;

  private ColumnarFormat(String format, String label, String[] featureColumns, boolean oneColumn,
      Task task, int classes) {
    this.format = format;
    this.label = label;
    this.featureColumns = featureColumns;
    this.oneColumn = oneColumn;
    this.task = task;
    this.classes = classes;
  }

  /**
   * Reads the schema of the files at {@code path} (on the driver; no row is read) and checks it.
   *
   * @param classes a classification's class count; 0 infers it from the largest label
   */
  static ColumnarFormat of(SparkSession spark, String format, String path, String label,
      Task task, int classes) {
    StructType schema = spark.read().format(format).load(path).schema();
    StructField labelField = null;
    List<StructField> others = new ArrayList<>();
    for (StructField f : schema.fields()) {
      if (f.name().equals(label)) labelField = f;
      else others.add(f);
    }
    if (labelField == null) {
      throw new DataException(path, "column '" + label + "'", "no such label column (data.label-"
          + "column); the columns are " + Arrays.toString(schema.fieldNames()));
    }
    if (!(labelField.dataType() instanceof NumericType)) {
      throw new DataException(path, "column '" + label + "'", "the label must be numeric, not "
          + labelField.dataType().simpleString());
    }
    if (others.isEmpty()) {
      throw new DataException(path, null, "no feature columns besides the label '" + label + "'");
    }
    boolean one = others.size() == 1 && isVectorLike(others.get(0).dataType());
    for (StructField f : others) {
      DataType t = f.dataType();
      if (one || t instanceof NumericType) continue;
      String why = isVectorLike(t) ? "an array or vector column must be the only feature column"
          : "a feature column must be numeric, an array of numbers or a vector, not "
              + t.simpleString();
      throw new DataException(path, "column '" + f.name() + "'", why);
    }
    String[] names = others.stream().map(StructField::name).toArray(String[]::new);
    return new ColumnarFormat(format, label, names, one, task, classes);
  }

  private static boolean isVectorLike(DataType t) {
    return t instanceof VectorUDT
        || t instanceof ArrayType a && a.elementType() instanceof NumericType;
  }

  @Override
  Dataset<Row> open(SparkSession spark, String path) {
    String[] payload = new String[1 + featureColumns.length];
    payload[0] = label;
    System.arraycopy(featureColumns, 0, payload, 1, featureColumns.length);
    return FileParts.withPlace(spark.read().format(format).load(path), payload);
  }

  @Override
  FileParts.Info scan(String path, long start, int firstLine, Iterator<Row> rows) {
    Builder b = read(path, firstLine, rows, classes);
    return new FileParts.Info(path, start, 0, b.n, b.maxLabel, b.d, true, false);
  }

  @Override
  Block rows(String path, long start, int firstLine, Iterator<Row> rows, FileParts.Shape shape) {
    Builder b = read(path, firstLine, rows, shape.classes());
    if (b.n > 0 && b.d != shape.features()) {
      throw new DataException(path, "row " + firstLine, b.d + " features, the data set has "
          + shape.features());
    }
    float[] x = Arrays.copyOf(b.x, b.n * shape.features());
    if (task == Task.REGRESSION) {
      return Block.regression(b.n, shape.features(), x, 1, Arrays.copyOf(b.y, b.n));
    }
    int[] labels = new int[b.n];
    for (int i = 0; i < b.n; i++) labels[i] = (int) b.y[i];
    return Block.classification(b.n, shape.features(), x, labels, shape.classes());
  }

  /** Parses and checks a piece's rows; {@code k} &gt; 0 bounds class labels. */
  private Builder read(String path, int firstLine, Iterator<Row> rows, int k) {
    Builder b = new Builder();
    int line = firstLine;
    while (rows.hasNext()) {
      Row r = rows.next();
      double y = labelOf(path, line, r.get(2), k);
      if (oneColumn) {
        b.row(line, path, values(path, line, r.get(3)), y);
      } else {
        int d = featureColumns.length;
        b.ensure(d);
        for (int j = 0; j < d; j++) b.x[b.n * d + j] = value(path, line, j, r.get(3 + j), -1);
        b.d = d;
        b.add(y);
      }
      line++;
    }
    return b;
  }

  private double labelOf(String path, int line, Object v, int k) {
    String where = "row " + line + ", column '" + label + "'";
    if (v == null) throw new DataException(path, where, "the label is null");
    double y = ((Number) v).doubleValue();
    if (task == Task.CLASSIFICATION) {
      int limit = k > 0 ? k : MAX_INFERRED_CLASSES;
      if (!(y >= 0 && y < limit && y == Math.rint(y))) {
        throw new DataException(path, where, "label " + v + " is not a class index in [0, "
            + limit + ")" + (k > 0 ? "" : " (set data.classes if more are intended)"));
      }
    } else if (!Float.isFinite((float) y)) {
      throw new DataException(path, where, "label " + v + " is not a finite float");
    }
    return y;
  }

  /** The features of the one array or vector column as floats. */
  private float[] values(String path, int line, Object v) {
    String col = featureColumns[0];
    if (v == null) {
      throw new DataException(path, "row " + line + ", column '" + col + "'",
          "the features are null");
    }
    if (v instanceof Vector vec) {
      float[] out = new float[vec.size()];
      for (int j = 0; j < out.length; j++) out[j] = value(path, line, j, vec.apply(j), 0);
      return out;
    }
    List<?> list = v instanceof List<?> l ? l
        : scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) v);
    float[] out = new float[list.size()];
    for (int j = 0; j < out.length; j++) out[j] = value(path, line, j, list.get(j), 0);
    return out;
  }

  /**
   * A value as float32. {@code element} &gt;= 0: element j of the features column; else feature
   * column j.
   */
  private float value(String path, int line, int j, Object v, int element) {
    String where = element >= 0
        ? "row " + line + ", column '" + featureColumns[0] + "', element " + j
        : "row " + line + ", column '" + featureColumns[j] + "'";
    if (v == null) throw new DataException(path, where, "the value is null");
    double dv = ((Number) v).doubleValue();
    float f = (float) dv;
    if (!Float.isFinite(f)) {
      String why = Double.isNaN(dv) ? "NaN is not a number"
          : Double.isFinite(dv) ? dv + " is beyond the float range" : dv + " is not finite";
      throw new DataException(path, where, why);
    }
    return f;
  }

  /** Growable rows of one piece: features x, labels or targets y. */
  private static final class Builder {
    int n;
    int d = -1;
    float[] x = new float[0];
    float[] y = new float[16];
    float maxLabel = Float.NEGATIVE_INFINITY;
    private int firstLine;

    void ensure(int width) {
      long need = (long) (n + 1) * width;
      if (need > Integer.MAX_VALUE - 8) throw new IllegalStateException("piece too large");
      if (need > x.length) x = Arrays.copyOf(x, (int) Math.min(Integer.MAX_VALUE - 8, need * 2));
      if (n == y.length) y = Arrays.copyOf(y, n * 2);
    }

    void row(int line, String path, float[] values, double label) {
      if (d < 0) {
        d = values.length;
        firstLine = line;
        if (d == 0) throw new DataException(path, "row " + line, "the features array is empty");
      } else if (values.length != d) {
        throw new DataException(path, "row " + line, values.length + " features, but row "
            + firstLine + " has " + d);
      }
      ensure(d);
      System.arraycopy(values, 0, x, n * d, d);
      add(label);
    }

    void add(double label) {
      y[n++] = (float) label;
      maxLabel = Math.max(maxLabel, (float) label);
    }
  }
}
