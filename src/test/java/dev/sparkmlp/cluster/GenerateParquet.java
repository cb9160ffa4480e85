package dev.sparkmlp.cluster;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * A Spark job that writes a synthetic classification dataset as Parquet, generated on the
 * executors: nothing but the plan passes through the driver.
 *
 * <pre>
 * GenerateParquet OUTPUT ROWS FEATURES PARTITIONS SEED
 * columns: label (int), f0 .. f{FEATURES-1} (float)
 * f_j   = U[0,1) from rand(SEED + j), a function of the partition and the row within it
 * label = 1 if f0 + f1 &gt; 1 else 0
 * </pre>
 *
 * It prints {@code rows=<count written>} at the end. The same arguments give the same rows.
 */
public final class GenerateParquet {
  private GenerateParquet() {}

  public static void main(String[] args) {
    if (args.length != 5) {
      System.err.println("usage: GenerateParquet OUTPUT ROWS FEATURES PARTITIONS SEED");
      System.exit(2);
    }
    String output = args[0];
    long rows = Long.parseLong(args[1]);
    int features = Integer.parseInt(args[2]);
    int partitions = Integer.parseInt(args[3]);
    long seed = Long.parseLong(args[4]);
    SparkSession spark = SparkSession.builder().appName("sparkmlp-generate-parquet").getOrCreate();
    try {
      List<Column> cols = new ArrayList<>();
      for (int j = 0; j < features; j++) {
        cols.add(rand(seed + j).cast(DataTypes.FloatType).as("f" + j));
      }
      Dataset<Row> x = spark.range(0, rows, 1, partitions).select(cols.toArray(new Column[0]));
      Column label = when(col("f0").plus(col("f1")).gt(lit(1.0f)), lit(1)).otherwise(lit(0));
      List<Column> out = new ArrayList<>();
      out.add(label.as("label"));
      for (int j = 0; j < features; j++) out.add(col("f" + j));
      // Uncompressed: random floats do not compress, and the codec would only cost CPU.
      x.select(out.toArray(new Column[0])).write().mode("error").option("compression", "none")
          .parquet(output);
      long written = spark.read().parquet(output).count();
      System.out.println("rows=" + written);
    } finally {
      spark.stop();
    }
  }
}
