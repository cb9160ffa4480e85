package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Gradient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The steps of an epoch in one job ({@link StepLoop}), in local[2]: the same gradients as a job
 * per step, one job per epoch, and no job left holding the slots when training stops, idles or
 * is cancelled.
 */
class StepLoopTest {
  private static final int ROWS = 200;
  private static final int BATCH = 40;
  private static final int STEPS = 5;

  static SparkSession spark;
  static JavaSparkContext jsc;
  private final List<String> jobs = Collections.synchronizedList(new ArrayList<>());
  private final SparkListener listener = new SparkListener() {
    @Override
    public void onJobStart(SparkListenerJobStart start) {
      String d = start.properties() == null ? null
          : start.properties().getProperty("spark.job.description");
      if (d != null && d.startsWith("sparkmlp")) jobs.add(d);
    }
  };
  private Network net;
  private Block rows;
  private float[] w0;
  private float[] buf;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @BeforeEach
  void setUp() {
    net = Network.build(TestSpark.spec(0.2f, false));
    rows = TestSpark.blobs(ROWS, 3);
    w0 = new float[net.paramCount()];
    buf = new float[net.bufferCount()];
    net.initialize(w0, buf, 2);
    spark.sparkContext().addSparkListener(listener);
  }

  @AfterEach
  void tearDown() {
    spark.sparkContext().removeSparkListener(listener);
  }

  private SparkGradients source(int partitions, int epochs) {
    return new SparkGradients(jsc, net, rows, BATCH, partitions, 7, epochs, 0);
  }

  /**
   * Steps (epoch, s) for s from {@code first}, with w moved by a plain SGD step after each, so
   * that every step sees new weights; the gradient sums of every step, in order.
   */
  private List<float[]> run(SparkGradients g, int epochs, int first, float[] w) {
    List<float[]> sums = new ArrayList<>();
    for (int e = 0; e < epochs; e++) {
      for (int s = e == 0 ? first : 0; s < STEPS; s++) {
        Gradient sum = g.compute(w, buf, e, s);
        sums.add(sum.grad.clone());
        for (int i = 0; i < w.length; i++) w[i] -= 0.05f * sum.grad[i] / sum.count;
      }
    }
    return sums;
  }

  private List<float[]> reference(int epochs, int first) {
    try (SparkGradients g = source(2, epochs)) {
      g.stepLoops(false);
      return run(g, epochs, first, w0.clone());
    }
  }

