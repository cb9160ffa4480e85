package dev.sparkmlp.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.cli.Main;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.io.ModelIO;
import dev.sparkmlp.io.SavedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fit does with the rows: the same trajectory as the CLI's Spark engine, and bad input found
 * before training with an error that names the column and the row.
 */
class MlpDataTest {
  private static SparkSession spark;

  @TempDir
  Path tmp;

  /** Spark logs each refused row's task failure with a stack trace; the tests check the error. */
  private static final List<String> TASK_LOGGERS = List.of(
      "org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager");

  @BeforeAll
  static void start() {
    spark = MlSpark.start();
    for (String l : TASK_LOGGERS) Configurator.setLevel(l, Level.OFF);
  }

  @AfterAll
  static void stop() {
    for (String l : TASK_LOGGERS) Configurator.setLevel(l, Level.WARN);
    MlSpark.stop(spark);
  }

  /**
   * The same already-scaled CSV rows through {@code sparkmlp train --engine spark} and through
   * VectorAssembler + MlpClassifier: the final weights and batch-norm statistics are bitwise
   * equal. The values are multiples of 1/64, exact in float and double, so that parsing does not
   * differ between the CLI's float reader and Spark's double one.
   */
  @Test
  void fitFollowsTheCliSparkEngineBitForBit() throws Exception {
    Path csv = blobsCsv("blobs.csv", 500, 11);
    Path out = tmp.resolve("cli");
    int code = Main.run("train", "--train", csv.toString(), "--format", "csv", "--scale", "none",
        "--engine", "spark", "--master", "local[2]", "--partitions", "2", "--layers", "16,12",
        "--epochs", "3", "--batch-size", "32", "--seed", "7", "--lr", "0.01", "--quiet",
        "--set", "model.dropout=0.1", "--set", "model.batch-norm=true", "--set", "train.l2=0.01",
        "--set", "train.schedule.kind=cosine", "--output", out.toString());
    assertEquals(0, code);
    SavedModel cli = ModelIO.load(out.resolve("model").toString());

    Dataset<Row> assembled = assembled(csv);
    MlpClassificationModel model = new MlpClassifier().setHiddenLayers(16, 12).setMaxIter(3)
        .setBatchSize(32).setSeed(7).setStepSize(0.01).setNumPartitions(2).setDropout(0.1)
        .setNormalization("batch").setL2(0.01).setLrSchedule("cosine").fit(assembled);
    SavedModel ml = model.savedModel();

    assertEquals(cli.spec(), ml.spec());
    assertTrue(cli.buffers().length > 0, "batch norm has running statistics");
    assertArrayEquals(bits(cli.params()), bits(ml.params()));
    assertArrayEquals(bits(cli.buffers()), bits(ml.buffers()));
  }

  /**
   * microBatch through the estimator follows {@code train.micro-batch} of the CLI's Spark engine
   * bit for bit, and differs from the unsplit fit (its sums are added in another order) by float
   * rounding only.
   */
  @Test
  void microBatchFollowsTheCliBitForBit() throws Exception {
    Path csv = blobsCsv("micro.csv", 400, 5);
    Path out = tmp.resolve("cli-micro");
    int code = Main.run("train", "--train", csv.toString(), "--format", "csv", "--scale", "none",
        "--engine", "spark", "--master", "local[2]", "--partitions", "2", "--layers", "12",
        "--epochs", "2", "--batch-size", "40", "--seed", "3", "--lr", "0.01", "--quiet",
        "--set", "model.dropout=0.2", "--set", "train.micro-batch=7",
        "--output", out.toString());
    assertEquals(0, code);
    SavedModel cli = ModelIO.load(out.resolve("model").toString());

    Dataset<Row> assembled = assembled(csv);
    MlpClassifier c = new MlpClassifier().setHiddenLayers(12).setMaxIter(2).setBatchSize(40)
        .setSeed(3).setStepSize(0.01).setNumPartitions(2).setDropout(0.2);
    float[] micro = c.copy(new ParamMap()).setMicroBatch(7).fit(assembled).savedModel().params();
    float[] whole = c.fit(assembled).savedModel().params();

    assertArrayEquals(bits(cli.params()), bits(micro));
    assertFalse(Arrays.equals(bits(whole), bits(micro)), "the sums are added in another order");
    assertArrayEquals(whole, micro, 1e-4f);
  }

