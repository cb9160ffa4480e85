package dev.sparkmlp.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Killing an executor in mid-training changes nothing in the result: a run on the two-Worker
 * loopback cluster whose executor is killed with SIGKILL after the first epoch ends with the
 * same weights.bin, byte for byte, as an undisturbed run with the same seed. Spark re-runs the lost
 * tasks (and recomputes the lost cached partitions) on the surviving executor or on the replacement
 * the Worker starts, and a retried task computes the identical gradient: rows, shuffles and
 * dropout masks depend only on (seed, epoch, step, partition), and two partition sums add up the
 * same in either order.
 *
 * <p>How the executor's PID is found: the application id is the one new directory under the
 * Workers' work dir ({@code cluster-it/work/<app-id>/}, which holds one {@code <executor-id>/} dir
 * per executor). Its executors are the processes whose command line
 * ({@code /proc/<pid>/cmdline}, what {@code ps -eo pid,args} shows) runs
 * {@code org.apache.spark.executor.CoarseGrainedExecutorBackend} with {@code --app-id <app-id>};
 * {@code --executor-id} names the work dir. The test kills the
 * executor with the lowest id once metrics.jsonl has its first line (epoch 1 of 3 is done) and
 * requires that training had not finished by then and that the driver reported the lost executor.
 */
@Tag("integration")
final class ClusterFaultIT {
  static final int EPOCHS = 3;
  static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";

  private static LoopbackCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    Path mnist = LoopbackCluster.repoRoot().resolve("data/mnist/train-images-idx3-ubyte.gz");
    assumeTrue(Files.exists(mnist),
        "data/mnist is absent: no MNIST files to train on, skipping the executor fault test");
    cluster = LoopbackCluster.start(2);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  @Test
  @Timeout(1200)
  void killedExecutorLeavesTheWeightsUnchanged() throws Exception {
    Path reference = cluster.state.resolve("runs/fault-reference");
    Path faulty = cluster.state.resolve("runs/fault-killed");
    ClusterIT.deleteTree(reference);
    ClusterIT.deleteTree(faulty);

    var undisturbed = cluster.submit("fault-reference", Duration.ofMinutes(8), Map.of(),
        args(reference));
    assertEquals(0, undisturbed.exitCode(), undisturbed.output());
    // The same code for both runs, even if a source changes meanwhile and scripts/submit would
    // rebuild the jar.
    Path jar = cluster.state.resolve("fault-app.jar");
    Files.copy(cluster.appJar(), jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    List<Path> before = cluster.apps();
    var run = cluster.startSubmit("fault-killed", Map.of("SPARKMLP_APP_JAR", jar.toString()),
        args(faulty));
    try {
      Path metrics = faulty.resolve("metrics.jsonl");
      awaitFirstEpoch(run, metrics, Duration.ofMinutes(8));
      List<Path> apps = cluster.appsSince(before);
      assertEquals(1, apps.size(), "expected one new application in the work dir: " + apps);
      String appId = apps.get(0).getFileName().toString();
      ProcessHandle executor = executorsOf(appId).get(0);
      int epochsDone = lines(metrics);
      assertFalse(Files.exists(faulty.resolve("summary.json")),
          "training finished before the kill");
      assertTrue(epochsDone < EPOCHS, "all " + epochsDone + " epochs were done before the kill");
      executor.destroyForcibly();
      executor.onExit().get(30, TimeUnit.SECONDS);

      var r = cluster.await(run, Duration.ofMinutes(8));
      assertEquals(0, r.exitCode(), r.output());
      assertTrue(r.output().contains("Lost executor"),
          "the driver did not report the killed executor " + executor.pid() + ":\n" + r.output());
      assertEquals(EPOCHS, lines(metrics), r.output());
      assertArrayEquals(Files.readAllBytes(reference.resolve("model/weights.bin")),
          Files.readAllBytes(faulty.resolve("model/weights.bin")),
          "weights after killing executor " + executor.pid() + " of " + appId + " in epoch "
              + (epochsDone + 1) + " differ from the undisturbed run");
    } finally {
      if (run.process().isAlive()) LoopbackCluster.killTree(run.process());
    }
  }

  /** 10,000 MNIST rows, 10 steps of 1,000 per epoch, two partitions (one per Worker). */
  private static List<String> args(Path out) {
    return ClusterIT.concat(ClusterIT.SPARK_OPTS, List.of("train", "--config", "conf/mnist.conf",
        "--set", "data.train-rows=10000", "--output", out.toString(),
        "--epochs", Integer.toString(EPOCHS), "--batch-size", "1000", "--lr", "3e-3",
        "--partitions", "2"));
  }

  private static void awaitFirstEpoch(LoopbackCluster.Running run, Path metrics, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (lines(metrics) < 1) {
      if (!run.process().isAlive()) {
        fail("the run ended before its first epoch:\n" + LoopbackCluster.read(run.log()));
      }
      if (System.nanoTime() > deadline) {
        fail("no epoch finished within " + timeout + ":\n" + LoopbackCluster.read(run.log()));
      }
      Thread.sleep(50);
    }
  }

  /** The live executors of {@code appId}, lowest executor id first; fails when there are none. */
  static List<ProcessHandle> executorsOf(String appId) {
    List<ProcessHandle> found = ProcessHandle.allProcesses()
        .filter(p -> {
          List<String> cmd = commandLine(p.pid());
          int i = cmd.indexOf("--app-id");
          return cmd.contains(EXECUTOR_MAIN) && i >= 0 && i + 1 < cmd.size()
              && cmd.get(i + 1).equals(appId);
        })
        .sorted(java.util.Comparator.comparing(p -> executorId(commandLine(p.pid()))))
        .toList();
    assertFalse(found.isEmpty(), "no " + EXECUTOR_MAIN + " process with --app-id " + appId);
    return found;
  }

  private static String executorId(List<String> cmd) {
    int i = cmd.indexOf("--executor-id");
    return i >= 0 && i + 1 < cmd.size() ? cmd.get(i + 1) : "";
  }

  /** The arguments of a process from /proc (empty when it is gone or not readable). */
  private static List<String> commandLine(long pid) {
    try {
      String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8);
      return raw.isEmpty() ? List.of() : List.of(raw.split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }

  private static int lines(Path file) {
    String text = LoopbackCluster.read(file);
    return (int) text.lines().filter(l -> !l.isBlank()).count();
  }
}
