package dev.sparkmlp.cli;

import static dev.sparkmlp.cli.CliTest.blobsCsv;
import static dev.sparkmlp.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkmlp.io.ModelIO;
import dev.sparkmlp.io.SavedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --engine spark} on CSV: the executors read the files (FileData), and the run saves
 * the model the local engine saves on the same rows, bit for bit.
 */
class SparkDataCliTest {
  @TempDir
  Path dir;

  private CliTest.Run train(String engine, Path train, Path test, Path out) {
    List<String> args = new ArrayList<>(List.of("train", "--train", train.toString(), "--test",
        test.toString(), "--format", "csv", "--label-column", "label", "--layers", "16,16",
        "--epochs", "3", "--batch-size", "20", "--lr", "0.01", "--partitions", "3", "--engine",
        engine, "--set", "data.validation-split=0.2", "--set", "train.evaluate-train=true",
        "--output", out.toString()));
    if (engine.equals("spark")) args.addAll(List.of("--master", "local[2]"));
    return run(args.toArray(String[]::new));
  }

  @Test
  void sparkEngineReadsCsvOnTheExecutorsAndSavesTheLocalModel() throws Exception {
    Path trainCsv = blobsCsv(dir.resolve("train.csv"), 500, 1);
    Path testCsv = blobsCsv(dir.resolve("test.csv"), 150, 2);
    CliTest.Run local = train("local", trainCsv, testCsv, dir.resolve("local"));
    assertEquals(0, local.code(), local.err());
    CliTest.Run spark = train("spark", trainCsv, testCsv, dir.resolve("spark"));
    assertEquals(0, spark.code(), spark.err());
    assertTrue(spark.out().contains(
        "400 training rows (read by the executors), 100 validation, 150 test"), spark.out());
    assertTrue(local.out().contains("400 training rows, 100 validation, 150 test"), local.out());
    assertTrue(spark.out().contains("spark local[2]"), spark.out());

    SavedModel a = ModelIO.load(dir.resolve("local/model").toString());
    SavedModel b = ModelIO.load(dir.resolve("spark/model").toString());
    assertArrayEquals(a.params(), b.params(), "weights after 3 epochs");
    assertArrayEquals(a.scaler().shift(), b.scaler().shift());
    assertArrayEquals(a.scaler().scale(), b.scaler().scale());
    assertEquals(a.classes(), b.classes());
    ObjectMapper json = new ObjectMapper();
    JsonNode sa = json.readTree(dir.resolve("local/summary.json").toFile());
    JsonNode sb = json.readTree(dir.resolve("spark/summary.json").toFile());
    // With train.evaluate-train the train loss is an evaluation pass: the same per-row losses,
    // summed by LocalEvaluator and SparkEvaluation in other orders.
    double loss = sa.get("train_loss").asDouble();
    assertEquals(loss, sb.get("train_loss").asDouble(), 1e-9 * loss);
    assertEquals(sa.get("test_accuracy").asDouble(), sb.get("test_accuracy").asDouble(), 0);
    assertTrue(sb.get("test_accuracy").asDouble() > 0.9, sb.toString());
  }

