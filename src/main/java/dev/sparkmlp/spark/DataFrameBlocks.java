package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Shards;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Turns a DataFrame with a vector features column ({@code org.apache.spark.ml.linalg.Vector}) and
 * a numeric label column into cached {@link ShardBlock}s, checking every row on the way. Errors
 * are {@link DataException}s with source {@value #SOURCE} and location {@code record N}, N being
 * the 0-based position of the row in the DataFrame, thrown before any training starts.
 *
 * <p>The DataFrame is read several times (row numbering, count, conversion, and with a
 * {@link Selection} a second numbering of the selected rows), so it must give the same rows in the
 * same order each time: a file scan does; cache anything non-deterministic first.
 */
public final class DataFrameBlocks {
  public static final String SOURCE = "DataFrame";

  private DataFrameBlocks() {}

  /** How a scalar label becomes the network's targets. */
  record Targets(boolean classification, int width, int classes) implements Serializable {}

  /**
   * Which rows of a DataFrame to use: all of them ({@link #ALL}), or those whose boolean column
   * {@code indicator} equals {@code keep}, as a validation indicator column splits a DataFrame
   * into training rows (false) and validation rows (true). A null indicator value is an error
   * naming the column and the row.
   */
  public record Selection(String indicator, boolean keep) implements Serializable {
    public static final Selection ALL = new Selection(null, false);

    public static Selection where(String indicator, boolean keep) {
      if (indicator == null || indicator.isEmpty()) {
        throw new IllegalArgumentException("the indicator column name is empty");
      }
      return new Selection(indicator, keep);
    }
  }

  /** Cached blocks, shard sizes and row count; {@code lookup} (may be null) is freed by close. */
  record Shipped(JavaRDD<ShardBlock> blocks, int[] sizes, int rows, Broadcast<int[]> lookup) {}

  /**
   * Classification: labels are class indices in [0, K) for K = the network's outputs, or 0/1 for
   * a single sigmoid output, stored one-hot. Regression: the label is the target of a one-output
   * network.
   */
  static Targets targets(Task task, Network net) {
    int k = net.outputs();
    if (task == Task.CLASSIFICATION) {
      if (k == 1 && net.spec().loss() != Loss.BCE) {
        throw new IllegalArgumentException(
            "a classifier with one output needs the bce loss, not " + net.spec().loss());
      }
      return new Targets(true, k, k == 1 ? 2 : k);
    }
    if (k != 1) {
      throw new IllegalArgumentException("a scalar label column can only train a regression"
          + " network with one output; this one has " + k);
    }
    return new Targets(false, 1, 0);
  }

  /**
   * Checks that both columns exist with usable types. Not modified: schema.
   *
   * @throws DataException naming the column, and listing the columns there are
   */
  public static void checkSchema(StructType schema, String featuresCol, String labelCol) {
    DataType f = column(schema, featuresCol, "features");
    if (!(f instanceof VectorUDT)) {
      throw new DataException(SOURCE, "column '" + featuresCol + "'", "features must be an"
          + " org.apache.spark.ml.linalg.Vector column (VectorAssembler makes one), not "
          + f.simpleString());
    }
    DataType l = column(schema, labelCol, "label");
    if (!(l instanceof NumericType)) {
      throw new DataException(SOURCE, "column '" + labelCol + "'",
          "the label must be numeric, not " + l.simpleString());
    }
  }

  private static DataType column(StructType schema, String name, String role) {
    for (StructField field : schema.fields()) {
      if (field.name().equals(name)) return field.dataType();
    }
    throw new DataException(SOURCE, "column '" + name + "'", "no such " + role
        + " column; the columns are " + Arrays.toString(schema.fieldNames()));
  }

  /**
   * Rows spread over the partitions as {@code Shards.assign(rows, partitions, seed)} does. The
   * batch size is checked against the shard sizes before any row is converted.
   */
  static Shipped forTraining(Dataset<Row> df, String featuresCol, String labelCol,
      Selection selection, Task task, Network net, int partitions, long seed, int batch) {
    Targets targets = targets(task, net);
    checkSchema(df.schema(), featuresCol, labelCol);
    checkIndicator(df.schema(), selection);
    JavaPairRDD<Row, Long> rows = numbered(df, featuresCol, labelCol, selection);
    int n = count(rows, partitions);
    Shards shards = Shards.assign(n, partitions, seed);
    Shards.stepsPerEpoch(shards.sizes(), batch);
    int[] shardOf = new int[n];
    for (int p = 0; p < partitions; p++) for (int r : shards.rows(p)) shardOf[r] = p;
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
    Broadcast<int[]> lookup = jsc.broadcast(shardOf);
    try {
      ToChunks conv = new ToChunks(new Lookup(lookup, n), targets, net.inputs(), featuresCol,
          labelCol, partitions);
      JavaRDD<ShardBlock> blocks = convert(rows, selection, conv, "sparkmlp training rows");
      return new Shipped(blocks, shards.sizes(), n, lookup);
    } catch (RuntimeException e) {
      Release.broadcast(lookup);
      throw e;
    }
  }

  /** Rows in DataFrame order, cut into contiguous ranges, one per partition (fewer if tiny). */
  static Shipped forEvaluation(Dataset<Row> df, String featuresCol, String labelCol,
      Selection selection, Task task, Network net, int partitions) {
    Targets targets = targets(task, net);
    checkSchema(df.schema(), featuresCol, labelCol);
    checkIndicator(df.schema(), selection);
    JavaPairRDD<Row, Long> rows = numbered(df, featuresCol, labelCol, selection);
    int n = count(rows, 1);
    int p = Math.min(partitions, n);
    ToChunks conv = new ToChunks(new Contiguous(n, p), targets, net.inputs(), featuresCol,
        labelCol, p);
    JavaRDD<ShardBlock> blocks = convert(rows, selection, conv, "sparkmlp evaluation rows");
    int[] sizes = new int[p];
    for (int i = 0; i < p; i++) {
      sizes[i] = (int) ((long) (i + 1) * n / p) - (int) ((long) i * n / p);
    }
    return new Shipped(blocks, sizes, n, null);
  }

  /** A column by its exact name: dots and spaces in it are not parsed. */
  private static Column quoted(String name) {
    return functions.col("`" + name.replace("`", "``") + "`");
  }

  /**
   * The selected rows, each with its 0-based position in the whole DataFrame (the record number
   * errors name); with an indicator the row holds it as a third column.
   */
  private static JavaPairRDD<Row, Long> numbered(Dataset<Row> df, String featuresCol,
      String labelCol, Selection selection) {
    Column[] cols = selection.indicator() == null
        ? new Column[] {quoted(featuresCol), quoted(labelCol)}
        : new Column[] {quoted(featuresCol), quoted(labelCol), quoted(selection.indicator())};
    JavaPairRDD<Row, Long> rows = df.select(cols).javaRDD().zipWithIndex();
    return selection.indicator() == null ? rows : rows.filter(new Keep(selection));
  }

  private static void checkIndicator(StructType schema, Selection selection) {
    if (selection.indicator() == null) return;
    DataType t = column(schema, selection.indicator(), "validation indicator");
    if (!(t instanceof BooleanType)) {
      throw new DataException(SOURCE, "column '" + selection.indicator() + "'",
          "the validation indicator must be boolean, not " + t.simpleString());
    }
  }

  /** The rows whose indicator equals the selection's value; a null indicator is an error. */
  static final class Keep implements Function<Tuple2<Row, Long>, Boolean> {
    private static final long serialVersionUID = 1L;
    private final Selection selection;

    Keep(Selection selection) {
      this.selection = selection;
    }

    @Override
    public Boolean call(Tuple2<Row, Long> t) {
      Object v = t._1().get(2);
      if (v == null) {
        throw new DataException(SOURCE, "record " + t._2(),
            "column '" + selection.indicator() + "': the validation indicator is null");
      }
      return (Boolean) v == selection.keep();
    }
  }

  private static int count(JavaPairRDD<Row, Long> rows, int atLeast) {
    long n;
    try {
      n = rows.count();
    } catch (Exception e) {
      throw Layout.unwrap(e);
    }
    if (n > Integer.MAX_VALUE) {
      throw new DataException(SOURCE, null,
          n + " rows; at most " + Integer.MAX_VALUE + " are supported");
    }
    if (n == 0) throw new DataException(SOURCE, null, "no data rows");
    if (n < atLeast) {
      throw new DataException(SOURCE, null, "cannot spread " + n + " rows over " + atLeast
          + " partitions: use fewer partitions");
    }
    return (int) n;
  }

  /**
   * Pairs each numbered row with its position among the selected rows (the same number without
   * a selection), then converts. Modified: nothing; caches the result.
   */
  private static JavaRDD<ShardBlock> convert(JavaPairRDD<Row, Long> rows, Selection selection,
      ToChunks conv, String name) {
    JavaPairRDD<Tuple2<Row, Long>, Long> positioned = selection.indicator() == null
        ? rows.mapToPair(DataFrameBlocks::samePosition)
        : rows.zipWithIndex();
    JavaPairRDD<Integer, ShardChunk> chunks = positioned.mapPartitionsToPair(conv);
    return Layout.cache(chunks, conv.partitions, name);
  }

  static Tuple2<Tuple2<Row, Long>, Long> samePosition(Tuple2<Row, Long> t) {
    return new Tuple2<>(t, t._2());
  }

  /** Which shard a row, by its position in the DataFrame, belongs to. */
  abstract static class Router implements Serializable {
    private static final long serialVersionUID = 1L;

    final int rows;

    Router(int rows) {
      this.rows = rows;
    }

    abstract int shard(int row);

    int check(long id) {
      if (id >= rows) {
        throw new IllegalStateException("the DataFrame gave more rows than its count of " + rows
            + ": it is not deterministic; cache it before training");
      }
      return (int) id;
    }
  }

  static final class Lookup extends Router {
    private static final long serialVersionUID = 1L;
    private final Broadcast<int[]> shardOf;

    Lookup(Broadcast<int[]> shardOf, int rows) {
      super(rows);
      this.shardOf = shardOf;
    }

    @Override
    int shard(int row) {
      return shardOf.value()[row];
    }
  }

  /** Partition p holds rows [floor(p n / P), floor((p + 1) n / P)). */
  static final class Contiguous extends Router {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    Contiguous(int rows, int partitions) {
      super(rows);
      this.partitions = partitions;
    }

    @Override
    int shard(int row) {
      // The largest p with floor(p n / P) <= row.
      return (int) ((((long) row + 1) * partitions - 1) / rows);
    }
  }

  /** One input partition's rows, checked, converted and grouped into one chunk per shard. */
  static final class ToChunks
      implements PairFlatMapFunction<Iterator<Tuple2<Tuple2<Row, Long>, Long>>, Integer,
          ShardChunk> {
    private static final long serialVersionUID = 1L;
    private final Router router;
    private final Targets targets;
    private final int features;
    private final String featuresCol;
    private final String labelCol;
    final int partitions;

    ToChunks(Router router, Targets targets, int features, String featuresCol, String labelCol,
        int partitions) {
      this.router = router;
      this.targets = targets;
      this.features = features;
      this.featuresCol = featuresCol;
      this.labelCol = labelCol;
      this.partitions = partitions;
    }

    @Override
    public Iterator<Tuple2<Integer, ShardChunk>> call(
        Iterator<Tuple2<Tuple2<Row, Long>, Long>> it) {
      Builder[] shards = new Builder[partitions];
      while (it.hasNext()) {
        Tuple2<Tuple2<Row, Long>, Long> t = it.next();
        int id = router.check(t._2());
        int p = router.shard(id);
        if (shards[p] == null) {
          shards[p] = new Builder(features, targets.width(), targets.classification());
        }
        shards[p].add(id, t._1()._2(), t._1()._1(), this);
      }
      List<Tuple2<Integer, ShardChunk>> out = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        if (shards[p] != null) out.add(new Tuple2<>(p, shards[p].chunk(p)));
      }
      return out.iterator();
    }

    /** Writes the features of row {@code id} into x[off, off + features). Modified: x. */
    void features(long id, Row row, float[] x, int off) {
      Object v = row.get(0);
      if (v == null) throw bad(id, "column '" + featuresCol + "': the features vector is null");
      Vector vec = (Vector) v;
      if (vec.size() != features) {
        throw bad(id, "column '" + featuresCol + "': the features vector has " + vec.size()
            + " values, the network expects " + features);
      }
      if (vec instanceof DenseVector dv) {
        double[] values = dv.values();
        for (int j = 0; j < features; j++) x[off + j] = value(id, j, values[j]);
      } else if (vec instanceof SparseVector sv) {
        Arrays.fill(x, off, off + features, 0f);
        int[] idx = sv.indices();
        double[] values = sv.values();
        for (int i = 0; i < idx.length; i++) x[off + idx[i]] = value(id, idx[i], values[i]);
      } else {
        for (int j = 0; j < features; j++) x[off + j] = value(id, j, vec.apply(j));
      }
    }

    private float value(long id, int j, double v) {
      float f = (float) v;
      if (!Float.isFinite(f)) {
        String range = Double.isFinite(v) ? ", beyond the float range" : "";
        throw bad(id, "column '" + featuresCol + "': feature " + j + " is " + v + range);
      }
      return f;
    }

    /** The label as a class index (classification) or a target value (regression). */
    double label(long id, Row row) {
      Object v = row.get(1);
      if (v == null) throw bad(id, "column '" + labelCol + "': the label is null");
      double y = ((Number) v).doubleValue();
      if (targets.classification()) {
        if (!(y >= 0 && y < targets.classes() && y == Math.rint(y))) {
          throw bad(id, "column '" + labelCol + "': label " + v + " is not a class index in [0, "
              + targets.classes() + ")");
        }
      } else if (!Float.isFinite((float) y)) {
        throw bad(id, "column '" + labelCol + "': label " + v + " is not a finite float");
      }
      return y;
    }

    private static DataException bad(long id, String detail) {
      return new DataException(SOURCE, "record " + id, detail);
    }
  }

  /** Growable arrays of one shard's rows from one input partition. */
  static final class Builder {
    private final int d;
    private final int k;
    private int n;
    private int[] ids = new int[64];
    private float[] x;
    private float[] y;
    private int[] labels;

    Builder(int d, int k, boolean classification) {
      this.d = d;
      this.k = k;
      x = new float[64 * d];
      y = new float[64 * k];
      labels = classification ? new int[64] : null;
    }

    /** Adds the row at position {@code id}; errors name it as {@code record}. */
    void add(int id, long record, Row row, ToChunks conv) {
      if (n == ids.length) {
        int cap = n * 2;
        ids = Arrays.copyOf(ids, cap);
        x = Arrays.copyOf(x, cap * d);
        y = Arrays.copyOf(y, cap * k);
        if (labels != null) labels = Arrays.copyOf(labels, cap);
      }
      conv.features(record, row, x, n * d);
      double label = conv.label(record, row);
      if (labels == null) {
        y[n] = (float) label;
      } else {
        int c = (int) label;
        labels[n] = c;
        if (k == 1) {
          y[n] = c;
        } else {
          Arrays.fill(y, n * k, n * k + k, 0f);
          y[n * k + c] = 1f;
        }
      }
      ids[n++] = id;
    }

    ShardChunk chunk(int shard) {
      int[] l = labels == null ? null : Arrays.copyOf(labels, n);
      Block b = new Block(n, d, k, Arrays.copyOf(x, n * d), Arrays.copyOf(y, n * k), l);
      return new ShardChunk(shard, Arrays.copyOf(ids, n), b);
    }
  }
}