  @Test
  void microBatchThatWouldSplitBatchNormIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> quick().setNormalization("batch").setMicroBatch(2)
            .fit(MlSpark.frame(spark, rows())));
    assertTrue(e.getMessage().startsWith("param microBatch 2 would split a shard's 5 rows"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> quick().setMicroBatch(-1));
  }

  /** {@code n} blob rows as a CSV file f0..f3,label in the temporary directory. */
  private Path blobsCsv(String name, int n, long seed) throws java.io.IOException {
    StringBuilder sb = new StringBuilder("f0,f1,f2,f3,label\n");
    for (Row r : MlSpark.blobRows(n, seed)) {
      for (double v : ((Vector) r.get(0)).toArray()) sb.append(v).append(',');
      sb.append((int) r.getDouble(1)).append('\n');
    }
    Path csv = tmp.resolve(name);
    Files.writeString(csv, sb.toString());
    return csv;
  }

  /** The CSV of {@link #blobsCsv} read by Spark, its features assembled into one vector. */
  private static Dataset<Row> assembled(Path csv) {
    StructType schema = new StructType().add("f0", DataTypes.DoubleType)
        .add("f1", DataTypes.DoubleType).add("f2", DataTypes.DoubleType)
        .add("f3", DataTypes.DoubleType).add("label", DataTypes.DoubleType);
    return new VectorAssembler()
        .setInputCols(new String[] {"f0", "f1", "f2", "f3"}).setOutputCol("features")
        .transform(spark.read().option("header", "true").schema(schema).csv(csv.toString()));
  }

  static int[] bits(float[] a) {
    int[] b = new int[a.length];
    for (int i = 0; i < a.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
    return b;
  }

  private static MlpClassifier quick() {
    return new MlpClassifier().setHiddenLayers(8).setMaxIter(1).setBatchSize(10)
        .setNumPartitions(2);
  }

  private static List<Row> rows() {
    return new ArrayList<>(MlSpark.blobRows(40, 3));
  }

  private static DataException refused(List<Row> rows) {
    return refused(MlSpark.frame(spark, rows));
  }

  private static DataException refused(Dataset<Row> df) {
    return assertThrows(DataException.class, () -> quick().fit(df));
  }

  @Test
  void wrongColumnTypeNamesTheColumn() {
    Dataset<Row> strings = MlSpark.frame(spark, rows()).selectExpr("cast(label as string) as"
        + " features", "label");
    assertEquals("DataFrame: column 'features': features must be an"
        + " org.apache.spark.ml.linalg.Vector column (VectorAssembler makes one), not string",
        refused(strings).getMessage());
    Dataset<Row> labels = MlSpark.frame(spark, rows()).selectExpr("features",
        "cast(label as string) as label");
    assertEquals("DataFrame: column 'label': the label must be numeric, not string",
        refused(labels).getMessage());
  }

  @Test
  void wrongVectorWidthNamesTheRow() {
    List<Row> rows = rows();
    rows.set(7, RowFactory.create(Vectors.dense(1, 2, 3), 1.0));
    assertEquals("DataFrame: record 7: column 'features': the features vector has 3 values,"
        + " the network expects 4", refused(rows).getMessage());
  }

  @Test
  void nanAndInfinityNameTheRow() {
    List<Row> rows = rows();
    rows.set(11, RowFactory.create(Vectors.dense(1, 2, Double.NaN, 4), 1.0));
    assertEquals("DataFrame: record 11: column 'features': feature 2 is NaN",
        refused(rows).getMessage());
    rows = rows();
    rows.set(30, RowFactory.create(Vectors.sparse(4, new int[] {1}, new double[] {
        Double.NEGATIVE_INFINITY}), 0.0));
    assertEquals("DataFrame: record 30: column 'features': feature 1 is -Infinity",
        refused(rows).getMessage());
  }

  @Test
  void nullsNameTheRow() {
    List<Row> rows = rows();
    rows.set(5, RowFactory.create(null, 1.0));
    assertEquals("DataFrame: record 5: column 'features': the features vector is null",
        refused(rows).getMessage());
    rows = rows();
    rows.set(9, RowFactory.create(Vectors.dense(1, 2, 3, 4), null));
    assertEquals("DataFrame: record 9: column 'label': the label is null",
        refused(rows).getMessage());
  }

  @Test
  void labelsOutOfRangeOrNotIntegersNameTheRow() {
    List<Row> rows = rows();
    rows.set(13, RowFactory.create(Vectors.dense(1, 2, 3, 4), -1.0));
    assertEquals("DataFrame: record 13: column 'label': label -1.0 is not a class index in"
        + " [0, 3)", refused(rows).getMessage());
    rows = rows();
    rows.set(14, RowFactory.create(Vectors.dense(1, 2, 3, 4), 1.5));
    assertEquals("DataFrame: record 14: column 'label': label 1.5 is not a class index in"
        + " [0, 3)", refused(rows).getMessage());
  }

  @Test
  void emptyDataFrameIsRefused() {
    assertEquals("DataFrame: no data rows", refused(new ArrayList<>()).getMessage());
  }

  @Test
  void validationRowsAreCheckedAndNamedByTheirPlaceInTheWholeDataFrame() {
    List<Row> base = rows();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < base.size(); i++) {
      Row r = base.get(i);
      Object features = i == 22 ? Vectors.dense(1, Double.NaN, 3, 4) : r.get(0);
      rows.add(RowFactory.create(features, r.get(1), i % 4 == 2 ? Boolean.TRUE
          : i == 17 ? null : Boolean.FALSE));
    }
    StructType schema = MlSpark.SCHEMA.add("isVal", DataTypes.BooleanType, true);
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    DataException e = assertThrows(DataException.class,
        () -> quick().setValidationIndicatorCol("isVal").fit(df));
    assertEquals("DataFrame: record 17: column 'isVal': the validation indicator is null",
        e.getMessage());
    rows.set(17, RowFactory.create(base.get(17).get(0), base.get(17).get(1), Boolean.FALSE));
    Dataset<Row> df2 = spark.createDataFrame(rows, schema);
    e = assertThrows(DataException.class,
        () -> quick().setValidationIndicatorCol("isVal").fit(df2));
    assertEquals("DataFrame: record 22: column 'features': feature 1 is NaN", e.getMessage());
  }
}
