package dev.sparkmlp.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkContext;

/**
 * Bounded checks that a Spark master can run work. Spark's standalone client retries registration
 * for about a minute before it gives up, and with a reachable master but no free worker every job
 * waits forever; these checks turn both into a prompt, clear error.
 */
public final class SparkMaster {
  private SparkMaster() {}

  /** local, local[n], local[*], local[n,f]: executors in this JVM. */
  public static boolean isLocal(String master) {
    return master.equals("local") || master.startsWith("local[");
  }

  /**
   * Task slots of a local master that runs each task once: 1 for {@code local}, n for
   * {@code local[n]}, the JVM's processors for {@code local[*]}, divided by {@code taskCpus}
   * (spark.task.cpus). 0 for {@code local[n,f]}, which retries failed tasks, and for any other
   * master.
   */
  public static int localSlotsWithoutRetries(String master, int taskCpus) {
    int cores;
    if (master.equals("local")) {
      cores = 1;
    } else if (master.equals("local[*]")) {
      cores = Runtime.getRuntime().availableProcessors();
    } else if (master.matches("local\\[[1-9][0-9]{0,5}\\]")) {
      cores = Integer.parseInt(master.substring(6, master.length() - 1));
    } else {
      return 0;
    }
    return taskCpus <= 0 ? 0 : cores / taskCpus;
  }

  /**
   * For a standalone master {@code spark://host:port[,host2:port2...]}: at least one of the listed
   * masters accepts a TCP connection within {@code timeout}. Other masters (local, yarn, k8s) pass.
   *
   * @throws IllegalArgumentException "cannot reach Spark master spark://...: ..." naming each
   *     address and why it failed, or naming the malformed part of the URL
   */
  public static void checkReachable(String master, Duration timeout) {
    if (!master.toLowerCase(Locale.ROOT).startsWith("spark://")) return;
    List<String> failures = new ArrayList<>();
    for (String hostPort : master.substring("spark://".length()).split(",")) {
      String hp = hostPort.trim();
      int colon = hp.lastIndexOf(':');
      if (colon <= 0 || colon == hp.length() - 1) {
        throw new IllegalArgumentException(
            "bad Spark master URL " + master + ": '" + hp + "' is not host:port");
      }
      int port;
      try {
        port = Integer.parseInt(hp.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "bad Spark master URL " + master + ": the port of '" + hp + "' is not a number");
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(hp.substring(0, colon), port),
            (int) Math.max(1, timeout.toMillis()));
        return;
      } catch (IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        failures.add(hp + " (" + why + ")");
      }
    }
    throw new IllegalArgumentException(
        "cannot reach Spark master " + master + ": " + String.join(", ", failures));
  }

  /**
   * Waits until at least one executor has registered with a non-local master.
   *
   * @throws IllegalStateException "cannot reach Spark master ...: no executors registered within
   *     N s"
   */
  public static void awaitExecutors(SparkContext sc, Duration timeout) {
    if (isLocal(sc.master())) return;
    long deadline = System.nanoTime() + timeout.toNanos();
    // The status tracker lists the driver as well.
    while (sc.statusTracker().getExecutorInfos().length < 2) {
      if (sc.isStopped()) {
        throw new IllegalStateException("cannot reach Spark master " + sc.master()
            + ": the application stopped before any executor registered (see the log above)");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("cannot reach Spark master " + sc.master()
            + ": no executors registered within " + timeout.toSeconds() + " s (is a worker"
            + " running, with the cores and memory spark.executor.cores and"
            + " spark.executor.memory ask for?)");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for executors of " + sc.master(), e);
      }
    }
  }
}
