package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparkmlp.math.Ranges;
import dev.sparkmlp.train.Gradient;
import dev.sparkmlp.train.GradientSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ClusterWatch on a local master, where it never trips: a guarded source is the source, with
 * every overridable part forwarded. (A trip needs a real cluster: ClusterMasterIT.)
 */
class ClusterWatchTest {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[1]");
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  /** A source that records which compute ran and splits passes in two parts. */
  private static final class Recording implements GradientSource {
    final List<String> calls = new ArrayList<>();
    final Ranges halves = (n, job) -> {
      job.run(0, n / 2);
      job.run(n / 2, n);
    };

    @Override public long rows() { return 10; }
    @Override public int shards() { return 2; }
    @Override public int batchSize() { return 5; }
    @Override public int stepsPerEpoch() { return 2; }
    @Override public String describe() { return "recording"; }
    @Override public Ranges ranges() { return halves; }

    @Override
    public Gradient compute(float[] params, float[] buffers, int epoch, int step) {
      calls.add("compute " + epoch + "/" + step);
      return new Gradient();
    }

    @Override
    public Gradient compute(float[] params, float[] buffers, int epoch, int step, SumPass then) {
      calls.add("compute with pass " + epoch + "/" + step);
      return new Gradient();
    }
  }

  @Test
  void aGuardedSourceForwardsItsRangesAndItsSumPass() {
    try (ClusterWatch watch = ClusterWatch.start(spark.sparkContext(), Duration.ofSeconds(5),
        Duration.ofSeconds(5))) {
      Recording source = new Recording();
      GradientSource guarded = watch.guard(source);
      assertSame(source.halves, guarded.ranges());
      guarded.compute(new float[0], new float[0], 1, 2);
      guarded.compute(new float[0], new float[0], 3, 4, (sum, count, loss, from, to) -> { });
      assertEquals(List.of("compute 1/2", "compute with pass 3/4"), source.calls);
      assertEquals("recording", guarded.describe());
      assertEquals(2, guarded.stepsPerEpoch());
      assertNull(watch.lost(), "a local master never trips");
    }
  }

  @Test
  void nonPositiveTimeoutsAreRefusedNamingTheProperties() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClusterWatch.start(spark.sparkContext(), Duration.ZERO, Duration.ofSeconds(5)));
    assertEquals("cluster timeouts must be positive: " + ClusterWatch.MASTER_TIMEOUT + " 0, "
        + ClusterWatch.EXECUTOR_WAIT + " 5", e.getMessage());
  }
}
