package dev.sparkmlp.train;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.math.Rng;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.nn.Workspace;

/**
 * Training passes of the run's network over synthetic rows on a daemon thread, while the data is
 * read, so that the JIT has compiled the matrix kernels, the activations and the loss by the
 * first step.
 *
 * <p>Without it the first epoch runs on interpreted and lightly compiled code until C2 catches
 * up: on the 2-core Xeon, epoch 1 of {@code conf/mnist-spark.conf} took 2.3 s on the local engine
 * against 0.6 s for each later epoch, and the data read leaves the second core idle. The passes
 * touch nothing of the run (their own network, weights and rows), so results are the same bits
 * with or without them; they stop when the read ends ({@link #close}) or after
 * {@link #MAX_SECONDS}, whichever comes first.
 */
public final class Warmup implements AutoCloseable {
  /** Upper bound on the passes' wall time, for a read that takes long. */
  public static final double MAX_SECONDS = 3.0;
  /** Upper bound on the synthetic batch. */
  static final int MAX_ROWS = 512;

  private final Thread thread;
  private volatile boolean stop;
  private volatile int passes;
  private volatile Throwable failure;
  private boolean closed;

  private Warmup(NetworkSpec spec, int rows) {
    thread = new Thread(() -> {
      try {
        run(spec, rows);
      } catch (Throwable t) {
        failure = t;
      }
    }, "sparkmlp warm-up");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Starts passes of {@code spec}'s network over batches of {@code rows} rows (clamped to
   * [1, {@link #MAX_ROWS}]): a shard's share of the batch, so that the kernels see the shapes the
   * run will give them.
   */
  public static Warmup start(NetworkSpec spec, int rows) {
    return new Warmup(spec, Math.max(1, Math.min(MAX_ROWS, rows)));
  }

  private void run(NetworkSpec spec, int rows) {
    passes(spec, rows, (long) (MAX_SECONDS * 1e9), () -> stop, () -> passes++);
  }

  /**
   * Passes as {@link #start} runs them, on the calling thread, for at most {@code nanos}; for a
   * JVM that computes but does not read (a cluster's executor). Returns the passes run.
   */
  public static int passes(NetworkSpec spec, int rows, long nanos) {
    int[] n = new int[1];
    passes(spec, Math.max(1, Math.min(MAX_ROWS, rows)), nanos, () -> false, () -> n[0]++);
    return n[0];
  }

  private static void passes(NetworkSpec spec, int rows, long nanos,
      java.util.function.BooleanSupplier stop, Runnable counted) {
    Network net = Network.build(spec);
    float[] params = new float[net.paramCount()];
    float[] buffers = new float[net.bufferCount()];
    net.initialize(params, buffers, 0);
    Block block = synthetic(rows, net.inputs(), Math.max(2, net.outputs()));
    int[] index = new int[rows];
    for (int r = 0; r < rows; r++) index[r] = r;
    Workspace ws = net.newWorkspace(rows);
    long deadline = System.nanoTime() + nanos;
    while (!stop.getAsBoolean() && System.nanoTime() < deadline) {
      ws.reset();
      net.accumulate(params, buffers, block, index, 0, rows, 0L, ws);
      counted.run();
    }
  }

  /** Rows of uniform [0, 1) features with labels cycling through the classes. */
  private static Block synthetic(int rows, int features, int classes) {
    float[] x = new float[rows * features];
    long key = Rng.key(0, 1);
    for (int i = 0; i < x.length; i++) x[i] = Rng.uniform(key, i);
    int[] labels = new int[rows];
    for (int r = 0; r < rows; r++) labels[r] = r % classes;
    return Block.classification(rows, features, x, labels, classes);
  }

  /** Training passes run so far. */
  public int passes() {
    return passes;
  }

  /** Asks the passes to stop after the one running, and returns at once. */
  public void stop() {
    stop = true;
  }

  /**
   * Stops the passes and waits for the thread; a second call does nothing more. A pass that
   * failed is rethrown here.
   */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    stop = true;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw new IllegalStateException("the JIT warm-up failed: " + failure, failure);
    }
  }
}
