package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Datasets;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.GradientSource;
import dev.sparkmlp.train.LocalEvaluator;
import dev.sparkmlp.train.LocalGradients;
import dev.sparkmlp.train.Metrics;
import dev.sparkmlp.train.Trainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Files read by the executors ({@link FileData}) against the same files read on the driver
 * ({@link Datasets}): the same rows, scaler and shards, so the same trajectory bit for bit. Spark
 * is made to cut the files into many small splits, packed several to a task, so the row order
 * has to come from (path, row within the file) and not from the tasks.
 */
class FileDataTest {
  static final long SEED = 21;
  static SparkSession spark;
  static JavaSparkContext jsc;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // A glob read warns, with a stack trace, that it has no streaming metadata (as ml.Logs says).
    org.apache.logging.log4j.core.config.Configurator.setLevel(
        "org.apache.spark.sql.execution.streaming.sinks.FileStreamSink",
        org.apache.logging.log4j.Level.ERROR);
    // About 30 rows per split, and several splits per task.
    spark.conf().set("spark.sql.files.maxPartitionBytes", "1500");
    spark.conf().set("spark.sql.files.openCostInBytes", "100");
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  static DataSpec spec(String format, String train, String validation, double split,
      String test, String scale) {
    return new DataSpec(format, train, "", 0, 0, validation, "", split, test, "",
        Task.CLASSIFICATION, 0, "", "auto", ',', 0, scale);
  }

  /** Blob rows as CSV lines "x0,x1,x2,x3,label", with a blank line now and then. */
  static String csvRows(Block b, int from, int to) {
    StringBuilder sb = new StringBuilder();
    for (int r = from; r < to; r++) {
      for (int j = 0; j < b.features; j++) sb.append(b.x[r * b.features + j]).append(',');
      sb.append(b.labels[r]).append('\n');
      if (r % 37 == 0) sb.append("  \n");
    }
    return sb.toString();
  }

