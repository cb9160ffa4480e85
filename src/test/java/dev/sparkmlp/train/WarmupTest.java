package dev.sparkmlp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Task;
import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.NetworkSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JIT warm-up's passes and their end, and the shapes known before a data set is read. */
class WarmupTest {
  @TempDir
  Path dir;

  private static NetworkSpec spec() {
    return NetworkSpec.mlp(20, new int[] {16, 16}, 3, Activation.RELU, 0f, Init.HE_UNIFORM,
        Activation.SOFTMAX, Loss.CCE, 0.2f, true, false);
  }

  @Test
  void passesRunUntilClosedAndNotAfter() throws Exception {
    Warmup w = Warmup.start(spec(), 32);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (w.passes() < 3 && System.nanoTime() < deadline) Thread.sleep(5);
    assertTrue(w.passes() >= 3, "passes: " + w.passes());
    w.close();
    int passes = w.passes();
    Thread.sleep(50);
    assertEquals(passes, w.passes(), "no pass after close");
    w.close();
    assertEquals(passes, w.passes(), "a second close changes nothing");
  }

  @Test
  void aSliceOfPassesOnTheCallingThreadEndsOnTime() {
    long t0 = System.nanoTime();
    int passes = Warmup.passes(spec(), 32, 50_000_000L);
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(passes >= 1, "passes: " + passes);
    // The slice ends after the pass that crosses 50 ms; a pass of 32 rows is far below 1 s.
    assertTrue(seconds >= 0.05 && seconds < 5, "took " + seconds + " s");
    assertEquals(0, Warmup.passes(spec(), 32, 0), "no time, no pass");
  }

  private static DataSpec spec(String format, String train, int classes, Task task) {
    return new DataSpec(format, train, "", 0, 0, "", "", 0, "", "", task, classes, "", "auto",
        ',', 0, "auto");
  }

  @Test
  void idxAndCifarGiveTheirShapeBeforeTheRead() {
    String mnist = "data/mnist/train-images-idx3-ubyte.gz";
    assertTrue(Files.exists(Path.of(mnist)), "the repository's MNIST copy");
    assertArrayEquals(new int[] {784, 10},
        Datasets.shapeBeforeReading(spec("idx", mnist, 0, Task.CLASSIFICATION)));
    assertArrayEquals(new int[] {784, 12},
        Datasets.shapeBeforeReading(spec("idx", mnist, 12, Task.CLASSIFICATION)));
    assertArrayEquals(new int[] {3072, 10}, Datasets.shapeBeforeReading(
        spec("cifar", "data_batch_1.bin", 0, Task.CLASSIFICATION)));
  }

  @Test
  void otherFormatsAndUnreadableFilesGiveNone() throws Exception {
    Path csv = dir.resolve("a.csv");
    Files.writeString(csv, "1,2,0\n3,4,1\n");
    assertNull(Datasets.shapeBeforeReading(spec("csv", csv.toString(), 0, Task.CLASSIFICATION)));
    assertNull(Datasets.shapeBeforeReading(
        spec("idx", dir.resolve("missing-images-idx3-ubyte").toString(), 0,
            Task.CLASSIFICATION)));
    // A file that is not IDX: the read reports it, with the file and the header.
    assertNull(Datasets.shapeBeforeReading(spec("idx", csv.toString(), 0, Task.CLASSIFICATION)));
    assertNull(Datasets.shapeBeforeReading(
        spec("idx", "data/mnist/train-images-idx3-ubyte.gz", 0, Task.REGRESSION)));
  }
}
