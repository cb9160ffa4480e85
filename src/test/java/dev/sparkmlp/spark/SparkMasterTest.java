package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SparkMasterTest {
  @Test
  void unreachableMasterFailsFastWithTheUrl() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String master = "spark://127.0.0.1:" + port;
    long t0 = System.nanoTime();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkMaster.checkReachable(master, Duration.ofSeconds(2)));
    assertTrue((System.nanoTime() - t0) / 1e9 < 5, "bounded");
    String expected = "cannot reach Spark master " + master + ": 127.0.0.1:" + port + " (";
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
  }

  @Test
  void reachableMasterAndLocalMastersPass() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      String ha = "spark://127.0.0.1:1,127.0.0.1:" + s.getLocalPort();
      assertDoesNotThrow(() -> SparkMaster.checkReachable(ha, Duration.ofSeconds(2)));
    }
    assertDoesNotThrow(() -> SparkMaster.checkReachable("local[*]", Duration.ofSeconds(1)));
    assertTrue(SparkMaster.isLocal("local[2]"));
    assertTrue(!SparkMaster.isLocal("spark://h:7077"));
  }

  @Test
  void localSlotsCountOnlyMastersThatRunATaskOnce() {
    assertEquals(1, SparkMaster.localSlotsWithoutRetries("local", 1));
    assertEquals(4, SparkMaster.localSlotsWithoutRetries("local[4]", 1));
    assertEquals(2, SparkMaster.localSlotsWithoutRetries("local[4]", 2), "spark.task.cpus = 2");
    assertEquals(Runtime.getRuntime().availableProcessors(),
        SparkMaster.localSlotsWithoutRetries("local[*]", 1));
    assertEquals(0, SparkMaster.localSlotsWithoutRetries("local[4,3]", 1), "retries tasks");
    assertEquals(0, SparkMaster.localSlotsWithoutRetries("local[*,2]", 1));
    assertEquals(0, SparkMaster.localSlotsWithoutRetries("local-cluster[2,1,1024]", 1));
    assertEquals(0, SparkMaster.localSlotsWithoutRetries("spark://h:7077", 1));
    assertEquals(0, SparkMaster.localSlotsWithoutRetries("local[0]", 1));
  }

  @Test
  void malformedMasterIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkMaster.checkReachable("spark://host-without-port", Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("'host-without-port' is not host:port"), e.getMessage());
  }
}
