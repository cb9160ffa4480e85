package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train.warm-up: the JIT warm-up during the read changes no bit of the run. */
class WarmupCliTest {
  @TempDir
  Path dir;

  private CliTest.Run train(Path out, String warmUp, String... more) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--train",
        "data/mnist/train-images-idx3-ubyte.gz", "--format", "idx", "--layers", "32,32",
        "--batch-size", "100", "--epochs", "2", "--seed", "5", "--set", "data.train-rows=2000",
        "--set", "data.validation-split=0.1", "--set", "model.dropout=0.1", "--set",
        "train.partitions=2", "--set", "train.warm-up=" + warmUp, "--output", out.toString()));
    args.addAll(java.util.List.of(more));
    return CliTest.run(args.toArray(new String[0]));
  }

  @Test
  void runsWithTheWarmUpEqualOneWithoutBitwise() throws Exception {
    Assumptions.assumeTrue(Files.exists(Path.of("data/mnist/train-images-idx3-ubyte.gz")),
        "data/mnist is missing: copy the MNIST IDX files there (see data/README.md)");
    Path on = dir.resolve("on");
    Path off = dir.resolve("off");
    CliTest.Run a = train(on, "true");
    assertEquals(0, a.code(), a.err());
    CliTest.Run b = train(off, "false");
    assertEquals(0, b.code(), b.err());
    assertArrayEquals(Files.readAllBytes(off.resolve("model/weights.bin")),
        Files.readAllBytes(on.resolve("model/weights.bin")));
    assertEquals(Files.readAllLines(off.resolve("metrics.jsonl")).size(),
        Files.readAllLines(on.resolve("metrics.jsonl")).size());
    ObjectMapper json = new ObjectMapper();
    JsonNode sOn = json.readTree(on.resolve("summary.json").toFile());
    JsonNode sOff = json.readTree(off.resolve("summary.json").toFile());
    assertEquals(sOff.get("train_loss").asDouble(), sOn.get("train_loss").asDouble());
    assertEquals(sOff.get("val_accuracy").asDouble(), sOn.get("val_accuracy").asDouble());
    assertEquals(0, sOff.get("warm_up_passes").asInt(), "no warm-up when it is off");
    assertTrue(sOn.get("warm_up_passes").asInt() >= 0, sOn.toString());

    // Spark local mode, where the warm-up shares the JVM with the executors: the same bits again.
    Path spark = dir.resolve("spark");
    CliTest.Run c = train(spark, "true", "--engine", "spark", "--master", "local[2]");
    assertEquals(0, c.code(), c.err());
    assertArrayEquals(Files.readAllBytes(off.resolve("model/weights.bin")),
        Files.readAllBytes(spark.resolve("model/weights.bin")));
  }
}
