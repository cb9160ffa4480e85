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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Faults on the two-Worker loopback cluster, in this order (each later test may rely on what the
 * earlier ones left, and the last two kill Workers):
 * <ol>
 *   <li>a killed executor changes nothing in the result (below);
 *   <li>a driver SIGKILLed at a random step (the seed is printed; rerun with
 *       {@code -Dsparkmlp.it.seed=S}) and resumed with {@code --resume} from its step checkpoint
 *       ends with the same weights.bin bytes;
 *   <li>a whole Worker killed (its JVM and its executor, SIGKILL) mid-run: training completes on
 *       the remaining Worker with the same weights.bin bytes;
 *   <li>every Worker killed mid-run: the driver stops with a one-line "no Spark executor left"
 *       error within spark.sparkmlp.executorWaitSeconds (10 here) plus a margin.
 * </ol>
 * All runs are compared with one undisturbed run of the same command.
 *
 * <p>Killing an executor in mid-training changes nothing in the result: a run on the two-Worker
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
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class ClusterFaultIT {
  static final int EPOCHS = 3;
  static final int STEPS = EPOCHS * 10;
  static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";
  static final String WORKER_MAIN = "org.apache.spark.deploy.worker.Worker";

  private static LoopbackCluster cluster;
  /** The undisturbed run's output and the jar it ran, made by {@link #reference}. */
  private static Path reference;
  private static Path jar;

  @BeforeAll
  static void startCluster() throws Exception {
    Path mnist = LoopbackCluster.repoRoot().resolve("data/mnist/train-images-idx3-ubyte.gz");
    assumeTrue(Files.exists(mnist),
        "data/mnist is absent: no MNIST files to train on, skipping the fault tests");
    cluster = LoopbackCluster.start(2);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  /**
   * The undisturbed run, made once; later runs submit the same jar, even if a source changes
   * meanwhile and scripts/submit would rebuild it.
   */
  private static Path reference() throws Exception {
    if (reference != null) return reference;
    Path out = cluster.state.resolve("runs/fault-reference");
    ClusterIT.deleteTree(out);
    var undisturbed = cluster.submit("fault-reference", Duration.ofMinutes(8), Map.of(), args(out));
    assertEquals(0, undisturbed.exitCode(), undisturbed.output());
    assertTrue(undisturbed.output().contains("sums added on the driver, an epoch's steps in one job"),
        "a step loop per epoch on the cluster:\n" + undisturbed.output());
    // The executors read the idx files themselves; a lost partition is read again.
    assertTrue(undisturbed.output().contains("10,000 training rows (read by the executors)"),
        undisturbed.output());
    jar = cluster.state.resolve("fault-app.jar");
    Files.copy(cluster.appJar(), jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    reference = out;
    return out;
  }

  private static void assertSameWeights(Path run, String what) throws IOException {
    assertArrayEquals(Files.readAllBytes(reference.resolve("model/weights.bin")),
        Files.readAllBytes(run.resolve("model/weights.bin")),
        "weights after " + what + " differ from the undisturbed run");
  }

  private static LoopbackCluster.Running start(String name, List<String> args) throws IOException {
    return cluster.startSubmit(name, Map.of("SPARKMLP_APP_JAR", jar.toString()), args);
  }

  @Test
  @Order(1)
  @Timeout(1200)
  void killedExecutorLeavesTheWeightsUnchanged() throws Exception {
    reference();
    Path faulty = cluster.state.resolve("runs/fault-killed");
    ClusterIT.deleteTree(faulty);

    List<Path> before = cluster.apps();
    var run = start("fault-killed", args(faulty));
    try {
      Path metrics = faulty.resolve("metrics.jsonl");
      awaitFirstEpoch(run, metrics, Duration.ofMinutes(8));
      String appId = newApp(before);
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
      assertSameWeights(faulty, "killing executor " + executor.pid() + " of " + appId
          + " in epoch " + (epochsDone + 1));
    } finally {
      if (run.process().isAlive()) LoopbackCluster.killTree(run.process());
    }
  }

  /**
   * The driver (the JVM scripts/submit execs, checkpointing after every step) is SIGKILLed once
   * its checkpoint has reached a random step, then resumed into the same output directory.
   */
  @Test
  @Order(2)
  @Timeout(1200)
  void killedDriverResumesToTheSameWeights() throws Exception {
    reference();
    long seed = Long.getLong("sparkmlp.it.seed", System.nanoTime());
    int killStep = new SplittableRandom(seed).nextInt(2, STEPS - 3);
    System.out.println("ClusterFaultIT: driver kill seed " + seed + ": SIGKILL at step "
        + killStep + " of " + STEPS + " (rerun with -Dsparkmlp.it.seed=" + seed + ")");
    Path out = cluster.state.resolve("runs/fault-driver");
    ClusterIT.deleteTree(out);
    List<String> checkpointed = ClusterIT.concat(args(out),
        List.of("--set", "train.checkpoint-every-steps=1"));
    var run = start("fault-driver", checkpointed);
    Path checkpoint = out.resolve("checkpoint");
    long killedAt;
    try {
      killedAt = awaitCheckpointStep(run, checkpoint, killStep, Duration.ofMinutes(8));
      assertTrue(run.process().isAlive(), "the driver ended before the kill");
      LoopbackCluster.killTree(run.process());
      assertTrue(run.process().waitFor(30, TimeUnit.SECONDS), "the driver outlived SIGKILL");
    } finally {
      if (run.process().isAlive()) LoopbackCluster.killTree(run.process());
    }
    System.out.println("ClusterFaultIT: the driver was killed with its checkpoint at step "
        + killedAt);
    assertFalse(Files.exists(out.resolve("model/weights.bin")), "the killed run saved a model");

    var r = cluster.await(start("fault-driver-resumed", ClusterIT.concat(checkpointed,
        List.of("--resume", checkpoint.toString()))), Duration.ofMinutes(8));
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("resumed from " + checkpoint), r.output());
    assertEquals(EPOCHS, lines(out.resolve("metrics.jsonl")), r.output());
    assertSameWeights(out, "killing the driver at step " + killedAt + " (seed " + seed
        + ") and resuming");
  }

  /**
   * A whole Worker goes: its JVM first (so that it cannot report its executor's end to the
   * Master, which would start a replacement), then its executor, both with SIGKILL. The other
   * Worker's executor recomputes the lost partitions and finishes the run.
   */
  @Test
  @Order(3)
  @Timeout(1200)
  void killedWorkerLeavesTheWeightsUnchanged() throws Exception {
    reference();
    Path out = cluster.state.resolve("runs/fault-worker");
    ClusterIT.deleteTree(out);
    List<Path> before = cluster.apps();
    var run = start("fault-worker", args(out));
    try {
      Path metrics = out.resolve("metrics.jsonl");
      awaitFirstEpoch(run, metrics, Duration.ofMinutes(8));
      ProcessHandle executor = executorsOf(newApp(before)).get(0);
      ProcessHandle worker = workerOf(executor);
      assertFalse(Files.exists(out.resolve("summary.json")), "training finished before the kill");
      worker.destroyForcibly();
      executor.destroyForcibly();
      worker.onExit().get(30, TimeUnit.SECONDS);
      executor.onExit().get(30, TimeUnit.SECONDS);

      var r = cluster.await(run, Duration.ofMinutes(8));
      assertEquals(0, r.exitCode(), r.output());
      assertTrue(r.output().contains("Lost executor"), r.output());
      assertEquals(EPOCHS, lines(metrics), r.output());
      assertSameWeights(out, "killing Worker " + worker.pid() + " and its executor "
          + executor.pid());
    } finally {
      if (run.process().isAlive()) LoopbackCluster.killTree(run.process());
    }
  }

  /** With every Worker gone, the driver says so within the configured wait and exits. */
  @Test
  @Order(4)
  @Timeout(900)
  void noExecutorLeftIsAClearErrorWithinTheBound() throws Exception {
    reference();
    Path out = cluster.state.resolve("runs/fault-no-executor");
    ClusterIT.deleteTree(out);
    List<Path> before = cluster.apps();
    int wait = 10;
    var run = start("fault-no-executor", ClusterIT.concat(List.of("--conf",
        "spark.sparkmlp.executorWaitSeconds=" + wait), args(out)));
    long killed;
    try {
      awaitFirstEpoch(run, out.resolve("metrics.jsonl"), Duration.ofMinutes(8));
      List<ProcessHandle> executors = executorsOf(newApp(before));
      for (ProcessHandle e : executors) workerOf(e).destroyForcibly();
      for (ProcessHandle e : executors) e.destroyForcibly();
      killed = System.nanoTime();
    } catch (Exception | AssertionError e) {
      LoopbackCluster.killTree(run.process());
      throw e;
    }
    var r = cluster.await(run, Duration.ofMinutes(3));
    double seconds = (System.nanoTime() - killed) / 1e9;
    assertEquals(2, r.exitCode(), r.output());
    List<String> errors = r.output().lines().filter(l -> l.startsWith("sparkmlp: error:"))
        .toList();
    assertEquals(1, errors.size(), r.output());
    assertTrue(errors.get(0).matches("sparkmlp: error: no Spark executor left (at epoch \\d+ step"
        + " \\d+|while evaluating the [a-z ]+): none registered for " + wait
        + " s \\(spark.sparkmlp.executorWaitSeconds; are the workers gone\\?\\)"), errors.get(0));
    assertFalse(r.output().contains("internal error"), r.output());
    assertTrue(seconds < wait + 45, "exited " + seconds + " s after the kill");
    System.out.println("ClusterFaultIT: no executor left: exit " + r.exitCode() + " after "
        + String.format("%.1f", seconds) + " s: " + errors.get(0));
  }

  /** 10,000 MNIST rows, 10 steps of 1,000 per epoch, two partitions (one per Worker). */
  static List<String> args(Path out) {
    return ClusterIT.concat(ClusterIT.SPARK_OPTS, List.of("train", "--config", "conf/mnist.conf",
        "--set", "data.train-rows=10000", "--output", out.toString(),
        "--epochs", Integer.toString(EPOCHS), "--batch-size", "1000", "--lr", "3e-3",
        "--partitions", "2"));
  }

  private static String newApp(List<Path> before) throws IOException {
    List<Path> apps = cluster.appsSince(before);
    assertEquals(1, apps.size(), "expected one new application in the work dir: " + apps);
    return apps.get(0).getFileName().toString();
  }

  /** The Worker JVM that launched {@code executor}: its parent process. */
  static ProcessHandle workerOf(ProcessHandle executor) {
    ProcessHandle parent = executor.parent().orElseThrow(
        () -> new AssertionError("executor " + executor.pid() + " has no parent"));
    assertTrue(commandLine(parent.pid()).contains(WORKER_MAIN),
        "the parent " + parent.pid() + " of executor " + executor.pid() + " is not a Worker: "
            + commandLine(parent.pid()));
    return parent;
  }

  static void awaitFirstEpoch(LoopbackCluster.Running run, Path metrics, Duration timeout)
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

  /**
   * Waits until the checkpoint in {@code dir} is at global step {@code step} or later; returns
   * the step it saw. checkpoint.json is read while the driver may be replacing it, so a read that
   * fails is retried.
   */
  static long awaitCheckpointStep(LoopbackCluster.Running run, Path dir, long step,
      Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    while (true) {
      try {
        long at = json.readTree(dir.resolve("checkpoint.json").toFile()).path("step").asLong(-1);
        if (at >= step) return at;
      } catch (IOException notYetOrBeingReplaced) {
        // retried
      }
      if (!run.process().isAlive()) {
        fail("the run ended before its checkpoint reached step " + step + ":\n"
            + LoopbackCluster.read(run.log()));
      }
      if (System.nanoTime() > deadline) {
        fail("no checkpoint of step " + step + " within " + timeout + ":\n"
            + LoopbackCluster.read(run.log()));
      }
      Thread.sleep(5);
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
  static List<String> commandLine(long pid) {
    try {
      String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8);
      return raw.isEmpty() ? List.of() : List.of(raw.split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }

  static int lines(Path file) {
    String text = LoopbackCluster.read(file);
    return (int) text.lines().filter(l -> !l.isBlank()).count();
  }
}
