package dev.sparkmlp.ml;

import java.io.Serializable;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * {@code transform} for both models, a partition at a time: the features of up to
 * {@link MlpModelData#BATCH} rows go through the network together (one GEMM per layer), where
 * Spark's default transform runs one matrix-vector product per row inside a UDF. Each output row
 * is its input row followed by the model's new columns, in the order of the output schema.
 */
final class BatchTransform {
  private BatchTransform() {}

  /** The new columns' values for one row, from its raw outputs z[off, off + k). */
  interface Columns extends Serializable {
    Object[] of(double[] z, int off, int k);
  }

  /**
   * The rows of {@code dataset} with the columns of {@code columns} appended; lazy, as every
   * transform is.
   *
   * @param out the output schema (the input's fields, then the new ones)
   */
  static Dataset<Row> transform(Dataset<?> dataset, StructType out, String featuresCol,
      MlpModelData data, Columns columns) {
    Dataset<Row> df = dataset.toDF();
    return df.mapPartitions(partitions(df, featuresCol, data, columns), Encoders.row(out));
  }

  /**
   * What each partition of {@code df} runs: the weights travel in a broadcast
   * ({@link MlpModelData#shipped}), not in the function, which holds only the column's index and
   * name, the broadcast's handle and {@code columns}.
   */
  static MapPartitionsFunction<Row, Row> partitions(Dataset<Row> df, String featuresCol,
      MlpModelData data, Columns columns) {
    int field = df.schema().fieldIndex(featuresCol);
    org.apache.spark.broadcast.Broadcast<byte[]> weights =
        data.shipped(df.sparkSession().sparkContext());
    return rows -> new Batches(rows, field, featuresCol, MlpModelData.received(weights), columns);
  }

  /** The output rows of one partition, computed a batch ahead. */
  private static final class Batches implements Iterator<Row> {
    private final Iterator<Row> in;
    private final int field;
    private final String featuresCol;
    private final MlpModelData data;
    private final Columns columns;
    private final int inputs;
    private final int k;
    private final Row[] rows = new Row[MlpModelData.BATCH];
    private final float[] x;
    private final double[] z;
    private int n;
    private int next;

    Batches(Iterator<Row> in, int field, String featuresCol, MlpModelData data, Columns columns) {
      this.in = in;
      this.field = field;
      this.featuresCol = featuresCol;
      this.data = data;
      this.columns = columns;
      this.inputs = data.inputs();
      this.k = data.outputs();
      this.x = new float[MlpModelData.BATCH * inputs];
      this.z = new double[MlpModelData.BATCH * k];
    }

    @Override
    public boolean hasNext() {
      return next < n || fill();
    }

    private boolean fill() {
      n = 0;
      next = 0;
      while (n < MlpModelData.BATCH && in.hasNext()) {
        Row r = in.next();
        Object v = r.get(field);
        if (v == null) {
          throw new IllegalArgumentException("column '" + featuresCol + "': a null features vector");
        }
        try {
          data.toFloats((Vector) v, x, n * inputs);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("column '" + featuresCol + "': " + e.getMessage(), e);
        }
        rows[n++] = r;
      }
      if (n > 0) data.forwardBatch(x, n, z);
      return n > 0;
    }

    @Override
    public Row next() {
      if (!hasNext()) throw new NoSuchElementException();
      Row r = rows[next];
      rows[next] = null;
      Object[] added = columns.of(z, next * k, k);
      next++;
      Object[] values = new Object[r.length() + added.length];
      for (int i = 0; i < r.length(); i++) values[i] = r.get(i);
      System.arraycopy(added, 0, values, r.length(), added.length);
      return RowFactory.create(values);
    }
  }
}
