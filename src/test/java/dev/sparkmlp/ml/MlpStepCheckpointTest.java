package dev.sparkmlp.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.io.Checkpoint;
import dev.sparkmlp.io.CheckpointIO;
import java.nio.file.Path;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * checkpointStepInterval: a fit whose Spark job is cancelled in the middle of an epoch (as a
 * crash would end it) leaves the checkpoint of the step before, and a second fit with the same
 * params resumes from it, mid-epoch, to bitwise the weights and loss history of a fit never
 * stopped. The job to cancel is found by its description, "sparkmlp epoch e/E step s/S": the fits
 * use 3 partitions on local[2]'s 2 task slots, so each step is a job of its own (with a slot per
 * partition the steps of an epoch would share one job, a step loop; StepLoopTest cancels those).
 */
class MlpStepCheckpointTest {
  private static SparkSession spark;
  private static Dataset<Row> train;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() {
    spark = MlSpark.start();
    train = MlSpark.blobs(spark, 600, 1).cache();
  }

  @AfterAll
  static void stop() {
    MlSpark.stop(spark);
  }

  /** 600 rows in 3 partitions of 200, batch 48 (16 rows each): 12 steps per epoch; dropout, so the masks must line up too. */
  private static MlpClassifier estimator() {
    return new MlpClassifier().setHiddenLayers(16, 8).setMaxIter(2).setBatchSize(48)
        .setStepSize(0.01).setDropout(0.1).setNumPartitions(3).setSeed(7);
  }

  /** Cancels the first job whose description names {@code step}, e.g. "epoch 2/2 step 5/12". */
  private static final class CancelAt extends SparkListener {
    private final String step;
    volatile boolean cancelled;

    CancelAt(String step) {
      this.step = step;
    }

    @Override
    public void onJobStart(SparkListenerJobStart e) {
      String d = e.properties().getProperty("spark.job.description");
      if (!cancelled && d != null && d.endsWith(step)) {
        cancelled = true;
        spark.sparkContext().cancelJob(e.jobId(), "the test stops the fit at " + step);
      }
    }
  }

  @Test
  void aFitStoppedMidEpochResumesBitwise() {
    MlpClassificationModel straight = estimator().fit(train);

    String dir = tmp.resolve("ckpt").toString();
    CancelAt cancel = new CancelAt("epoch 2/2 step 5/12");
    spark.sparkContext().addSparkListener(cancel);
    try {
      assertThrows(RuntimeException.class,
          () -> estimator().setCheckpointDir(dir).setCheckpointStepInterval(1).fit(train));
    } finally {
      spark.sparkContext().removeSparkListener(cancel);
    }
    assertTrue(cancel.cancelled, "no job of epoch 2 step 5 ran");
    Checkpoint c = CheckpointIO.load(dir);
    assertEquals(12 + 4, c.step(), "the checkpoint after epoch 2 step 4");
    assertEquals(1, c.epoch());
    assertEquals(4, c.partial().steps());

    MlpClassificationModel resumed =
        estimator().setCheckpointDir(dir).setCheckpointStepInterval(1).fit(train);
    assertArrayEquals(straight.weights().toArray(), resumed.weights().toArray());
    assertArrayEquals(straight.summary().objectiveHistory(),
        resumed.summary().objectiveHistory());
  }

  @Test
  void aStepIntervalNeedsADirectory() {
    MlpEstimatorTest.assertMessage(
        "param checkpointDir: checkpointStepInterval is 3 but checkpointDir is empty",
        () -> estimator().setCheckpointStepInterval(3).fit(train));
    MlpEstimatorTest.assertMessage("param checkpointStepInterval must be >= 0, not -1",
        () -> estimator().setCheckpointStepInterval(-1));
  }
}
