package dev.sparkmlp.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sparkmlp.cli.Main;
import dev.sparkmlp.io.Checkpoint;
import dev.sparkmlp.io.CheckpointIO;
import dev.sparkmlp.math.Vec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The standalone Master dies (SIGKILL) while a driver trains with step checkpoints. Spark alone
 * would go on waiting for the Master to come back; with {@code
 * spark.sparkmlp.masterTimeoutSeconds=5} the driver must exit with code 2 and one error line
 * naming the Master, the timeout, the epoch and step and the checkpoint to resume from, within the
 * timeout plus a margin. The checkpoint it leaves must load (every checksum checked), and resuming
 * it on the local engine, which follows the Spark trajectory bitwise at as many shards, must end
 * with the weights of an uninterrupted local run.
 */
@Tag("integration")
final class ClusterMasterIT {
  private static final int TIMEOUT = 5;

  private static LoopbackCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    assumeTrue(Files.exists(LoopbackCluster.repoRoot()
            .resolve("data/mnist/train-images-idx3-ubyte.gz")),
        "data/mnist is absent: no MNIST files to train on, skipping the master fault test");
    cluster = LoopbackCluster.start(1);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  /** 10,000 MNIST rows, 10 steps per epoch on two partitions, as ClusterFaultIT. */
  private static List<String> train(Path out, int epochs) {
    return List.of("train", "--config", "conf/mnist.conf", "--set", "data.train-rows=10000",
        "--output", out.toString(), "--epochs", Integer.toString(epochs), "--batch-size", "1000",
        "--lr", "3e-3", "--partitions", "2");
  }

  @Test
  @Timeout(900)
  void lostMasterEndsTheDriverInTimeAndLeavesAUsableCheckpoint() throws Exception {
    Path out = cluster.state.resolve("runs/master-lost");
    ClusterIT.deleteTree(out);
    Path checkpoint = out.resolve("checkpoint");
    // Far more epochs than run before the kill and the timeout.
    var run = cluster.startSubmit("master-lost", Map.of(), ClusterIT.concat(ClusterIT.SPARK_OPTS,
        ClusterIT.concat(List.of("--conf", "spark.sparkmlp.masterTimeoutSeconds=" + TIMEOUT),
            ClusterIT.concat(train(out, 100), List.of("--set", "train.checkpoint-every-steps=2")))));
    long killed;
    try {
      ClusterFaultIT.awaitCheckpointStep(run, checkpoint, 4, Duration.ofMinutes(8));
      long pid = Long.parseLong(Files.readString(cluster.state.resolve("master.pid")).trim());
      ProcessHandle master = ProcessHandle.of(pid).orElseThrow();
      assertTrue(ClusterFaultIT.commandLine(pid).contains("org.apache.spark.deploy.master.Master"));
      master.destroyForcibly();
      killed = System.nanoTime();
    } catch (Exception | AssertionError e) {
      LoopbackCluster.killTree(run.process());
      throw e;
    }
    var r = cluster.await(run, Duration.ofMinutes(3));
    double seconds = (System.nanoTime() - killed) / 1e9;
    System.out.println("ClusterMasterIT: driver exit " + r.exitCode() + " "
        + String.format("%.1f", seconds) + " s after the Master's kill");
    assertEquals(2, r.exitCode(), r.output());
    List<String> errors = r.output().lines().filter(l -> l.startsWith("sparkmlp: error:")).toList();
    assertEquals(1, errors.size(), r.output());
    String cp = Pattern.quote(checkpoint.toString());
    assertTrue(errors.get(0).matches("sparkmlp: error: lost the Spark master "
        + Pattern.quote(LoopbackCluster.MASTER) + " (at epoch \\d+ step \\d+|while evaluating"
        + " the [a-z ]+): unreachable for " + TIMEOUT + " s \\(spark.sparkmlp.masterTimeoutSeconds"
        + "\\); the last checkpoint is in " + cp + " \\(continue with --resume " + cp + "\\)"),
        errors.get(0));
    assertFalse(r.output().contains("internal error"), r.output());
    assertTrue(seconds < TIMEOUT + 40, "the driver exited " + seconds + " s after the kill");
    assertFalse(Files.exists(out.resolve("model/weights.bin")), "a model was saved");

    Checkpoint c = CheckpointIO.load(checkpoint.toString());
    assertTrue(c.step() >= 4, "checkpoint at step " + c.step());
    float[] w = c.model().params();
    assertTrue(Vec.allFinite(w, 0, w.length));
    int epochs = c.epoch() + 1;
    List<String> local = List.of("--engine", "local");
    Path straight = cluster.state.resolve("runs/master-straight");
    Path resumed = cluster.state.resolve("runs/master-resumed");
    ClusterIT.deleteTree(straight);
    ClusterIT.deleteTree(resumed);
    assertEquals(0, Main.run(ClusterIT.concat(train(straight, epochs), local)
        .toArray(String[]::new)));
    assertEquals(0, Main.run(ClusterIT.concat(train(resumed, epochs), ClusterIT.concat(local,
        List.of("--resume", checkpoint.toString()))).toArray(String[]::new)));
    assertArrayEquals(Files.readAllBytes(straight.resolve("model/weights.bin")),
        Files.readAllBytes(resumed.resolve("model/weights.bin")),
        "resuming the checkpoint of step " + c.step() + " locally");
  }
}
