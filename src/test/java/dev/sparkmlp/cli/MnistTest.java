package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's main command: conf/mnist.conf reaches 97.5% test accuracy within its 10 epochs. */
class MnistTest {
  @TempDir
  Path dir;

  @Test
  void mnistConfigReachesTheTargetAccuracy() throws Exception {
    Assumptions.assumeTrue(Files.exists(Path.of("data/mnist/train-images-idx3-ubyte.gz")),
        "data/mnist is missing: copy the MNIST IDX files there (see data/README.md)");
    CliTest.Run r = CliTest.run("train", "--config", "conf/mnist.conf", "--output", dir.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertTrue(s.get("epochs").asInt() <= 10);
    assertTrue(s.get("test_accuracy").asDouble() >= 0.975, "test accuracy " + s.get("test_accuracy") + "\n" + r.out());
  }
}
