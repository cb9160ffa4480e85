package dev.sparkmlp.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * sparkmlp on a real Spark standalone cluster: a Master and two Workers on 127.0.0.1 started by
 * scripts/cluster, jobs submitted with scripts/submit. First a job that needs nothing of sparkmlp
 * (so a failure there points at the cluster or the scripts), then MNIST training, which must reach
 * 95% test accuracy. The cluster is stopped in {@link #stopCluster}, also when a test fails.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class ClusterIT {
  /** Both executors must exist before the first task, or one of them may sit idle. */
  static final List<String> SPARK_OPTS = List.of("--master", LoopbackCluster.MASTER,
      "--conf", "spark.ui.enabled=false",
      "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0");

  private static LoopbackCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = LoopbackCluster.start(2);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  @Test
  @Order(1)
  @Timeout(300)
  void sumJobRunsOnBothWorkers() throws Exception {
    Path jar = cluster.state.resolve("sumjob.jar");
    Path classes = LoopbackCluster.buildDir().resolve("test-classes");
    writeJar(jar, classes, "dev/sparkmlp/cluster/SumJob");
    var r = cluster.submit("sumjob", Duration.ofMinutes(4),
        Map.of("SPARKMLP_APP_JAR", jar.toString(), "SPARKMLP_MAIN_CLASS", SumJob.class.getName()),
        concat(SPARK_OPTS, List.of("1000000", "4")));
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("sum=500000500000 executors=2"), r.output());
  }

  @Test
  @Order(2)
  @Timeout(900)
  void mnistOnTwoWorkersReaches95Percent() throws Exception {
    assumeTrue(Files.exists(cluster.root.resolve("data/mnist/train-images-idx3-ubyte.gz")),
        "data/mnist is absent: no MNIST files to train on, skipping the cluster training test");
    Path out = cluster.state.resolve("runs/mnist");
    deleteTree(out);
    List<Path> before = cluster.apps();
    // Fewer, larger steps than conf/mnist.conf: each step pays the cluster's fixed cost. Spark's
    // own barrier slot check (40 tries, where the CLI sets 1), as a notebook's session keeps it:
    // the steps of an epoch still run in one job once both executors are up.
    var r = cluster.submit("mnist", Duration.ofMinutes(14), Map.of(), concat(SPARK_OPTS, List.of(
        "--conf", "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures=40",
        "train", "--config", "conf/mnist.conf", "--output", out.toString(),
        "--epochs", "3", "--batch-size", "1000", "--lr", "3e-3", "--partitions", "2")));
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("60,000 training rows (read by the executors)"), r.output());
    assertTrue(r.output().contains("an epoch's steps in one job"), r.output());
    assertFalse(r.output().contains("the step loop failed"), r.output());
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    double acc = summary.path("test_accuracy").asDouble(Double.NaN);
    assertTrue(acc >= 0.95, "test accuracy " + acc + " < 0.95 on the cluster:\n" + r.output());
    assertTrue(Files.size(out.resolve("model/weights.bin")) > 4 * 100_000, "weights.bin too small");
    assertTrue(Files.exists(out.resolve("model/model.json")));
    List<Path> apps = cluster.appsSince(before);
    assertEquals(1, apps.size(), "expected one application in the Workers' work dir: " + apps);
    assertEquals(2, LoopbackCluster.executorDirs(apps.get(0)).size(),
        "expected one executor on each Worker for " + apps.get(0));
  }

  /**
   * More partitions than the cluster's two cores, under Spark's own barrier slot check (40 tries
   * 15 s apart): no loop starts, each step is a job of its own, and the run ends in seconds
   * instead of waiting for cores that never come.
   */
  @Test
  @Order(3)
  @Timeout(300)
  void morePartitionsThanCoresTrainStepByStepWithoutWaiting() throws Exception {
    assumeTrue(Files.exists(cluster.root.resolve("data/mnist/train-images-idx3-ubyte.gz")),
        "data/mnist is absent: no MNIST files to train on, skipping the cluster training test");
    Path out = cluster.state.resolve("runs/mnist-3");
    deleteTree(out);
    long t0 = System.nanoTime();
    var r = cluster.submit("mnist-3", Duration.ofMinutes(4), Map.of(), concat(SPARK_OPTS, List.of(
        "--conf", "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures=40",
        "train", "--config", "conf/mnist.conf", "--output", out.toString(), "--set",
        "data.train-rows=3000", "--epochs", "1", "--batch-size", "300", "--partitions", "3")));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, r.exitCode(), r.output());
    assertFalse(r.output().contains("the step loop failed"), r.output());
    assertTrue(r.output().contains("a job per step until the executors have a slot per partition"),
        r.output());
    assertTrue(seconds < 120, "took " + seconds + " s:\n" + r.output());
    assertTrue(Files.exists(out.resolve("model/weights.bin")));
  }

  static List<String> concat(List<String> a, List<String> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }

  /** A jar of the classes under {@code classes} whose path starts with {@code prefix}. */
  static void writeJar(Path jar, Path classes, String prefix) throws IOException {
    Files.createDirectories(jar.getParent());
    try (OutputStream os = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(os);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = classes.relativize(f).toString().replace('\\', '/');
        if (!name.startsWith(prefix)) continue;
        out.putNextEntry(new JarEntry(name));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
