package dev.sparkmlp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's commands on the bundled MNIST: the main one, conf/mnist-spark.conf on Spark
 * local[*], reaches 97% test accuracy within its 5 epochs; conf/mnist.conf on the local engine
 * 97.5% within its 10.
 */
class MnistTest {
  @TempDir
  Path dir;

  @BeforeEach
  void needsMnist() {
    Assumptions.assumeTrue(Files.exists(Path.of("data/mnist/train-images-idx3-ubyte.gz")),
        "data/mnist is missing: copy the MNIST IDX files there (see data/README.md)");
  }

  private String out;

  private JsonNode train(String config) throws Exception {
    CliTest.Run r = CliTest.run("train", "--config", config, "--output", dir.toString());
    assertEquals(0, r.code(), r.err());
    out = r.out();
    return new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
  }

  @Test
  void theMainCommandReachesTheTargetAccuracyOnSpark() throws Exception {
    JsonNode s = train("conf/mnist-spark.conf");
    assertEquals(5, s.get("epochs").asInt());
    assertTrue(s.get("test_accuracy").asDouble() >= 0.97, "test accuracy " + s.get("test_accuracy"));
    assertTrue(out.contains("sparkmlp: spark local[*] ("), out);
  }

  @Test
  void mnistConfigReachesTheTargetAccuracy() throws Exception {
    JsonNode s = train("conf/mnist.conf");
    assertTrue(s.get("epochs").asInt() <= 10);
    assertTrue(s.get("test_accuracy").asDouble() >= 0.975, "test accuracy " + s.get("test_accuracy"));
  }
}
