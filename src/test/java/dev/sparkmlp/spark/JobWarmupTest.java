package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Spark's job path warmed on a thread of its own: named jobs, stopped by close, bounded. */
class JobWarmupTest {
  static SparkSession spark;
  static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @Test
  void runsNamedJobsUntilClosed() throws Exception {
    List<String> names = Collections.synchronizedList(new ArrayList<>());
    SparkListener l = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart e) {
        names.add(String.valueOf(e.properties().getProperty("spark.job.description")));
      }
    };
    spark.sparkContext().addSparkListener(l);
    try {
      JobWarmup w = JobWarmup.start(jsc, 2);
      assertTrue(w.barrier(), "local[2] has a slot for each of 2 partitions");
      assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
        while (w.jobs() < 6) Thread.sleep(5);
      });
      long t0 = System.nanoTime();
      w.close();
      assertTrue(System.nanoTime() - t0 < 100_000_000L, "close does not wait for the job");
      w.awaitStopped();
      int jobs = w.jobs();
      assertNull(w.failure(), () -> "the warm-up failed: " + w.failure());
      assertTrue(jobs >= 6 && jobs <= JobWarmup.MAX_JOBS, "jobs: " + jobs);
      assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
        while (jsc.statusTracker().getActiveJobIds().length > 0) Thread.sleep(10);
      });
      Thread.sleep(100);
      assertEquals(jobs, w.jobs(), "no job after close");
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertTrue(names.size() >= jobs, names.toString());
      assertTrue(names.stream().allMatch("sparkmlp: warming up Spark's job path"::equals),
          names.toString());
      // The description was set on the warm-up's thread, not on this one.
      assertNull(jsc.getLocalProperty("spark.job.description"));
    } finally {
      spark.sparkContext().removeSparkListener(l);
    }
  }

  @Test
  void trainingPassesRunInTheTasksWhenGivenANetwork() throws Exception {
    // What a cluster's executors run: each task trains passes for a slice before it returns.
    var spec = dev.sparkmlp.nn.NetworkSpec.mlp(20, new int[] {16}, 3,
        dev.sparkmlp.nn.Activation.RELU, 0f, dev.sparkmlp.nn.Init.HE_UNIFORM,
        dev.sparkmlp.nn.Activation.SOFTMAX, dev.sparkmlp.nn.Loss.CCE, 0f, false, false);
    long t0 = System.nanoTime();
    JobWarmup w = JobWarmup.start(jsc, 2, spec, 8);
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      while (w.jobs() < 2) Thread.sleep(5);
    });
    double seconds = (System.nanoTime() - t0) / 1e9;
    w.close();
    w.awaitStopped();
    assertNull(w.failure());
    // Two jobs of tasks that each train for a slice take at least two slices.
    assertTrue(seconds >= 2 * JobWarmup.SLICE_NANOS / 1e9, "two jobs in " + seconds + " s");
  }

  @Test
  void noBarrierStageWithoutASlotPerPartition() throws Exception {
    JobWarmup w = JobWarmup.start(jsc, 3);
    assertFalse(w.barrier(), "3 partitions, 2 slots: a barrier stage would wait for ever");
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      while (w.jobs() < 3) Thread.sleep(5);
    });
    w.close();
    w.awaitStopped();
    assertNull(w.failure());
    assertThrows(IllegalArgumentException.class, () -> JobWarmup.start(jsc, 0));
  }
}
