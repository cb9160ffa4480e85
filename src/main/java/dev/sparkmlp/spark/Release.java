package dev.sparkmlp.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;

/**
 * Frees cached rows and broadcasts and waits until the executors have dropped them. Spark's
 * public {@code unpersist()} and {@code destroy()} only send the request: the block manager master
 * then asks every executor on its own thread pool. Stopping Spark right after (as the CLI does when
 * a run ends, or when bad data stops it before training) shuts that pool down under the pending
 * asks, and Scala prints their {@code RejectedExecutionException}s on stderr, where the user sees
 * a stack trace after a one-line error. So whatever is freed when a source, an evaluator or a data
 * set closes is freed with the blocking variants.
 *
 * <p>{@code Broadcast.destroy(boolean)} is {@code private[spark]} in Scala, which is public in the
 * bytecode, and is the one blocking form of destroy Spark has.
 */
final class Release {
  private Release() {}

  /**
   * Unpersists {@code rdd} and waits for the executors to drop its blocks, and destroys the
   * broadcasts its rows were shipped in ({@link Layout#broadcast}).
   */
  static void rdd(JavaRDD<?> rdd) {
    rdd.unpersist(true);
    Layout.releaseRows(rdd.id());
  }

  /** Destroys {@code b} and waits for the executors and the driver to drop its blocks. */
  static void broadcast(Broadcast<?> b) {
    b.destroy(true);
  }
}
