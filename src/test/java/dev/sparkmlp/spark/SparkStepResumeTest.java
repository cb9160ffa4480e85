package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.io.CheckpointIO;
import dev.sparkmlp.io.SavedModel;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.Checkpointer;
import dev.sparkmlp.train.EpochMetrics;
import dev.sparkmlp.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On Spark local[2]: a run stopped mid-epoch and resumed from its newest step checkpoint ends
 * bitwise where the uninterrupted run does, with dropout, batch norm and Adam.
 */
class SparkStepResumeTest {
  static SparkSession spark;
  static JavaSparkContext jsc;

  @TempDir
  Path dir;

  private static final int EPOCHS = 3;

  @BeforeAll
  static void start() {
    spark = TestSpark.start("local[2]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  private static final class Killed extends RuntimeException {
    Killed() {
      super("killed");
    }
  }

  private record Outcome(float[] params, float[] buffers, List<EpochMetrics> history) {}

  /** 400 rows, batch 30, 2 partitions: 13 steps per epoch. */
  private static Outcome train(Network net, Trainer.Listener l, String resumeFrom) {
    Block train = TestSpark.blobs(400, 11);
    Block val = TestSpark.blobs(150, 12);
    float[] w = new float[net.paramCount()];
    float[] buf = new float[net.bufferCount()];
    net.initialize(w, buf, 5);
    Trainer t = new Trainer(net, TestSpark.config("adam", 0.01f, EPOCHS, 30, 5), w, buf);
    if (resumeFrom != null) Checkpointer.resume(resumeFrom, net, 5, t);
    try (SparkGradients g = new SparkGradients(jsc, net, train, 30, 2, 5, EPOCHS, 1);
        SparkEvaluation v = new SparkEvaluation(jsc, net, val, 2, "validation set")) {
      return new Outcome(w, buf, t.fit(g, v, null, l).history());
    }
  }

  private static List<String> learning(List<EpochMetrics> history) {
    return history.stream().map(m -> m.epoch() + " " + m.step() + " " + m.trainLoss() + " "
        + m.train() + " " + m.validation() + " " + m.lr()).toList();
  }

  @Test
  void resumedMidEpochFromAStepCheckpointEndsBitwiseEqual() {
    Network net = Network.build(TestSpark.spec(0.2f, true));
    Outcome straight = train(net, null, null);
    String cp = dir.resolve("checkpoint").toString();
    SavedModel model = new SavedModel(net.spec(), new float[net.paramCount()],
        new float[net.bufferCount()], null, SavedModel.CLASSIFICATION, 3, Map.of());
    Trainer.Listener killer = new Trainer.Listener() {
      @Override
      public void epochEnd(EpochMetrics metrics, Trainer trainer) {}

      @Override
      public void stepEnd(Trainer trainer) {
        if (trainer.step() == 23) throw new Killed();
      }
    };
    assertThrows(Killed.class, () -> train(net, Trainer.Listener.all(
        new Checkpointer(cp, 1, 5, model, 5, "spark test"), killer), null));
    var c = CheckpointIO.load(cp);
    assertEquals(20, c.step());
    assertEquals(1, c.epoch());
    assertEquals(7, c.partial().steps(), "steps into epoch 2 (13 steps per epoch)");

    Outcome resumed = train(net, null, cp);
    assertArrayEquals(straight.params(), resumed.params(), "params");
    assertArrayEquals(straight.buffers(), resumed.buffers(), "buffers");
    assertEquals(learning(straight.history()), learning(resumed.history()), "metrics");
  }
}
