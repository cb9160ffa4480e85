package dev.sparkmlp.spark;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Scaler;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.io.Fs;
import dev.sparkmlp.math.Vec;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.Workspace;
import dev.sparkmlp.train.DataSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Predictions of a saved model for data files that the executors read ({@link FileBlocks}: csv,
 * libsvm, parquet, orc), written by the executors as a directory of CSV (with a header) or
 * Parquet part files. The columns are those of the CLI's local predict: for a classifier
 * {@code prediction} (the class) and {@code p0..p(K-1)} (the probabilities; {@code p1} alone for
 * one sigmoid output), for a regressor {@code y0..}. Part file i holds the i-th contiguous range
 * of rows, so reading the parts in name order gives the input's row order.
 *
 * <p>The input is read and checked before anything is written; the output directory is written
 * under a temporary name and renamed into place ({@link Fs#writeDirectoryAtomically}), so a
 * failed run leaves whatever was at the output path before.
 */
public final class SparkPrediction {
  /** Rows per forward pass inside a task. */
  static final int CHUNK = 1024;

  private SparkPrediction() {}

  /**
   * Reads the rows of {@code dataPath} as {@code spec} says, scales them with {@code scaler} (null:
   * none), predicts and writes {@code output} ({@code format} csv or parquet). Returns the number
   * of rows.
   *
   * @param classes the model's classes (classification), 0 for a regressor
   */
  public static long write(SparkSession spark, DataSpec spec, String dataPath, Network net,
      float[] params, float[] buffers, Scaler scaler, int classes, int partitions, String output,
      String format) {
    String f = format.toLowerCase(Locale.ROOT);
    if (!f.equals("csv") && !f.equals("parquet")) {
      throw new IllegalArgumentException("predictions are written as csv or parquet, not " + format);
    }
    boolean classifier = spec.task() == Task.CLASSIFICATION;
    int k = classifier ? (net.outputs() == 1 ? 2 : net.outputs()) : 0;
    boolean libsvm = spec.format().equals("libsvm");
    FileBlocks.Scan scan = FileBlocks.scan(spark,
        FileData.format(spark, spec, dataPath, libsvm ? net.inputs() : 0, classes),
        dataPath, new FileBlocks.ShapeRule(net.inputs(), k, classifier, !libsvm));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int n = scan.rows();
    int p = Math.max(1, Math.min(partitions, n));
    int[] all = new int[n];
    for (int i = 0; i < n; i++) all[i] = i;
    Broadcast<int[]> table = jsc.broadcast(FileBlocks.contiguousTable(n, all, p));
    Broadcast<Network> netB = jsc.broadcast(net);
    Broadcast<StepWeights> w = jsc.broadcast(new StepWeights(params, buffers));
    JavaRDD<ShardBlock> blocks = null;
    try {
      blocks = FileBlocks.layout(spark, scan, new FileBlocks.Table(table, n), p, scaler,
          "sparkmlp prediction rows");
      JavaRDD<Row> rows = blocks.mapPartitions(new PredictOp(netB, w, classifier));
      StructType schema = schema(net.outputs(), classifier);
      Fs.writeDirectoryAtomically(output, tmp -> spark.createDataFrame(rows, schema).write()
          .mode(SaveMode.Overwrite).option("header", "true").format(f).save(sparkPath(tmp)));
      return n;
    } finally {
      if (blocks != null) Release.rdd(blocks);
      Release.broadcast(table);
      Release.broadcast(netB);
      Release.broadcast(w);
    }
  }

  /** A path Spark resolves as Fs does: one without a scheme is local, not on the default FS. */
  static String sparkPath(String path) {
    return path.matches("^[A-Za-z][A-Za-z0-9+.\\-]+:.*") ? path
        : new java.io.File(path).getAbsoluteFile().toURI().toString();
  }

  static StructType schema(int outputs, boolean classifier) {
    StructType s = new StructType();
    if (classifier) s = s.add("prediction", DataTypes.IntegerType, false);
    for (int j = 0; j < outputs; j++) {
      String name = classifier ? (outputs == 1 ? "p1" : "p" + j) : "y" + j;
      s = s.add(name, DataTypes.FloatType, false);
    }
    return s;
  }

  /** One partition's predictions, in row order. */
  static final class PredictOp implements FlatMapFunction<Iterator<ShardBlock>, Row> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<Network> net;
    private final Broadcast<StepWeights> weights;
    private final boolean classifier;

    PredictOp(Broadcast<Network> net, Broadcast<StepWeights> weights, boolean classifier) {
      this.net = net;
      this.weights = weights;
      this.classifier = classifier;
    }

    @Override
    public Iterator<Row> call(Iterator<ShardBlock> it) {
      Network nw = net.value();
      StepWeights w = weights.value();
      int k = nw.outputs();
      Workspace ws = nw.newWorkspace(CHUNK);
      List<Row> out = new ArrayList<>();
      while (it.hasNext()) {
        Block b = it.next().block;
        for (int from = 0; from < b.rows; from += CHUNK) {
          int m = Math.min(CHUNK, b.rows - from);
          float[] y = nw.predict(w.params, w.buffers, b.x, from * b.features, m, ws);
          for (int r = 0; r < m; r++) {
            Object[] v = new Object[k + (classifier ? 1 : 0)];
            int at = 0;
            if (classifier) v[at++] = k == 1 ? (y[r] >= 0.5f ? 1 : 0) : Vec.argmax(y, r * k, k);
            for (int j = 0; j < k; j++) v[at++] = y[r * k + j];
            out.add(RowFactory.create(v));
          }
        }
      }
      return out.iterator();
    }
  }
}
