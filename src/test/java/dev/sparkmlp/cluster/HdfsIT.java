package dev.sparkmlp.cluster;

import static dev.sparkmlp.cluster.ClusterIT.SPARK_OPTS;
import static dev.sparkmlp.cluster.ClusterIT.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkmlp.data.Idx;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The HDFS round trip on the loopback cluster: a real HDFS ({@link MiniHdfs}) in this JVM holds
 * MNIST subsets as CSV; a run on two Workers trains from them and writes its model, metrics,
 * curves and checkpoints to {@code hdfs://}; a second run resumes from that checkpoint on HDFS and
 * finishes the training; {@code evaluate} scores the saved model from HDFS on the test CSV there
 * and writes its result to HDFS, and {@code predict} has the executors write the predictions
 * there. Nothing is read from or written to the local disk but the jar and
 * the logs. MNIST's idx files on HDFS are read by the executors, to the weights of the driver's
 * read.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class HdfsIT {
  static final int TRAIN_ROWS = 8000;
  static final int VALIDATION_ROWS = 1000;
  static final int TEST_ROWS = 2000;

  private static MiniHdfs hdfs;
  private static LoopbackCluster cluster;
  private static String train;
  private static String validation;
  private static String test;

  @BeforeAll
  static void start() throws Exception {
    Path root = LoopbackCluster.repoRoot();
    assumeTrue(Files.exists(root.resolve("data/mnist/train-images-idx3-ubyte.gz")),
        "data/mnist is absent: no MNIST files to upload, skipping the HDFS test");
    Path build = LoopbackCluster.buildDir();
    hdfs = MiniHdfs.start(build.resolve("hdfs-it/dfs"));
    Path local = build.resolve("hdfs-it/csv");
    Files.createDirectories(local);
    Path mnist = root.resolve("data/mnist");
    writeCsv(mnist, "train", 0, TRAIN_ROWS, local.resolve("train.csv"));
    writeCsv(mnist, "t10k", 0, TEST_ROWS, local.resolve("test.csv"));
    writeCsv(mnist, "t10k", TEST_ROWS, TEST_ROWS + VALIDATION_ROWS,
        local.resolve("validation.csv"));
    train = hdfs.upload(local.resolve("train.csv"), "/data/mnist/train.csv");
    validation = hdfs.upload(local.resolve("validation.csv"), "/data/mnist/validation.csv");
    test = hdfs.upload(local.resolve("test.csv"), "/data/mnist/test.csv");
    ClusterIT.deleteTree(local);
    cluster = LoopbackCluster.start(2);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (cluster != null) cluster.close();
    } finally {
      if (hdfs != null) hdfs.close();
    }
  }

  /** The options of both training runs; the epochs are given per run. */
  static List<String> trainArgs(String output) {
    return List.of("train", "--train", train, "--validation", validation, "--test", test,
        "--format", "csv", "--label-column", "label", "--scale", "divide255",
        "--layers", "128,64", "--batch-size", "500", "--lr", "3e-3", "--partitions", "2",
        "--seed", "7",
        "--set", "train.checkpoint-every=1", "--output", output);
  }

  @Test
  @Order(1)
  @Timeout(600)
  void trainsFromHdfsAndWritesEverythingBack() throws Exception {
    var r = cluster.submit("hdfs-train", Duration.ofMinutes(9), Map.of(),
        concat(SPARK_OPTS, concat(trainArgs(hdfs.uri("/runs/a")), List.of("--epochs", "2"))));
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains(String.format(
        "%,d training rows (read by the executors), %,d validation, %,d test",
        TRAIN_ROWS, VALIDATION_ROWS, TEST_ROWS)), r.output());

    List<String> files = hdfs.list("/runs/a");
    for (String f : List.of("checkpoint", "checkpoint.prev", "config.conf", "curves.png",
        "metrics.jsonl", "model", "summary.json")) {
      assertTrue(files.contains(f), "no " + f + " in hdfs:///runs/a: " + files);
    }
    assertEquals(List.of("model.json", "weights.bin"), hdfs.list("/runs/a/model"));
    // 784-128-64-10: weights and biases as float32, plus the file's header.
    long params = 784L * 128 + 128 + 128L * 64 + 64 + 64L * 10 + 10;
    assertTrue(hdfs.size("/runs/a/model/weights.bin") >= 4 * params,
        "weights.bin has " + hdfs.size("/runs/a/model/weights.bin") + " bytes");
    String metrics = hdfs.readString("/runs/a/metrics.jsonl");
    assertEquals(2, metrics.strip().split("\n").length, metrics);
    assertTrue(metrics.contains("\"val_accuracy\""), metrics);
    ObjectMapper json = new ObjectMapper();
    assertEquals(2, json.readTree(hdfs.readString("/runs/a/checkpoint/checkpoint.json"))
        .path("epoch").asInt());
    assertEquals(1, json.readTree(hdfs.readString("/runs/a/checkpoint.prev/checkpoint.json"))
        .path("epoch").asInt());
    byte[] png = hdfs.readString("/runs/a/curves.png").getBytes(StandardCharsets.ISO_8859_1);
    assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G',
        "curves.png on HDFS is not a PNG");
    JsonNode summary = json.readTree(hdfs.readString("/runs/a/summary.json"));
    assertEquals(2, summary.path("epochs").asInt());
    double acc = summary.path("test_accuracy").asDouble(Double.NaN);
    assertTrue(acc >= 0.85, "test accuracy after 2 epochs " + acc + " < 0.85:\n" + r.output());
    assertFalse(Files.exists(cluster.root.resolve("hdfs:")), "an hdfs:// path was written locally");
  }

  @Test
  @Order(2)
  @Timeout(600)
  void resumesFromTheHdfsCheckpointThenEvaluatesAndPredictsFromHdfs() throws Exception {
    assumeTrue(hdfs.exists("/runs/a/checkpoint/checkpoint.json"),
        "the first run left no checkpoint");
    var r = cluster.submit("hdfs-resume", Duration.ofMinutes(9), Map.of(),
        concat(SPARK_OPTS, concat(trainArgs(hdfs.uri("/runs/b")), List.of("--epochs", "3",
            "--set", "train.resume=" + hdfs.uri("/runs/a/checkpoint")))));
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("resumed from " + hdfs.uri("/runs/a/checkpoint")
        + " after epoch 2"), r.output());
    ObjectMapper json = new ObjectMapper();
    String metrics = hdfs.readString("/runs/b/metrics.jsonl");
    // The history of the first two epochs comes from the checkpoint, the third is new.
    assertEquals(3, metrics.strip().split("\n").length, metrics);
    assertEquals(losses(json, hdfs.readString("/runs/a/metrics.jsonl")),
        losses(json, metrics).subList(0, 2));
    JsonNode summary = json.readTree(hdfs.readString("/runs/b/summary.json"));
    assertEquals(3, summary.path("epochs").asInt());
    double acc = summary.path("test_accuracy").asDouble(Double.NaN);
    // The seed fixes the result: 0.8815 after epoch 2, 0.8945 after epoch 3.
    assertTrue(acc >= 0.87, "test accuracy after 3 epochs " + acc + " < 0.87:\n" + r.output());
    double before = json.readTree(hdfs.readString("/runs/a/summary.json")).path("test_loss")
        .asDouble();
    assertTrue(summary.path("test_loss").asDouble() < before,
        "the third epoch did not lower the test loss " + before + ":\n" + r.output());

    var e = cluster.submit("hdfs-evaluate", Duration.ofMinutes(6), Map.of(), concat(SPARK_OPTS,
        List.of("evaluate", "--model", hdfs.uri("/runs/b/model"), "--data", test,
            "--format", "csv", "--label-column", "label", "--output", hdfs.uri("/eval/b.json"))));
    assertEquals(0, e.exitCode(), e.output());
    JsonNode scored = json.readTree(hdfs.readString("/eval/b.json"));
    assertEquals(TEST_ROWS, scored.path("rows").asInt());
    // The same rows through the same saved scaler and weights; the two evaluators may add the
    // logits in different orders, which can flip a near-tie, so allow one row.
    assertEquals(acc, scored.path("accuracy").asDouble(), 1.0 / TEST_ROWS + 1e-12,
        "evaluate from HDFS disagrees with the run's test accuracy");

    // predict --engine spark: the executors write CSV part files, in row order by name.
    var p = cluster.submit("hdfs-predict", Duration.ofMinutes(6), Map.of(), concat(SPARK_OPTS,
        List.of("predict", "--model", hdfs.uri("/runs/b/model"), "--data", test,
            "--format", "csv", "--label-column", "label", "--output", hdfs.uri("/preds/b"))));
    assertEquals(0, p.exitCode(), p.output());
    List<String> predicted = new java.util.ArrayList<>();
    for (String part : hdfs.list("/preds/b")) {
      if (!part.startsWith("part-")) continue;
      List<String> lines = hdfs.readString("/preds/b/" + part).lines().toList();
      if (lines.isEmpty()) continue;
      assertTrue(lines.get(0).startsWith("prediction,p0,"), part + ": " + lines.get(0));
      for (String line : lines.subList(1, lines.size())) predicted.add(line.split(",", 2)[0]);
    }
    List<String> truth = hdfs.readString("/data/mnist/test.csv").lines().skip(1)
        .map(line -> line.split(",", 2)[0]).toList();
    assertEquals(TEST_ROWS, predicted.size(), "prediction rows in hdfs:///preds/b");
    int right = 0;
    for (int i = 0; i < TEST_ROWS; i++) if (predicted.get(i).equals(truth.get(i))) right++;
    assertEquals(acc, right / (double) TEST_ROWS, 1.0 / TEST_ROWS + 1e-12,
        "the predictions written to HDFS disagree with the run's test accuracy");
  }

  /** Each metrics line's epoch, losses and validation accuracy (not its timings). */
  static List<String> losses(ObjectMapper json, String metricsJsonl) throws IOException {
    List<String> out = new java.util.ArrayList<>();
    for (String line : metricsJsonl.strip().split("\n")) {
      JsonNode m = json.readTree(line);
      out.add(m.path("epoch").asInt() + " " + m.path("train_loss").asDouble() + " "
          + m.path("val_loss").asDouble() + " " + m.path("val_accuracy").asDouble());
    }
    return out;
  }

  /**
   * idx files on HDFS are read by the executors, and the run ends with the weights, byte for
   * byte, of the same run whose driver reads the files and ships the rows
   * ({@code spark.sparkmlp.idxOnExecutors=false}).
   */
  @Test
  @Order(3)
  @Timeout(600)
  void idxOnHdfsIsReadByTheExecutorsToTheWeightsOfTheDriversRead() throws Exception {
    Path mnist = LoopbackCluster.repoRoot().resolve("data/mnist");
    for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
      hdfs.upload(mnist.resolve(f), "/data/idx/" + f);
    }
    byte[] first = null;
    for (boolean executors : new boolean[] {true, false}) {
      String run = executors ? "/runs/idx-executors" : "/runs/idx-driver";
      List<String> args = List.of("train", "--train",
          hdfs.uri("/data/idx/train-images-idx3-ubyte.gz"), "--test",
          hdfs.uri("/data/idx/t10k-images-idx3-ubyte.gz"), "--format", "idx",
          "--set", "data.train-rows=" + TRAIN_ROWS, "--layers", "64", "--epochs", "1",
          "--batch-size", "500", "--partitions", "2", "--seed", "3", "--output", hdfs.uri(run));
      var r = cluster.submit(executors ? "hdfs-idx-executors" : "hdfs-idx-driver",
          Duration.ofMinutes(4), Map.of(), concat(SPARK_OPTS, concat(List.of("--conf",
              "spark.sparkmlp.idxOnExecutors=" + executors), args)));
      assertEquals(0, r.exitCode(), r.output());
      assertEquals(executors, r.output().contains(String.format(
          "%,d training rows (read by the executors)", TRAIN_ROWS)), r.output());
      byte[] weights = hdfs.readBytes(run + "/model/weights.bin");
      if (first == null) {
        first = weights;
      } else {
        assertArrayEquals(first, weights, "the executors' read and the driver's, other weights");
      }
    }
  }

  /**
   * Rows [from, to) of an MNIST IDX pair as CSV: a header {@code label,p0,...,p783}, then the
   * label and the raw pixel values 0..255 of each image.
   */
  static void writeCsv(Path mnist, String set, int from, int to, Path csv) throws IOException {
    Idx.Images im;
    int[] labels;
    try (InputStream img = Files.newInputStream(mnist.resolve(set + "-images-idx3-ubyte.gz"));
        InputStream lab = Files.newInputStream(mnist.resolve(set + "-labels-idx1-ubyte.gz"))) {
      im = Idx.readImages(img, set + " images");
      labels = Idx.readLabels(lab, set + " labels");
    }
    int d = im.rows() * im.cols();
    try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
      StringBuilder sb = new StringBuilder("label");
      for (int j = 0; j < d; j++) sb.append(",p").append(j);
      w.write(sb.append('\n').toString());
      for (int i = from; i < to; i++) {
        sb.setLength(0);
        sb.append(labels[i]);
        for (int j = 0; j < d; j++) sb.append(',').append((int) im.pixels()[i * d + j]);
        w.write(sb.append('\n').toString());
      }
    }
  }
}