  /** The data lines of the part files of a CSV output directory, in part order. */
  static List<String> partLines(Path dir) throws Exception {
    List<String> out = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted()
          .toList()) {
        List<String> lines = Files.readAllLines(f);
        assertEquals("prediction,p0,p1,p2", lines.get(0), "each part has the header");
        out.addAll(lines.subList(1, lines.size()));
      }
    }
    return out;
  }

  @Test
  void predictOnSparkWritesTheLocalPredictionsAsPartFiles() throws Exception {
    Path trainCsv = blobsCsv(dir.resolve("train.csv"), 300, 1);
    Path testCsv = blobsCsv(dir.resolve("test.csv"), 2000, 2);
    Path out = dir.resolve("run");
    CliTest.Run t = run("train", "--train", trainCsv.toString(), "--format", "csv",
        "--label-column", "label", "--layers", "8", "--epochs", "2", "--output", out.toString());
    assertEquals(0, t.code(), t.err());
    String model = out.resolve("model").toString();
    Path local = dir.resolve("local.csv");
    CliTest.Run l = run("predict", "--model", model, "--data", testCsv.toString(), "--format",
        "csv", "--label-column", "label", "--output", local.toString());
    assertEquals(0, l.code(), l.err());

    Path csvDir = dir.resolve("preds");
    Files.createDirectories(csvDir);
    Files.writeString(csvDir.resolve("old.txt"), "an earlier output");
    CliTest.Run s = run("predict", "--model", model, "--data", testCsv.toString(), "--format",
        "csv", "--label-column", "label", "--engine", "spark", "--master", "local[2]",
        "--partitions", "3", "--output", csvDir.toString());
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().contains("wrote 2,000 predictions"), s.out());
    List<String> want = Files.readAllLines(local);
    List<String> got = partLines(csvDir);
    assertEquals(2000, got.size());
    for (int r = 0; r < 2000; r++) {
      String[] a = want.get(r + 1).split(",");
      String[] b = got.get(r).split(",");
      assertEquals(a[0], b[0], "class of row " + r);
      for (int j = 1; j < 4; j++) {
        assertEquals(Float.parseFloat(a[j]), Float.parseFloat(b[j]), 0, "row " + r + " p" + j);
      }
    }
    assertFalse(Files.exists(csvDir.resolve("old.txt")), "the output directory was replaced");
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(".tmp-")), "no temp left");
    }

    // Bad data: nothing is written, the earlier output stays.
    Path bad = dir.resolve("bad.csv");
    Files.writeString(bad, Files.readString(testCsv).replaceFirst("\n[^,\n]*,", "\nx,"));
    CliTest.Run b = run("predict", "--model", model, "--data", bad.toString(), "--format", "csv",
        "--label-column", "label", "--engine", "spark", "--master", "local[2]", "--output",
        csvDir.toString());
    assertEquals(2, b.code(), b.err());
    assertTrue(b.err().contains("bad.csv: row 2, column 1 'f0'"), b.err());
    assertEquals(2000, partLines(csvDir).size(), "the earlier predictions are intact");

    Path parquet = dir.resolve("preds.parquet");
    CliTest.Run q = run("predict", "--model", model, "--data", testCsv.toString(), "--format",
        "csv", "--label-column", "label", "--engine", "spark", "--master", "local[2]",
        "--output", parquet.toString());
    assertEquals(0, q.code(), q.err());
    try (var files = Files.list(parquet)) {
      assertTrue(files.anyMatch(f -> f.getFileName().toString().endsWith(".parquet")));
    }
  }

  @Test
  void badRowsFailBeforeTrainingAndLeaveEarlierOutputsAlone() throws Exception {
    Path bad = dir.resolve("bad.csv");
    StringBuilder sb = new StringBuilder("a,b,label\n");
    for (int r = 0; r < 200; r++) sb.append(r).append(',').append(r % 7).append(',').append(r % 2).append('\n');
    sb.append("1,NaN,0\n");
    Files.writeString(bad, sb);
    Path out = dir.resolve("earlier");
    Files.createDirectories(out.resolve("model"));
    Files.writeString(out.resolve("summary.json"), "{\"from\": \"an earlier run\"}\n");
    CliTest.Run r = run("train", "--train", bad.toString(), "--format", "csv", "--engine", "spark",
        "--master", "local[2]", "--epochs", "1", "--output", out.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    // Spark's start-up warnings (loopback address, no native Hadoop) and its console progress
    // bar, drawn with carriage returns, may precede it on stderr; no task failure is logged.
    List<String> lines = r.err().lines().map(l -> l.substring(l.lastIndexOf('\r') + 1))
        .filter(l -> !l.isBlank() && !l.startsWith("[Stage ") && !l.matches("^[0-9/]+ [0-9:]+ WARN .*"))
        .toList();
    assertEquals(1, lines.size(), "one line: " + r.err());
    assertTrue(lines.get(0).startsWith("sparkmlp: error: "), r.err());
    assertTrue(lines.get(0).contains("bad.csv: row 202, column 2 'b'"), r.err());
    assertFalse(r.out().contains("epoch 1"), "no training started: " + r.out());
    assertEquals("{\"from\": \"an earlier run\"}\n", Files.readString(out.resolve("summary.json")));
    try (var files = Files.list(out)) {
      assertEquals(2, files.count(), "nothing new in the output directory");
    }
  }
}
