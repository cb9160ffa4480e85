package dev.sparkmlp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Reads the real MNIST test set from the shared data directory, when it is there. */
class MnistFilesTest {
  @Test
  void readsRealTestSet() throws IOException {
    Path mnist = Path.of(System.getProperty("sparkmlp.shared", "../shared"), "datasets", "mnist");
    Path images = mnist.resolve("t10k-images-idx3-ubyte.gz");
    Path labels = Path.of(Idx.defaultLabelsName(images.toString()));
    Assumptions.assumeTrue(Files.isRegularFile(images) && Files.isRegularFile(labels),
        "MNIST not found at " + mnist.toAbsolutePath() + " (set -Dsparkmlp.shared=DIR); skipped");
    Block b;
    try (InputStream i = Files.newInputStream(images);
        InputStream l = Files.newInputStream(labels)) {
      b = Idx.read(i, images.toString(), l, labels.toString(), 10);
    }
    assertEquals(10_000, b.rows);
    assertEquals(784, b.features);
    assertEquals(10, b.targetWidth);
    int[] counts = new int[10];
    for (int c : b.labels) counts[c]++;
    int sum = 0;
    for (int c = 0; c < 10; c++) {
      assertTrue(counts[c] > 500, "class " + c + " has " + counts[c] + " samples");
      sum += counts[c];
    }
    assertEquals(10_000, sum);
    // Published per-class counts of the MNIST test set.
    assertEquals(980, counts[0]);
    assertEquals(1135, counts[1]);
    assertEquals(1009, counts[9]);
    float max = 0;
    float min = 255;
    for (float v : b.x) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    assertEquals(0f, min);
    assertEquals(255f, max);
  }
}
