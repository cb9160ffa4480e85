package dev.sparkmlp.spark;

import dev.sparkmlp.nn.NetworkSpec;
import dev.sparkmlp.train.Warmup;

/**
 * The JIT warm-up of an executor that reads its own rows ({@link IdxFiles}): training passes of
 * the run's network on a daemon thread of the executor ({@code train.Warmup}), started by the
 * run's first task there and running while the executor reads, so that its kernels are compiled
 * by the first step. On the loopback cluster the first step's compute took 1.1 s without it,
 * against 10 ms for a step once compiled.
 *
 * <p>One warm-up per executor JVM. It stops at the first step computed on the executor
 * ({@link #stopForStep}: the passes would compete with the steps for its cores), or after
 * {@link Warmup#MAX_SECONDS}. The passes use their own network, weights and rows, so training is
 * the same bits with or without them.
 */
final class ExecutorWarmup {
  private ExecutorWarmup() {}

  private static volatile Warmup running;
  private static boolean started;

  /**
   * Starts passes of {@code spec}'s network over {@code rows} rows on this JVM, unless a warm-up
   * started here before.
   */
  static synchronized void start(NetworkSpec spec, int rows) {
    if (started) return;
    started = true;
    running = Warmup.start(spec, rows);
  }

  /** Stops the passes, if they run, without waiting for the one in progress. */
  static void stopForStep() {
    if (running == null) return;
    Warmup w;
    synchronized (ExecutorWarmup.class) {
      w = running;
      running = null;
    }
    if (w != null) w.stop();
  }

  /** Whether passes started on this JVM and no step has stopped them; for tests. */
  static boolean running() {
    return running != null;
  }

  /** Whether a warm-up started on this JVM; for tests. */
  static synchronized boolean started() {
    return started;
  }
}
