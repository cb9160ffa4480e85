package dev.sparkmlp.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparkmlp.data.Block;
import dev.sparkmlp.nn.Network;
import dev.sparkmlp.train.DivergenceTest;
import dev.sparkmlp.train.LocalGradients;
import dev.sparkmlp.train.Trainer;
import dev.sparkmlp.train.TrainingDivergedException;
import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On Spark local[2], training that diverges stops with the one-line error of the local engine
 * with as many shards (same epoch, step and loss: the trajectories are bitwise equal), and its
 * step checkpoints stay whole and finite.
 */
class SparkDivergenceTest {
  @TempDir
  Path dir;

  private static TrainingDivergedException diverge(Network net,
      dev.sparkmlp.train.GradientSource g, String cp) {
    float[] w = new float[net.paramCount()];
    float[] buf = new float[0];
    net.initialize(w, buf, DivergenceTest.SEED);
    return assertThrows(TrainingDivergedException.class,
        () -> new Trainer(net, DivergenceTest.config(DivergenceTest.LR), w, buf)
            .fit(g, null, null, DivergenceTest.checkpointer(net, cp)));
  }

  @Test
  void divergesAtTheLocalEnginesStepAndKeepsTheLastGoodCheckpoint() {
    Network net = DivergenceTest.regressionNet();
    Block train = DivergenceTest.regression();
    TrainingDivergedException local;
    try (LocalGradients g = new LocalGradients(net, train, 40, 2, 2, DivergenceTest.SEED)) {
      local = diverge(net, g, dir.resolve("local").toString());
    }
    SparkSession spark = TestSpark.start("local[2]");
    try (SparkGradients g = new SparkGradients(JavaSparkContext.fromSparkContext(
        spark.sparkContext()), net, train, 40, 2, DivergenceTest.SEED, 50, 1)) {
      String cp = dir.resolve("spark").toString();
      TrainingDivergedException e = diverge(net, g, cp);
      assertEquals(local.getMessage(), e.getMessage());
      DivergenceTest.assertStoppedCleanly(e, cp);
    } finally {
      TestSpark.stop(spark);
    }
  }
}