  static String write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p.toString();
  }

  static final String HEADER = "a,b,c,d,label\n";

  /** One file, 400 rows (blank lines between some), header. */
  static String oneFile() throws IOException {
    Block b = TestSpark.blobs(400, 11);
    return write("one/train.csv", HEADER + csvRows(b, 0, 400));
  }

  record Run(float[] params, List<Metrics> validation) {}

  static Run trainLocal(DataSpec spec, int shards) {
    Datasets data = Datasets.load(spec, SEED);
    Network net = Network.build(TestSpark.spec(0.2f, true));
    try (LocalGradients g = new LocalGradients(net, data.train(), 30, shards, 2, SEED);
        Evaluator v = data.validation() == null ? null
            : new LocalEvaluator(net, data.validation(), 2, "validation set")) {
      return fit(net, g, v);
    }
  }

  static Run trainSpark(DataSpec spec, int partitions) {
    Network net = Network.build(TestSpark.spec(0.2f, true));
    try (FileData data = FileData.load(spark, spec, SEED, partitions, 30, false);
        SparkGradients g = data.gradients(net, 30, SEED, 2, 0);
        Evaluator v = data.validation(net, List.of())) {
      return fit(net, g, v);
    }
  }

  static Run fit(Network net, GradientSource g, Evaluator v) {
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, SEED);
    Trainer t = new Trainer(net, TestSpark.config("adam", 0.01f, 2, 30, SEED), w, buf);
    var r = t.fit(g, v, null, null);
    List<Metrics> val = r.history().stream().map(e -> e.validation()).toList();
    return new Run(w, val);
  }

  @ParameterizedTest(name = "{0} partitions, scale {1}")
  @CsvSource({"2, standard", "3, minmax", "2, none"})
  void aCsvReadByExecutorsTrainsBitwiseAsTheLocalReader(int partitions, String scale)
      throws IOException {
    String path = oneFile();
    DataSpec spec = spec("csv", path, "", 0, "", scale);
    Run local = trainLocal(spec, partitions);
    Run remote = trainSpark(spec, partitions);
    assertArrayEquals(local.params(), remote.params(), "weights after 2 epochs");
    Network net = Network.build(TestSpark.spec(0.2f, true));
    float[] w0 = new float[net.paramCount()];
    net.initialize(w0, new float[net.bufferCount()], SEED);
    assertFalse(java.util.Arrays.equals(w0, remote.params()), "training moved the weights");
  }

  @Test
  void aGzipCsvTrainsBitwiseAsTheLocalReader() throws IOException {
    Path gz = dir.resolve("gz/train.csv.gz");
    Files.createDirectories(gz.getParent());
    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(Files.readAllBytes(Path.of(oneFile())));
    }
    DataSpec spec = spec("csv", gz.toString(), "", 0, "", "standard");
    assertArrayEquals(trainLocal(spec, 2).params(), trainSpark(spec, 2).params());
  }

  @Test
  void theScalerIsFittedOnTheExecutorsToTheSameNumbers() throws IOException {
    String path = oneFile();
    for (String kind : new String[] {"standard", "minmax"}) {
      DataSpec spec = spec("csv", path, "", 0.25, "", kind);
      try (FileData data = FileData.load(spark, spec, SEED, 3, 30, false)) {
        assertEquals(Datasets.load(spec, SEED).scaler(), data.scaler(), kind);
        assertTrue(data.trainPieces() > 8, "Spark cut the file into " + data.trainPieces());
        assertEquals(300, data.trainRows());
        assertEquals(100, data.validationRows());
      }
    }
  }

  @Test
  void aHeldOutSplitAndSeveralFilesGiveTheLocalRowsAndTrajectory() throws IOException {
    Block b = TestSpark.blobs(400, 11);
    // Part files in a directory; the sorted paths give the row order, not the listing or size.
    write("parts/part-00002.csv", HEADER + csvRows(b, 300, 400));
    write("parts/part-00000.csv", HEADER + csvRows(b, 0, 50));
    write("parts/part-00001.csv", HEADER + csvRows(b, 50, 300));
    String whole = oneFile();
    Run local = trainLocal(spec("csv", whole, "", 0.2, "", "standard"), 3);
    Run remote = trainSpark(spec("csv", dir.resolve("parts").toString(), "", 0.2, "",
        "standard"), 3);
    assertArrayEquals(local.params(), remote.params());
    for (int e = 0; e < 2; e++) {
      Metrics l = local.validation().get(e);
      Metrics s = remote.validation().get(e);
      assertEquals(80, s.count());
      assertEquals(l.accuracy(), s.accuracy(), 0);
      assertEquals(l.loss(), s.loss(), 1e-6 * l.loss(), "sums of the same losses, other order");
    }
  }

  @Test
  void regressionOnARowRangeTrainsBitwiseAsTheLocalReader() throws IOException {
    Block b = TestSpark.blobs(400, 13);
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < b.rows; r++) {
      float y = 0;
      for (int j = 0; j < 4; j++) {
        y += (j + 1) * b.x[r * 4 + j];
        sb.append(b.x[r * 4 + j]).append(',');
      }
      sb.append(y).append('\n');
    }
    String path = write("reg/train.csv", sb.toString());
    DataSpec spec = new DataSpec("csv", path, "", 30, 300, "", "", 0.1, "", "",
        Task.REGRESSION, 0, "", "false", ',', 0, "standard");
    NetworkSpec ns = NetworkSpec.mlp(4, new int[] {8}, 1, Activation.RELU, 0f, Init.HE_UNIFORM,
        Activation.IDENTITY, Loss.MSE, 0f, false, false);
    Datasets local = Datasets.load(spec, SEED);
    float[][] w = new float[2][];
    for (int run = 0; run < 2; run++) {
      Network net = Network.build(ns);
      w[run] = new float[net.paramCount()];
      float[] buf = new float[net.bufferCount()];
      net.initialize(w[run], buf, SEED);
      Trainer t = new Trainer(net, TestSpark.config("sgd", 0.01f, 2, 30, SEED), w[run], buf);
      if (run == 0) {
        try (LocalGradients g = new LocalGradients(net, local.train(), 30, 3, 2, SEED)) {
          t.fit(g, null, null, null);
        }
      } else {
        try (FileData data = FileData.load(spark, spec, SEED, 3, 30, false);
            SparkGradients g = data.gradients(net, 30, SEED, 2, 0)) {
          assertEquals(270, data.trainRows());
          assertEquals(30, data.validationRows());
          assertEquals(local.scaler(), data.scaler());
          t.fit(g, null, null, null);
        }
      }
    }
    assertArrayEquals(w[0], w[1]);
  }

  @Test
  void libsvmReadByExecutorsTrainsBitwiseAsTheLocalReader() throws IOException {
    Block b = TestSpark.blobs(400, 11);
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < b.rows; r++) {
      sb.append(b.labels[r]);
      for (int j = 0; j < b.features; j++) {
        float v = b.x[r * b.features + j];
        if (v > 0.5f || j == 3 && r == 7) sb.append(' ').append(j + 1).append(':').append(v);
      }
      sb.append(r % 50 == 0 ? " # comment\n" : "\n");
    }
    String path = write("svm/train.txt", sb.toString());
    DataSpec spec = new DataSpec("libsvm", path, "", 0, 0, "", "", 0, "", "",
        Task.CLASSIFICATION, 0, "", "auto", ',', 0, "standard");
    assertArrayEquals(trainLocal(spec, 2).params(), trainSpark(spec, 2).params());
  }

  /**
   * The blob rows [from, to) as one Parquet or ORC file in {@code sub}: label plus four float
   * columns, or label plus one array column.
   */
  static void writeColumnar(String format, Block b, int from, int to, String sub,
      boolean oneColumn) {
    List<Row> rows = new ArrayList<>();
    for (int r = from; r < to; r++) {
      Object[] v = new Object[oneColumn ? 2 : 1 + b.features];
      v[0] = (double) b.labels[r];
      Float[] x = new Float[b.features];
      for (int j = 0; j < b.features; j++) x[j] = b.x[r * b.features + j];
      if (oneColumn) v[1] = java.util.Arrays.asList(x);
      else System.arraycopy(x, 0, v, 1, b.features);
      rows.add(RowFactory.create(v));
    }
    StructType schema = new StructType().add("y", DataTypes.DoubleType, true);
    if (oneColumn) {
      schema = schema.add("features", DataTypes.createArrayType(DataTypes.FloatType), true);
    } else {
      for (int j = 0; j < b.features; j++) schema = schema.add("f" + j, DataTypes.FloatType, true);
    }
    spark.createDataFrame(rows, schema).coalesce(1).write().format(format)
        .save(dir.resolve(sub).toString());
  }

  @ParameterizedTest(name = "{0}, one array column: {1}")
  @CsvSource({"parquet, false", "parquet, true", "orc, false"})
  void parquetAndOrcTrainAsTheSameRowsInACsvLocally(String format, boolean oneColumn)
      throws IOException {
    Block b = TestSpark.blobs(400, 11);
    String base = format + oneColumn;
    writeColumnar(format, b, 0, 120, base + "/p0", oneColumn);
    writeColumnar(format, b, 120, 400, base + "/p1", oneColumn);
    DataSpec columnar = new DataSpec(format, dir.resolve(base) + "/p*/*", "", 0, 0, "",
        "", 0.2, "", "", Task.CLASSIFICATION, 0, "y", "auto", ',', 0, "standard");
    Run remote = trainSpark(columnar, 3);
    Run local = trainLocal(spec("csv", oneFile(), "", 0.2, "", "standard"), 3);
    assertArrayEquals(local.params(), remote.params());
  }

  @Test
  void validationAndTestFilesAreEvaluatedOnTheExecutors() throws IOException {
    String path = oneFile();
    Block v = TestSpark.blobs(90, 12);
    String val = write("vt/val.csv", HEADER + csvRows(v, 0, 90));
    String test = write("vt/test.csv", csvRows(v, 0, 60));
    DataSpec spec = spec("csv", path, val, 0, test, "standard");
    Datasets local = Datasets.load(spec, SEED);
    Network net = Network.build(TestSpark.spec(0f, false));
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 3);
    try (FileData data = FileData.load(spark, spec, SEED, 2, 30, true)) {
      assertEquals(90, data.validationRows());
      assertEquals(60, data.testRows());
      try (SparkEvaluation sv = data.validation(net, List.of());
          SparkEvaluation st = data.test(net, List.of());
          SparkEvaluation str = data.trainEvaluation(net, List.of());
          LocalEvaluator lv = new LocalEvaluator(net, local.validation(), 1, "v");
          LocalEvaluator lt = new LocalEvaluator(net, local.test(), 1, "t");
          LocalEvaluator ltr = new LocalEvaluator(net, local.train(), 1, "t")) {
        assertSameMetrics(lv.evaluate(w, buf), sv.evaluate(w, buf));
        assertSameMetrics(lt.evaluate(w, buf), st.evaluate(w, buf));
        assertSameMetrics(ltr.evaluate(w, buf), str.evaluate(w, buf));
      }
    }
    assertTrue(jsc.getPersistentRDDs().isEmpty(), "closing unpersists everything");
  }

  static void assertSameMetrics(Metrics l, Metrics s) {
    assertEquals(l.count(), s.count());
    assertEquals(l.accuracy(), s.accuracy(), 0);
    assertEquals(l.loss(), s.loss(), 1e-6 * l.loss());
  }
}
