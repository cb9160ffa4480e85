package dev.sparkmlp.ml;

import dev.sparkmlp.math.Rng;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** A quiet local[2] session for the ml tests, and small data sets. */
final class MlSpark {
  private MlSpark() {}

  static SparkSession start() {
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
    SparkSession.getDefaultSession().foreach(s -> {
      s.stop();
      return null;
    });
    Logs.quiet();
    SparkConf conf = new SparkConf()
        .setMaster("local[2]")
        .setAppName("sparkmlp-ml-test")
        .set("spark.ui.enabled", "false")
        .set("spark.sql.shuffle.partitions", "2")
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrator", "dev.sparkmlp.spark.SparkMlpKryoRegistrator");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  static void stop(SparkSession spark) {
    if (spark != null) spark.stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  static final StructType SCHEMA = new StructType()
      .add("features", SQLDataTypes.VectorType(), true)
      .add("label", DataTypes.DoubleType, true);

  /** Three Gaussian blobs in 4 dimensions, class c centred at 2 e_c; dyadic values. */
  static List<Row> blobRows(int n, long seed) {
    List<Row> rows = new ArrayList<>();
    long key = Rng.key(seed, 5);
    for (int r = 0; r < n; r++) {
      int c = Rng.below(key, r, 3);
      double[] x = new double[4];
      for (int j = 0; j < 4; j++) {
        double v = Rng.gaussian(key, 1000L + r * 4L + j) * 0.8 + (j == c ? 2 : 0);
        x[j] = Math.round(v * 64) / 64.0;
      }
      rows.add(RowFactory.create(Vectors.dense(x), (double) c));
    }
    return rows;
  }

  static Dataset<Row> frame(SparkSession spark, List<Row> rows) {
    return spark.createDataFrame(rows, SCHEMA);
  }

  static Dataset<Row> blobs(SparkSession spark, int n, long seed) {
    return frame(spark, blobRows(n, seed));
  }
}
