package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkmlp.math.Rng;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end on small generated files, as a user would run it. */
class CliTest {
  @TempDir
  Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** Three separable classes in 5 features, with a header and the label in column "label". */
  static Path blobsCsv(Path file, int rows, long seed) throws Exception {
    StringBuilder sb = new StringBuilder("f0,f1,label,f2,f3,f4\n");
    long key = Rng.key(seed, 1);
    for (int r = 0; r < rows; r++) {
      int c = Rng.below(key, r, 3);
      float[] f = new float[5];
      for (int j = 0; j < 5; j++) f[j] = (float) (Rng.gaussian(key, 100 + r * 5L + j) + (j == c ? 3 : 0)) * 10 + 50;
      sb.append(f[0]).append(',').append(f[1]).append(',').append(c);
      for (int j = 2; j < 5; j++) sb.append(',').append(f[j]);
      sb.append('\n');
    }
    Files.writeString(file, sb);
    return file;
  }

  @Test
  void trainEvaluatePredictOnCsv() throws Exception {
    Path train = blobsCsv(dir.resolve("train.csv"), 600, 1);
    Path test = blobsCsv(dir.resolve("test.csv"), 200, 2);
    Path out = dir.resolve("run");
    Run r = run("train", "--train", train.toString(), "--test", test.toString(), "--format", "csv",
        "--label-column", "label", "--layers", "16,16", "--epochs", "8", "--batch-size", "20", "--lr", "0.01",
        "--set", "data.validation-split=0.2", "--output", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("epoch 8/8"), r.out());
    assertTrue(r.out().contains("val_acc"), r.out());
    assertTrue(r.out().contains("samples/s"), r.out());
    assertTrue(r.out().contains("ETA"), r.out());
    assertTrue(r.out().contains("test accuracy"), r.out());

    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    for (String k : List.of("train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy",
        "epochs", "seconds", "samples_per_second")) {
      assertTrue(summary.has(k), "summary.json has " + k);
    }
    assertTrue(summary.get("test_accuracy").asDouble() > 0.9, summary.toString());
    assertEquals(8, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    assertTrue(Files.exists(out.resolve("model/model.json")));

    Run e = run("evaluate", "--model", out.resolve("model").toString(), "--data", test.toString(),
        "--format", "csv", "--label-column", "label");
    assertEquals(0, e.code(), e.err());
    JsonNode ev = new ObjectMapper().readTree(e.out());
    assertEquals(summary.get("test_accuracy").asDouble(), ev.get("accuracy").asDouble(), 1e-9,
        "evaluate reproduces the test accuracy: the model carries its scaler");

    Path preds = dir.resolve("preds.csv");
    Run p = run("predict", "--model", out.resolve("model").toString(), "--data", test.toString(),
        "--format", "csv", "--label-column", "label", "--output", preds.toString());
    assertEquals(0, p.code(), p.err());
    List<String> lines = Files.readAllLines(preds);
    assertEquals(201, lines.size());
    assertEquals("prediction,p0,p1,p2", lines.get(0));
    String[] first = lines.get(1).split(",");
    double s = Double.parseDouble(first[1]) + Double.parseDouble(first[2]) + Double.parseDouble(first[3]);
    assertEquals(1.0, s, 1e-5, "probabilities sum to 1");
  }

  @Test
  void badCsvIsOneLineNamingFileAndRow() throws Exception {
    Path train = dir.resolve("bad.csv");
    Files.writeString(train, "a,b,label\n1,2,0\n3,oops,1\n");
    Run r = run("train", "--train", train.toString(), "--format", "csv", "--output", dir.resolve("o").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("sparkmlp: error: "), r.err());
    assertTrue(r.err().contains("bad.csv"), r.err());
    assertTrue(r.err().contains("oops"), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    assertFalse(Files.exists(dir.resolve("o/model")), "no model written");
  }

  @Test
  void unknownConfigKeyExitsWithSuggestion() {
    Run r = run("train", "--set", "train.epoch=3");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("did you mean 'train.epochs'"), r.err());
  }

  @Test
  void missingFileIsNamed() {
    Run r = run("train", "--train", dir.resolve("none.csv").toString(), "--format", "csv");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("none.csv"), r.err());
  }

  @Test
  void corruptModelIsReported() throws Exception {
    Path train = blobsCsv(dir.resolve("train.csv"), 200, 3);
    Path out = dir.resolve("run");
    assertEquals(0, run("train", "--train", train.toString(), "--format", "csv", "--label-column", "label",
        "--layers", "8", "--epochs", "1", "--output", out.toString(), "--quiet").code());
    Path weights = out.resolve("model/weights.bin");
    byte[] b = Files.readAllBytes(weights);
    b[b.length - 3] ^= 0x40;
    Files.write(weights, b);
    Run e = run("evaluate", "--model", out.resolve("model").toString(), "--data", train.toString(),
        "--format", "csv", "--label-column", "label");
    assertEquals(2, e.code());
    assertTrue(e.err().contains("weights.bin"), e.err());
    assertTrue(e.err().contains("checksum"), e.err());
  }

  @Test
  void inputWidthMismatchIsReported() throws Exception {
    Path train = blobsCsv(dir.resolve("train.csv"), 200, 3);
    Path out = dir.resolve("run");
    assertEquals(0, run("train", "--train", train.toString(), "--format", "csv", "--label-column", "label",
        "--layers", "8", "--epochs", "1", "--output", out.toString(), "--quiet").code());
    Path narrow = dir.resolve("narrow.csv");
    Files.writeString(narrow, "a,b,label\n1,2,0\n3,4,1\n");
    Run e = run("evaluate", "--model", out.resolve("model").toString(), "--data", narrow.toString(),
        "--format", "csv", "--label-column", "label");
    assertEquals(2, e.code());
    assertTrue(e.err().contains("the network expects 5 inputs but the data in " + narrow
        + " has 2 features"), e.err());
  }

  @Test
  void labelOutOfRangeIsReported() throws Exception {
    Path train = dir.resolve("l.csv");
    Files.writeString(train, "a,label\n1,0\n2,1\n3,7\n");
    Run r = run("train", "--train", train.toString(), "--format", "csv", "--set", "data.classes=3",
        "--output", dir.resolve("o").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("l.csv"), r.err());
    assertTrue(r.err().contains("7"), r.err());
  }

  @Test
  void emptyDatasetIsReported() throws Exception {
    Path train = dir.resolve("empty.csv");
    Files.writeString(train, "a,b,label\n");
    Run r = run("train", "--train", train.toString(), "--format", "csv", "--output", dir.resolve("o").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("empty.csv"), r.err());
  }
}
