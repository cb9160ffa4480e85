package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.DataException;
import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.DataSpec;
import dev.sparkmlp.train.Datasets;
import dev.sparkmlp.train.Evaluator;
import dev.sparkmlp.train.LocalEvaluator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * idx files read by the executors ({@link IdxFiles} through {@link FileData#loadIdx}) against
 * the same files read on the driver ({@link Datasets}): the same rows, scaler and shards, so the
 * same trajectory bit for bit, and the same errors for bad files. In local mode the executors run
 * in this JVM and see its files; the engine uses this path on clusters only.
 */
class IdxFilesTest {
  static final long SEED = 5;
  static final int ROWS = 360;
  static SparkSession spark;
  static JavaSparkContext jsc;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  /** {@code count} 2x2 images whose pixels cluster by their label (0..2), seeded. */
  static byte[][] imagesAndLabels(int count, long seed) {
    Random r = new Random(seed);
    byte[] pixels = new byte[count * 4];
    byte[] labels = new byte[count];
    for (int i = 0; i < count; i++) {
      int label = r.nextInt(3);
      labels[i] = (byte) label;
      for (int j = 0; j < 4; j++) {
        int v = 40 + 70 * label + 25 * ((j + label) % 4) + r.nextInt(50);
        pixels[i * 4 + j] = (byte) Math.min(255, v);
      }
    }
    return new byte[][] {idx(0x803, new int[] {count, 2, 2}, pixels), idx(0x801,
        new int[] {count}, labels)};
  }

  static byte[] idx(int magic, int[] dims, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int v : concat(magic, dims)) {
      out.write(v >>> 24);
      out.write(v >>> 16);
      out.write(v >>> 8);
      out.write(v);
    }
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static int[] concat(int first, int[] rest) {
    int[] out = new int[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  /** Writes images and labels as {@code <name>-images-idx3-ubyte[.gz]} and its labels. */
  static String write(String sub, String name, byte[][] files, boolean gz) throws IOException {
    Path d = dir.resolve(sub);
    Files.createDirectories(d);
    String suffix = gz ? ".gz" : "";
    Path images = d.resolve(name + "-images-idx3-ubyte" + suffix);
    Files.write(images, gz ? gzip(files[0]) : files[0]);
    Files.write(d.resolve(name + "-labels-idx1-ubyte" + suffix), gz ? gzip(files[1]) : files[1]);
    return images.toString();
  }

  static DataSpec spec(String train, int offset, int rows, String validation, double split,
      String test, String scale) {
    return new DataSpec("idx", train, "", offset, rows, validation, "", split, test, "",
        Task.CLASSIFICATION, 3, "", "auto", ',', 0, scale);
  }

  record Run(float[] params, List<dev.sparkmlp.train.Metrics> validation,
      dev.sparkmlp.train.Metrics test) {}

  static Run driver(DataSpec spec, int shards) {
    Datasets data = Datasets.load(spec, SEED);
    Network net = Network.build(TestSpark.spec(0.2f, true));
    try (var g = new dev.sparkmlp.train.LocalGradients(net, data.train(), 30, shards, 2, SEED);
        Evaluator v = data.validation() == null ? null
            : new LocalEvaluator(net, data.validation(), 2, "validation set")) {
      FileDataTest.Run r = FileDataTest.fit(net, g, v);
      dev.sparkmlp.train.Metrics test = null;
      if (data.test() != null) {
        try (Evaluator t = new LocalEvaluator(net, data.test(), 2, "test set")) {
          test = t.evaluate(r.params(), new float[net.bufferCount()]);
        }
      }
      return new Run(r.params(), r.validation(), test);
    }
  }

  static Run executors(DataSpec spec, int partitions) {
    Network net = Network.build(TestSpark.spec(0.2f, true));
    try (FileData data = FileData.loadIdx(spark, spec, SEED, partitions, 30, false, null)) {
      assertNotNull(data, "the executors of local mode see the files");
      try (SparkGradients g = data.gradients(net, 30, SEED, 2, 0);
          Evaluator v = data.validation(net, List.of())) {
        FileDataTest.Run r = FileDataTest.fit(net, g, v);
        dev.sparkmlp.train.Metrics test = null;
        try (Evaluator t = data.test(net, List.of())) {
          if (t != null) test = t.evaluate(r.params(), new float[net.bufferCount()]);
        }
        return new Run(r.params(), r.validation(), test);
      }
    }
  }

  static void assertSameRun(Run d, Run e) {
    assertArrayEquals(d.params(), e.params(), "weights after 2 epochs");
    assertEquals(d.validation().size(), e.validation().size());
    for (int i = 0; i < d.validation().size(); i++) {
      if (d.validation().get(i) == null) continue;
      FileDataTest.assertSameMetrics(d.validation().get(i), e.validation().get(i));
    }
    if (d.test() != null) FileDataTest.assertSameMetrics(d.test(), e.test());
  }

  @ParameterizedTest(name = "{0} partitions, scale {1}, gzip {2}")
  @CsvSource({"2, divide255, true", "3, standard, false", "2, none, true", "3, minmax, true"})
  void theExecutorsReadTheDriversRowsAndTrainBitwiseAsIt(int partitions, String scale,
      boolean gz) throws IOException {
    String train = write("a" + partitions + scale, "train", imagesAndLabels(ROWS, 1), gz);
    String val = write("a" + partitions + scale, "val", imagesAndLabels(90, 2), !gz);
    String test = write("a" + partitions + scale, "t10k", imagesAndLabels(70, 3), gz);
    DataSpec spec = spec(train, 0, 0, val, 0, test, scale);
    Run d = driver(spec, partitions);
    Run e = executors(spec, partitions);
    assertSameRun(d, e);
    assertNotNull(e.test());
    assertEquals(70, e.test().count());
    assertTrue(jsc.getPersistentRDDs().isEmpty(), "closing unpersists everything");
  }

  @Test
  void aHeldOutSplitAndARowRangeGiveTheDriversRows() throws IOException {
    String train = write("split", "train", imagesAndLabels(ROWS + 40, 4), true);
    DataSpec spec = spec(train, 15, ROWS, "", 0.2, "", "standard");
    assertSameRun(driver(spec, 2), executors(spec, 2));
    try (FileData data = FileData.loadIdx(spark, spec, SEED, 2, 30, false, null)) {
      assertEquals(ROWS - (int) Math.round(0.2 * ROWS), data.trainRows());
      assertEquals(4, data.features());
      assertEquals(3, data.targetWidth());
      assertEquals(1, data.trainPieces());
    }
  }

  @Test
  void badFilesFailAsTheDriversReadWithNothingCached() throws IOException {
    byte[][] good = imagesAndLabels(ROWS, 6);
    // Truncated pixels (gzip), a label beyond data.classes, trailing bytes in raw images.
    byte[][] truncated = {Arrays.copyOf(good[0], good[0].length - 7), good[1]};
    byte[][] badLabel = {good[0], good[1].clone()};
    badLabel[1][8 + 123] = 7;
    byte[][] longer = {Arrays.copyOf(good[0], good[0].length + 2), good[1]};
    int i = 0;
    for (byte[][] files : List.of(truncated, badLabel, longer)) {
      String train = write("bad" + i, "train", files, i != 2);
      DataSpec spec = spec(train, 0, 0, "", 0, "", "divide255");
      DataException local = assertThrows(DataException.class, () -> Datasets.load(spec, SEED));
      DataException remote = assertThrows(DataException.class,
          () -> FileData.loadIdx(spark, spec, SEED, 2, 30, false, null));
      assertEquals(local.getMessage(), remote.getMessage());
      assertTrue(jsc.getPersistentRDDs().isEmpty(), "nothing stays cached after " + remote);
      i++;
    }
    // A bad test file fails the load too, before any training, as on the driver.
    String okTrain = write("badtest", "train", good, true);
    String badTest = write("badtest", "t10k", truncated, true);
    DataSpec withTest = spec(okTrain, 0, 0, "", 0, badTest, "divide255");
    DataException localTest = assertThrows(DataException.class,
        () -> Datasets.load(withTest, SEED));
    DataException remoteTest = assertThrows(DataException.class,
        () -> FileData.loadIdx(spark, withTest, SEED, 2, 30, false, null));
    assertEquals(localTest.getMessage(), remoteTest.getMessage());
    assertTrue(jsc.getPersistentRDDs().isEmpty(), "nothing stays cached after " + remoteTest);
    String images = write("pixels", "train", good, false);
    String other = write("pixels", "val", imagesAndLabels(20, 7), false);
    byte[] wider = idx(0x803, new int[] {20, 3, 2}, new byte[20 * 6]);
    Files.write(Path.of(other), wider);
    DataException e = assertThrows(DataException.class, () -> FileData.loadIdx(spark,
        spec(images, 0, 0, other, 0, "", "divide255"), SEED, 2, 30, false, null));
    assertEquals(other + ": header: images of 6 pixels, but the training images have 4",
        e.getMessage());
  }

  @Test
  void missingFilesAndBadHeadersAreLeftToTheDriversRead() throws IOException {
    String train = write("missing", "train", imagesAndLabels(ROWS, 8), true);
    Files.delete(Path.of(train.replace("images-idx3", "labels-idx1")));
    assertNull(FileData.loadIdx(spark, spec(train, 0, 0, "", 0, "", "auto"), SEED, 2, 30,
        false, null));
    String bad = write("magic", "train", imagesAndLabels(ROWS, 8), false);
    byte[] b = Files.readAllBytes(Path.of(bad));
    b[3] = 0x01;
    Files.write(Path.of(bad), b);
    assertNull(FileData.loadIdx(spark, spec(bad, 0, 0, "", 0, "", "auto"), SEED, 2, 30,
        false, null));
    String good = write("ok", "train", imagesAndLabels(ROWS, 8), false);
    assertNull(FileData.loadIdx(spark, spec(good, 0, 0, dir.resolve("none").toString(), 0, "",
        "auto"), SEED, 2, 30, false, null), "a missing validation file");
    assertTrue(jsc.getPersistentRDDs().isEmpty());
  }

  @Test
  void executorsThatSeeAnotherFileDoNotReadIt() throws IOException {
    String train = write("changed", "train", imagesAndLabels(ROWS, 9), false);
    IdxFiles files = IdxFiles.open(train, "", 3);
    assertNotNull(files);
    String uri = dev.sparkmlp.io.Fs.stat(train).uri();
    assertEquals("file:" + Path.of(train).toAbsolutePath(), uri, "a URI any machine can open");
    assertTrue(IdxFiles.visible(jsc, 2, List.of(files), null, 0));
    Files.write(Path.of(train), Arrays.copyOf(Files.readAllBytes(Path.of(train)), 16 + 4 * 100));
    assertFalse(IdxFiles.visible(jsc, 2, List.of(files), null, 0));
    String gone = write("gone", "train", imagesAndLabels(ROWS, 9), true);
    IdxFiles goneFiles = IdxFiles.open(gone, "", 3);
    Files.delete(Path.of(gone.replace("images-idx3", "labels-idx1")));
    assertFalse(IdxFiles.visible(jsc, 2, List.of(goneFiles), null, 0), "a file not there");
    // A file changed between the check and the read (or an executor that joined after the check
    // and does not see it) fails the read as Unreadable, naming the file; loadIdx then leaves
    // the read to the driver.
    Layout.Unreadable e = assertThrows(Layout.Unreadable.class, () -> files.layout(spark,
        new DataFrameBlocks.Contiguous(ROWS, 2), 2, null, "changed"));
    assertTrue(e.getMessage().startsWith(train + ": the driver saw 1456 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("an executor sees 416 bytes"), e.getMessage());
    assertTrue(jsc.getPersistentRDDs().isEmpty());
  }

  @Test
  void aPartitionReadAgainAfterTheFileChangedFailsInsteadOfComingBackEmpty() throws IOException {
    String train = write("reread", "train", imagesAndLabels(ROWS, 11), false);
    IdxFiles files = IdxFiles.open(train, "", 3);
    org.apache.spark.api.java.JavaRDD<ShardBlock> blocks = files.layout(spark,
        new DataFrameBlocks.Contiguous(ROWS, 2), 2, null, "reread");
    try {
      assertEquals(List.of(ROWS / 2, ROWS / 2), blocks.map(b -> b.block.rows).collect());
      Files.write(Path.of(train), Arrays.copyOf(Files.readAllBytes(Path.of(train)), 100));
      // As when its executor is lost: the partition is computed again, from the changed file.
      blocks.unpersist(true);
      Exception e = assertThrows(Exception.class, () -> blocks.map(b -> b.block.rows).collect());
      assertTrue(Layout.unwrap(e) instanceof Layout.Unreadable, e.toString());
      assertTrue(Layout.unwrap(e).getMessage().contains("an executor sees 100 bytes"),
          e.toString());
    } finally {
      Release.rdd(blocks);
    }
  }

  @Test
  void theCheckStartsEachExecutorsJitWarmUpOnce() throws IOException {
    String train = write("warm", "train", imagesAndLabels(ROWS, 10), false);
    IdxFiles files = IdxFiles.open(train, "", 3);
    assertTrue(IdxFiles.visible(jsc, 2, List.of(files), TestSpark.spec(0f, false), 8));
    assertTrue(ExecutorWarmup.started(), "local mode's executor is this JVM");
    assertTrue(ExecutorWarmup.running());
    // The first step stops it, so that the passes do not compete with the steps.
    ExecutorWarmup.stopForStep();
    assertFalse(ExecutorWarmup.running());
    assertTrue(IdxFiles.visible(jsc, 2, List.of(files), TestSpark.spec(0f, false), 8));
    assertFalse(ExecutorWarmup.running(), "once per executor");
  }
}
