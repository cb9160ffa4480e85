package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Datasets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad data read by the executors fails in {@link FileData#load}, before any training, with the
 * error the local reader gives (file and 1-based line) for text, and the file, row and column for
 * Parquet; nothing stays cached. The bad row sits deep in a file that Spark cuts into many splits,
 * so its line number has to be counted across splits.
 */
class FileDataErrorsTest {
  static SparkSession spark;
  static JavaSparkContext jsc;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    spark.conf().set("spark.sql.files.maxPartitionBytes", "1500");
    spark.conf().set("spark.sql.files.openCostInBytes", "100");
    // Failing tasks would log their expected exceptions with stack traces.
    spark.sparkContext().setLogLevel("OFF");
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @AfterEach
  void nothingStaysCached() {
    assertTrue(jsc.getPersistentRDDs().isEmpty(), "cached: " + jsc.getPersistentRDDs());
  }

  static DataSpec spec(String format, String path, int classes, String label) {
    return new DataSpec(format, path, "", 0, 0, "", "", 0, "", "", Task.CLASSIFICATION, classes,
        label, "auto", ',', 0, "standard");
  }

  /** A 400-row CSV with a header and blank lines, with row 350's line replaced by {@code bad}. */
  static String csvWith(String name, String bad) throws IOException {
    Block b = TestSpark.blobs(400, 11);
    StringBuilder sb = new StringBuilder("a,b,c,d,label\n");
    for (int r = 0; r < 400; r++) {
      if (r == 350) {
        sb.append(bad).append('\n');
        continue;
      }
      for (int j = 0; j < 4; j++) sb.append(b.x[r * 4 + j]).append(',');
      sb.append(b.labels[r]).append('\n');
      if (r % 37 == 0) sb.append('\n');
    }
    Path p = dir.resolve(name);
    Files.writeString(p, sb, StandardCharsets.UTF_8);
    return p.toString();
  }

  /** The executors' error equals the local reader's, and names the file and the line. */
  static void sameErrorAsLocally(DataSpec spec, String expectedPart) {
    DataException local = assertThrows(DataException.class, () -> Datasets.load(spec, 1));
    DataException remote = assertThrows(DataException.class,
        () -> FileData.load(spark, spec, 1, 2, 20, false));
    assertTrue(remote.source().endsWith(Path.of(spec.train()).getFileName().toString()),
        remote.getMessage());
    assertEquals(local.location(), remote.location());
    assertEquals(local.detail(), remote.detail());
    assertTrue(remote.getMessage().contains(expectedPart), remote.getMessage());
  }

  @Test
  void aNonNumberNamesTheFileLineAndColumn() throws IOException {
    String path = csvWith("nonnumber.csv", "1.5,oops,2,3,1");
    // Line 1 the header, then rows 0..349 and a blank line after rows 0, 37, ..., 333 (10).
    sameErrorAsLocally(spec("csv", path, 0, ""), "row 362, column 2 'b'");
  }

  @Test
  void theFirstBadRowInFileOrderIsReportedWhicheverTaskFinishesFirst() throws IOException {
    String path = csvWith("two.csv", "1.5,late,2,3,1");
    String text = Files.readString(Path.of(path)).replaceFirst("\n([^\n]*\n){40}",
        "$0early,1,2,3,0\n");
    Files.writeString(Path.of(path), text);
    sameErrorAsLocally(spec("csv", path, 0, ""), "'early' is not a number");
  }

  @Test
  void nanIsRefused() throws IOException {
    sameErrorAsLocally(spec("csv", csvWith("nan.csv", "1.5,2,NaN,3,1"), 0, ""),
        "row 362, column 3 'c'");
  }

  @Test
  void aWrongColumnCountIsRefused() throws IOException {
    sameErrorAsLocally(spec("csv", csvWith("columns.csv", "1.5,2,3,1"), 0, ""),
        "row 362: 4 fields, expected 5");
  }

  @Test
  void aLabelOutOfRangeIsRefused() throws IOException {
    sameErrorAsLocally(spec("csv", csvWith("label.csv", "1.5,2,3,4,7"), 3, ""),
        "row 362, column 5 'label'");
  }

  @Test
  void aBadLibSvmTokenIsRefused() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < 300; r++) sb.append(r % 3).append(r == 250 ? " 1:2 1:3\n" : " 1:0.5 3:2\n");
    Path p = dir.resolve("bad.svm");
    Files.writeString(p, sb);
    sameErrorAsLocally(spec("libsvm", p.toString(), 0, ""), "row 251, token 3");
  }

  /** Parquet in two part directories: rows 0..99 in p0, 100..199 in p1, row {@code bad} edited. */
  static String parquet(String name, int bad, Object badValue, String badColumn) {
    StructType schema = new StructType().add("label", DataTypes.DoubleType, true)
        .add("f0", DataTypes.DoubleType, true).add("f1", DataTypes.DoubleType, true);
    for (int part = 0; part < 2; part++) {
      List<Row> rows = new ArrayList<>();
      for (int r = part * 100; r < part * 100 + 100; r++) {
        Object[] v = {(double) (r % 3), r * 0.5, 1.0};
        if (r == bad) v[schema.fieldIndex(badColumn)] = badValue;
        rows.add(RowFactory.create(v));
      }
      spark.createDataFrame(rows, schema).coalesce(1).write()
          .parquet(dir.resolve(name + "/p" + part).toString());
    }
    return dir.resolve(name) + "/p*/*.parquet";
  }

  static DataException refused(DataSpec spec) {
    return assertThrows(DataException.class, () -> FileData.load(spark, spec, 1, 2, 20, false));
  }

  @Test
  void aNullInParquetNamesThePartFileRowAndColumn() {
    DataException e = refused(spec("parquet", parquet("null", 150, null, "f1"), 0, ""));
    assertTrue(e.source().contains("/p1/part-"), e.getMessage());
    assertEquals("row 51, column 'f1'", e.location());
    assertEquals("the value is null", e.detail());
  }

  @Test
  void nanInParquetIsRefused() {
    DataException e = refused(spec("parquet", parquet("pnan", 42, Double.NaN, "f0"), 0, ""));
    assertTrue(e.source().contains("/p0/part-"), e.getMessage());
    assertEquals("row 43, column 'f0'", e.location());
    assertTrue(e.detail().contains("NaN"), e.getMessage());
  }

  @Test
  void aParquetLabelOutOfRangeIsRefused() {
    DataException e = refused(spec("parquet", parquet("plabel", 199, 3.0, "label"), 3, ""));
    assertEquals("row 100, column 'label'", e.location());
    assertTrue(e.detail().contains("not a class index in [0, 3)"), e.getMessage());
  }

  @Test
  void aSchemaWithoutTheLabelColumnIsRefused() {
    DataException e = refused(spec("parquet", parquet("nolabel", -1, null, "f0"), 0, "target"));
    assertEquals("column 'target'", e.location());
    assertTrue(e.detail().contains("no such label column"), e.getMessage());
    assertTrue(e.detail().contains("[label, f0, f1]"), e.getMessage());
  }

  @Test
  void aNonNumericParquetColumnIsRefused() {
    StructType schema = new StructType().add("label", DataTypes.DoubleType, true)
        .add("name", DataTypes.StringType, true);
    spark.createDataFrame(List.of(RowFactory.create(1.0, "x")), schema).write()
        .parquet(dir.resolve("strings").toString());
    DataException e = refused(spec("parquet", dir.resolve("strings").toString(), 0, ""));
    assertEquals("column 'name'", e.location());
  }
}
