package dev.sparkmlp.nn;

import static dev.sparkmlp.nn.GradCheck.identity;
import static dev.sparkmlp.nn.GradCheck.randomParams;
import static dev.sparkmlp.nn.GradCheck.randomX;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Gemm;
import dev.sparkmlp.math.Rng;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Counts the bytes this thread allocates in warm training, evaluation and prediction passes
 * through every layer type. Run by {@code NetworkTest.passesDoNotAllocate} in a child JVM with
 * {@code -Xint -Dsparkmlp.gemm=scalar}, where no compiler can remove an allocation, so the count
 * is exact and the same on every run. Prints one line; exits 1 if the JVM is not set up that way.
 */
public final class AllocationProbe {
  static final int PASSES = 20;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private AllocationProbe() {}

  public static void main(String[] args) {
    if (!Gemm.implementation().equals("scalar")) {
      System.out.println("the probe needs -Dsparkmlp.gemm=scalar, found " + Gemm.implementation());
      System.exit(1);
    }
    var spec = new NetworkSpec(12, List.of(dense(8), new LayerSpec.BatchNorm(0.9f, 1e-5f),
        LayerSpec.Act.of(Activation.GELU), new LayerSpec.Dropout(0.3f), dense(6),
        new LayerSpec.LayerNorm(1e-5f), LayerSpec.Act.of(Activation.ELU), dense(4),
        LayerSpec.Act.of(Activation.SOFTMAX)), Loss.CCE);
    Network net = Network.build(spec);
    float[] p = randomParams(net, 1);
    float[] buffers = new float[net.bufferCount()];
    net.initialize(new float[net.paramCount()], buffers, 1);
    int rows = 32;
    int[] labels = new int[rows];
    for (int r = 0; r < rows; r++) labels[r] = Rng.below(Rng.key(1, 3), r, 4);
    Block block = Block.classification(rows, 12, randomX(rows, 12, 1), labels, 4);
    int[] order = identity(rows);
    Workspace ws = net.newWorkspace(8);
    int[] pass = {0};
    long bytes = measure(() -> {
      int i = pass[0]++;
      ws.reset();
      net.accumulate(p, buffers, block, order, i % 24, i % 24 + 8, i, ws);
      net.evaluate(p, buffers, block, 0, rows, ws);
      net.predict(p, buffers, block.x, 12, 8, ws);
    });
    System.out.println("allocated " + bytes + " bytes in " + PASSES
        + " passes of accumulate + evaluate + predict");
  }

  /**
   * Bytes allocated by {@code PASSES} calls of {@code pass}, after one warm-up call (class
   * loading, thread-local scratch) and less the cost of reading the counter.
   */
  static long measure(Runnable pass) {
    pass.run();
    long overhead = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) overhead = Math.min(overhead, -allocated() + allocated());
    long before = allocated();
    for (int i = 0; i < PASSES; i++) pass.run();
    return Math.max(0, allocated() - before - overhead);
  }

  private static long allocated() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  private static LayerSpec.Dense dense(int units) {
    return new LayerSpec.Dense(units, Init.XAVIER_UNIFORM);
  }
}
