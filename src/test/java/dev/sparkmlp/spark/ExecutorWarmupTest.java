package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.nn.Activation;
import dev.sparkmlp.nn.Init;
import dev.sparkmlp.nn.Loss;
import dev.sparkmlp.nn.NetworkSpec;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The executors' JIT warm-up job: one task per core, each running passes for its time. */
class ExecutorWarmupTest {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[3]");
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @Test
  void oneTaskPerCoreRunsPassesForItsTime() throws Exception {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    NetworkSpec spec = NetworkSpec.mlp(12, new int[] {8}, 3, Activation.RELU, 0f,
        Init.HE_UNIFORM, Activation.SOFTMAX, Loss.CCE, 0f, false, false);
    long t0 = System.nanoTime();
    List<Integer> passes = ExecutorWarmup.start(jsc, spec, 16, 0.3).get(60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(3, passes.size(), "one task per core of local[3]");
    for (int p : passes) assertTrue(p >= 1, "passes per task: " + passes);
    assertTrue(seconds >= 0.3, "the tasks ran for their time: " + seconds);
  }
}
