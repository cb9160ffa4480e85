package dev.sparkmlp.cli;

import static dev.sparkmlp.cli.CliTest.blobsCsv;
import static dev.sparkmlp.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkmlp.io.ModelIO;
import dev.sparkmlp.io.SavedModel;
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
    assertTrue(spark.out().contains("400 training rows, 100 validation, 150 test"), spark.out());
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
}