  private void awaitNoActiveJob() {
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      while (jsc.statusTracker().getActiveJobIds().length > 0) Thread.sleep(10);
    });
  }

  @Test
  void anEpochIsOneJobWithTheGradientsOfAJobPerStep() throws Exception {
    List<float[]> expected = reference(2, 0);
    spark.sparkContext().listenerBus().waitUntilEmpty();
    assertEquals(10, jobs.size(), "a job per step without the loop: " + jobs);
    assertEquals("sparkmlp epoch 2/2 step 5/5", jobs.get(9));
    jobs.clear();
    List<float[]> looped;
    try (SparkGradients g = source(2, 2)) {
      assertTrue(g.stepLoops(), "local[2], 2 partitions, depth 1: loops by default");
      g.recordComputeTimes();
      looped = run(g, 2, 0, w0.clone());
      assertEquals(2, g.lastComputeNanos().length, "one compute time per partition");
      for (long t : g.lastComputeNanos()) assertTrue(t > 0);
    }
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), looped.get(i), "step " + i);
    }
    assertFalse(java.util.Arrays.equals(expected.get(0), expected.get(9)), "the weights moved");
    spark.sparkContext().listenerBus().waitUntilEmpty();
    assertEquals(List.of("sparkmlp epoch 1/2 steps 1-5/5", "sparkmlp epoch 2/2 steps 1-5/5"),
        jobs);
    // The epoch's last step ended the job before it returned: an evaluation job can run.
    assertEquals(0, jsc.statusTracker().getActiveJobIds().length);
  }

  @Test
  void theClustersChannelGivesTheSameGradients() throws Exception {
    // A cluster's loop (weights and sums over the driver's LoopServer), here over loopback TCP.
    List<float[]> expected = reference(2, 0);
    jobs.clear();
    List<float[]> looped;
    try (SparkGradients g = source(2, 2)) {
      g.handOff(false);
      g.stepLoops(true);
      g.recordComputeTimes();
      looped = run(g, 2, 0, w0.clone());
      assertTrue(g.stepLoops(), "no fall-back to a job per step");
      assertEquals(2, g.lastComputeNanos().length);
      for (long t : g.lastComputeNanos()) assertTrue(t > 0);
      assertEquals(null, g.weightsBroadcast(), "the weights go with the step, not in a broadcast");
    }
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), looped.get(i), "step " + i);
    }
    spark.sparkContext().listenerBus().waitUntilEmpty();
    assertEquals(List.of("sparkmlp epoch 1/2 steps 1-5/5", "sparkmlp epoch 2/2 steps 1-5/5"),
        jobs);
    assertEquals(0, jsc.statusTracker().getActiveJobIds().length);
  }

  @Test
  void aClusterLoopThatLosesATaskFallsBackToAJobPerStep() throws Exception {
    List<float[]> expected = reference(1, 0);
    jobs.clear();
    try (SparkGradients g = source(2, 1)) {
      g.handOff(false);
      g.stepLoops(true);
      float[] w = w0.clone();
      Gradient first = g.compute(w, buf, 0, 0);
      assertArrayEquals(expected.get(0), first.grad);
      for (int i = 0; i < w.length; i++) w[i] -= 0.05f * first.grad[i] / first.count;
      // As when an executor dies: the connections to the tasks break.
      g.dropLoopConnections();
      for (int s = 1; s < STEPS; s++) {
        int step = s;
        Gradient sum = assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
            g.compute(w, buf, 0, step));
        assertArrayEquals(expected.get(s), sum.grad, "step " + (s + 1));
        for (int i = 0; i < w.length; i++) w[i] -= 0.05f * sum.grad[i] / sum.count;
      }
      assertFalse(g.stepLoops(), "a failed cluster loop is not retried");
    }
    spark.sparkContext().listenerBus().waitUntilEmpty();
    assertEquals("sparkmlp epoch 1/1 steps 1-5/5", jobs.get(0));
    assertEquals(List.of("sparkmlp epoch 1/1 step 2/5", "sparkmlp epoch 1/1 step 3/5",
        "sparkmlp epoch 1/1 step 4/5", "sparkmlp epoch 1/1 step 5/5"), jobs.subList(1, jobs.size()));
    assertEquals(0, jsc.statusTracker().getActiveJobIds().length);
  }

  @Test
  void aResumedEpochLoopsFromItsStep() throws Exception {
    List<float[]> expected = reference(1, 3);
    jobs.clear();
    try (SparkGradients g = source(2, 1)) {
      List<float[]> looped = run(g, 1, 3, w0.clone());
      for (int i = 0; i < expected.size(); i++) {
        assertArrayEquals(expected.get(i), looped.get(i), "step " + (i + 3));
      }
    }
    spark.sparkContext().listenerBus().waitUntilEmpty();
    assertEquals(List.of("sparkmlp epoch 1/1 steps 4-5/5"), jobs);
  }

  @Test
  void anIdleLoopFreesItsSlotsAndTheNextStepStartsAnother() throws Exception {
    List<float[]> expected = reference(1, 0);
    jobs.clear();
    try (SparkGradients g = source(2, 1)) {
      float[] w = w0.clone();
      Gradient first = g.compute(w, buf, 0, 0);
      assertArrayEquals(expected.get(0), first.grad);
      assertEquals(1, jsc.statusTracker().getActiveJobIds().length, "the loop waits for step 2");
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(StepLoop.IDLE_NANOS) + 300);
      awaitNoActiveJob();
      // Another job runs meanwhile, on the slots the loop gave up.
      assertEquals(10, jsc.parallelize(List.of(1, 2, 3, 4), 2).map(x -> x + 1).count() + 6);
      for (int i = 0; i < w.length; i++) w[i] -= 0.05f * first.grad[i] / first.count;
      for (int s = 1; s < STEPS; s++) {
        Gradient sum = g.compute(w, buf, 0, s);
        assertArrayEquals(expected.get(s), sum.grad, "step " + (s + 1));
        for (int i = 0; i < w.length; i++) w[i] -= 0.05f * sum.grad[i] / sum.count;
      }
    }
    spark.sparkContext().listenerBus().waitUntilEmpty();
    assertEquals(List.of("sparkmlp epoch 1/1 steps 1-5/5", "sparkmlp epoch 1/1 steps 2-5/5"),
        jobs);
  }

  @Test
  void aCancelledLoopFailsTheStepAndTheNextTryRecovers() throws Exception {
    List<float[]> expected = reference(1, 0);
    try (SparkGradients g = source(2, 1)) {
      float[] w = w0.clone();
      Gradient first = g.compute(w, buf, 0, 0);
      for (int i = 0; i < w.length; i++) w[i] -= 0.05f * first.grad[i] / first.count;
      jsc.cancelAllJobs();
      awaitNoActiveJob();
      IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
          () -> assertThrows(IllegalStateException.class, () -> g.compute(w, buf, 0, 1)));
      assertTrue(e.getMessage().contains("epoch 1 step 2") && e.getMessage().contains("cancel"),
          e.getMessage());
      Gradient again = assertTimeoutPreemptively(Duration.ofSeconds(30),
          () -> g.compute(w, buf, 0, 1));
      assertArrayEquals(expected.get(1), again.grad, "the same step, in a new loop");
    }
  }

  @Test
  void closingMidEpochEndsTheLoop() throws Exception {
    SparkGradients g = source(2, 1);
    g.compute(w0.clone(), buf, 0, 0);
    assertEquals(1, jsc.statusTracker().getActiveJobIds().length);
    assertTimeoutPreemptively(Duration.ofSeconds(10), g::close);
    assertEquals(0, jsc.statusTracker().getActiveJobIds().length);
    assertEquals(4, jsc.parallelize(List.of(1, 2, 3, 4), 2).count());
  }

  @Test
  void morePartitionsThanSlotsRunAJobPerStep() throws Exception {
    try (SparkGradients g = source(3, 1)) {
      assertFalse(g.stepLoops(), "3 partitions, 2 slots: a barrier stage could never start");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> g.stepLoops(true));
      assertTrue(e.getMessage().contains("local[2] with 3 partitions"), e.getMessage());
      jobs.clear();
      g.compute(w0.clone(), buf, 0, 0);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertEquals(List.of("sparkmlp epoch 1/1 step 1/" + g.stepsPerEpoch()), jobs);
    }
  }
}
